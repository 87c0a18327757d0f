"""Inbox, task pages and proposal forms. Views parse input and call services; rights live in the services."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from viewflow.workflow.models import Task

from core.errors import Invalid, MovedOn, Refused, form_refusal, render_refusal
from governance.inputs import strict_ints, submitted
from governance.models import AuditEvent, KaStatus, Kernaktivitaet, ResolutionResult
from governance.selectors import (
    kernaktivitaet_internal_visible,
    kernaktivitaet_visible,
    steckbrief_version_view,
    tranche_next_open,
)
from governance.steckbrief import missing, snapshot, steckbrief_queryset
from workflow.reports import selectors as report_selectors

from . import rights, selectors, services
from .flows import NODE_ACTIONS, KaDecisionFlow
from .forms import CouncilForm, DecisionForm, ProposalCreateForm, RequestForm
from .inbox_forms import InboxFilterForm
from .rights import Action
from .steckbrief_forms import SteckbriefEditor, missing_problems


def refused(request: HttpRequest, exc: Refused, *, back: str | None = None, **context: Any) -> HttpResponse:
    """The refusal page of the process: it names who did a task that was done already."""
    return render_refusal(request, exc, template="workflow/refused.html", back=back, **context)


# The inbox names the most urgent reports of each kind; the reports page lists them all.
REPORTS_IN_INBOX = 10


# The id of the decision's heading on a task page: a claim lands there.
TASK_FOCUS = "aufgabe"


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    form = InboxFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()  # the fields show their errors as they are rendered
    filters = form.to_filter()
    lists = selectors.task_lists(
        request.user,
        filters=filters,
        inbox_page=request.GET.get("inbox_page"),
        queue_page=request.GET.get("queue_page"),
    )
    # Paging keeps the valid search and filters: the page links carry them (and nothing else of the query).
    kept = QueryDict(mutable=True)
    for name in form.fields:
        if request.GET.get(name) and name not in form.errors:
            kept[name] = request.GET[name]
    # One row more than shown tells whether there are more, without counting them all.
    owed = list(report_selectors.statusbericht_owed_by_list(user=request.user)[: REPORTS_IN_INBOX + 1])
    to_review = list(report_selectors.statusbericht_to_review_list(user=request.user)[: REPORTS_IN_INBOX + 1])
    return render(
        request,
        "workflow/inbox.html",
        {
            "lists": lists,
            "form": form,
            "filtered": filters.active,
            "filter_query": f"{kept.urlencode()}&" if kept else "",
            "may_create": bool(rights.may(request.user, Action.CREATE, None)),
            # Due reports are tasks of the project group too; reviews wait for the Zirkel or the Kompetenz.
            # The most urgent ones here, all of them on the reports page.
            "reports_owed": owed[:REPORTS_IN_INBOX],
            "reports_to_review": to_review[:REPORTS_IN_INBOX],
            "reports_more": len(owed) > REPORTS_IN_INBOX or len(to_review) > REPORTS_IN_INBOX,
        },
    )


def _task_or_refusal(
    request: HttpRequest, task_id: int
) -> tuple[selectors.Entry | None, HttpResponse | None]:
    entry = selectors.task_for_user(request.user, task_id)
    if entry is not None:
        return entry, None
    task = (
        Task.objects.filter(pk=task_id, process__flow_class=KaDecisionFlow, flow_task_type="HUMAN")
        .select_related("process__kaprocess__kernaktivitaet__kompetenz")
        .first()
    )
    # Whoever may not read the KA's internal data learns nothing of its tasks, not even that they exist.
    if task is None or not _reads_internal(request.user, task.process.kaprocess.kernaktivitaet):
        raise Http404
    back = reverse("workflow:inbox")
    if task.status not in services.OPEN:
        # A link from a mail opened late: say who did it, when, with what outcome, and where the KA is now.
        done = {"ka": task.process.kaprocess.kernaktivitaet, "event": selectors.task_outcome_get(task)}
        return None, refused(request, MovedOn(services.TASK_DONE), back=back, done=done)
    if task.owner_id is not None and task.owner_id != request.user.pk:
        message = _("Diese Aufgabe hat bereits %(name)s übernommen.") % {"name": task.owner.get_username()}
        return None, refused(request, MovedOn(message), back=back)
    ka = task.process.coerced.kernaktivitaet
    verdict = rights.may(
        request.user,
        NODE_ACTIONS[task.flow_task.name][0],
        ka,
        requester_ids=services.process_requesters(task.process.coerced),
    )
    message = verdict.message or _("Diese Aufgabe ist nicht für Sie bestimmt.")
    return None, refused(request, Refused(message), back=back)


@login_required
@require_http_methods(["GET", "POST"])
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    entry, refusal = _task_or_refusal(request, task_id)
    if refusal is not None:
        return refusal
    assert entry is not None
    task, ka = entry.task, entry.kernaktivitaet
    node = task.flow_task.name
    if node == "council_record":
        return redirect(f"{reverse('workflow:council')}?task={task.pk}")
    if node == "rework":
        return redirect("workflow:proposal_edit", pk=ka.pk)

    form = DecisionForm(node=node, kernaktivitaet=ka, initial=_initial(task))
    status = 200
    if request.method == "POST":
        op = request.POST.get("op", "decide")
        try:
            if op == "claim":
                services.task_claim(actor=request.user, task_id=task.pk, on_behalf_of=entry.for_person)
                messages.success(request, _("Sie haben die Aufgabe übernommen."))
                # Focus on the decision, not the top of the page again (heading with tabindex="-1").
                return redirect(f"{reverse('workflow:task', kwargs={'task_id': task.pk})}#{TASK_FOCUS}")
            if op == "release":
                services.task_release(actor=request.user, task_id=task.pk)
                messages.success(request, _("Die Aufgabe steht wieder allen Berechtigten offen."))
                return redirect("workflow:inbox")
            form = DecisionForm(request.POST, node=node, kernaktivitaet=ka)
            if form.is_valid():
                applied = services.task_decide(
                    actor=request.user,
                    task_id=task.pk,
                    action=form.cleaned_data["action"],
                    reason=form.cleaned_data.get("reason", ""),
                    on_behalf_of=entry.for_person,
                    merge_target=form.cleaned_data.get("merge_target"),
                )
                messages.success(
                    request,
                    _("Entschieden: %(code)s steht jetzt auf „%(status)s“.")
                    % {"code": ka.code, "status": applied.kernaktivitaet.get_status_display()},
                )
                return redirect("workflow:inbox")
            status = 400
        except Invalid as exc:
            form_refusal(form, exc)
            status = 400
        except Refused as exc:
            return refused(request, exc, back=reverse("workflow:inbox"))
    return render(
        request,
        "workflow/task.html",
        {
            "entry": entry,
            "task": task,
            "ka": ka,
            "form": form,
            "history": _history(ka),
            "process": task.process.kaprocess,
            # The version the decision is about, and after a return what changed since the one before.
            "steckbrief": steckbrief_version_view(ka, internal=True, with_changes=True),
        },
        status=status,
    )


def _initial(task: Task) -> dict[str, Any]:
    process = task.process.kaprocess
    return {"merge_target": process.merge_target_id} if process.merge_target_id else {}


def _history(ka: Kernaktivitaet) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(kernaktivitaet=ka)
        .select_related("actor", "on_behalf_of", "resolution__consultation__paper")
        .order_by("-created_at", "-pk")[:20]
    )


@login_required
@require_http_methods(["GET", "POST"])
def council(request: HttpRequest) -> HttpResponse:
    """Record a council resolution: one paper, one outcome per KA; a tranche moves together or not at all."""
    # The form exists for the Ratsbüro (and its deputies) only; to everyone else it is not there.
    if not _may_record_council(request.user):
        raise Http404
    entries = selectors.council_tasks(request.user)
    asked = request.GET.getlist("task")
    wanted = strict_ints(asked, minimum=1)
    if asked:
        entries = [e for e in entries if e.task.pk in wanted]
        if not entries:
            done = Task.objects.filter(pk__in=wanted, flow_task=KaDecisionFlow.council_record).exclude(
                status__in=services.OPEN
            )
            if not done.exists():
                raise Http404
            exc = MovedOn(_("Dieser Ratsbeschluss ist bereits erfasst."))
            return refused(request, exc, back=reverse("workflow:inbox"))
    single = len(wanted) == 1
    # The tranche the paper's KA already belong to, else the next tranche with room.
    tranches = {e.kernaktivitaet.tranche_id for e in entries}
    default_tranche = (
        entries[0].kernaktivitaet.tranche if len(tranches) == 1 and None not in tranches else None
    ) or tranche_next_open()
    # An empty POST is a submission too (every field missing): bound, so it comes back with its messages.
    data = submitted(request)
    form = CouncilForm(data, entries=entries, single=single, tranche=default_tranche)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            outcomes = [
                services.Outcome(
                    kernaktivitaet=entry.kernaktivitaet,
                    result=result,
                    resolution_text=text,
                    deferred_to=deferred,
                )
                for entry, result, text, deferred in form.chosen()
            ]
            for_people = {e.for_person.pk: e.for_person for e, *_rest in form.chosen() if e.for_person}
            try:
                resolutions = services.paper_record_resolution(
                    actor=request.user,
                    reference=form.cleaned_data["reference"],
                    name=form.cleaned_data["name"],
                    paper_date=form.cleaned_data["paper_date"],
                    session_start=form.session_start(),
                    outcomes=outcomes,
                    agenda_number=form.cleaned_data.get("agenda_number", ""),
                    tranche=form.cleaned_data.get("tranche"),
                    on_behalf_of=next(iter(for_people.values())) if len(for_people) == 1 else None,
                )
            except Invalid as exc:
                form_refusal(form, exc)
            except Refused as exc:
                return refused(request, exc, back=reverse("workflow:inbox"))
            else:
                messages.success(
                    request,
                    _("Ratsbeschluss zu %(count)s Kernaktivität(en) erfasst.") % {"count": len(resolutions)},
                )
                return redirect("workflow:inbox")
        status = 400
    return render(
        request,
        "workflow/council.html",
        {"form": form, "single": single, "results": ResolutionResult},
        status=status,
    )


def _reads_internal(user: Any, ka: Kernaktivitaet) -> bool:
    """May this person, or someone they stand in for today, read the KA's internal data?"""
    if kernaktivitaet_internal_visible(user=user, ka=ka):
        return True
    if not user.is_authenticated:
        return False
    return any(kernaktivitaet_internal_visible(user=p, ka=ka) for p in rights.absent_principals(user))


def _may_record_council(user: Any) -> bool:
    """Does this person record council resolutions, themselves or as a deputy today?"""
    if rights.may(user, Action.COUNCIL_RECORD, None):
        return True
    return any(
        rights.may(user, Action.COUNCIL_RECORD, None, on_behalf_of=absent)
        for absent in rights.absent_principals(user)
    )


# -------------------------------------------------------------------------------------------- proposals


@login_required
@require_http_methods(["GET", "POST"])
def proposal_create(request: HttpRequest) -> HttpResponse:
    verdict = rights.may(request.user, Action.CREATE, None)
    if not verdict:
        return refused(request, Refused(verdict.message))
    form = ProposalCreateForm(submitted(request))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            values = {k: v for k, v in form.cleaned_data.items() if k in services.PROPOSAL_FIELDS}
            try:
                ka = services.kernaktivitaet_create_proposal(
                    actor=request.user,
                    kompetenz=form.cleaned_data["kompetenz"],
                    form_key=form.cleaned_data.get("form_key"),
                    **values,
                )
            except Invalid as exc:
                form_refusal(form, exc)
            except Refused as exc:
                return refused(request, exc)
            else:
                messages.success(
                    request,
                    _("Der Vorschlag %(code)s ist angelegt. Sie können ihn jetzt einreichen.")
                    % {"code": ka.code},
                )
                return redirect("workflow:proposal_edit", pk=ka.pk)
        status = 400
    return render(request, "workflow/proposal_form.html", {"form": form, "ka": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def proposal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The proposal and its Projektsteckbrief: saved as a draft at any point, submitted when complete."""
    ka = get_object_or_404(Kernaktivitaet.objects.select_related("kompetenz"), pk=pk)
    if not _reads_internal(request.user, ka):
        raise Http404
    on_behalf_of = _principal_for(request.user, Action.EDIT, ka)
    verdict = rights.may(request.user, Action.EDIT, ka, on_behalf_of=on_behalf_of)
    if not verdict:
        return refused(request, Refused(verdict.message))
    may_submit = bool(rights.may(request.user, Action.SUBMIT, ka, on_behalf_of=on_behalf_of))
    editable = services.proposal_editable(actor=request.user, ka=ka, on_behalf_of=on_behalf_of)
    ka = steckbrief_queryset().get(pk=ka.pk)
    profile = getattr(ka, "steckbrief", None)
    editor = SteckbriefEditor(submitted(request), ka=ka, profile=profile)
    status = 200
    if request.method == "POST":
        if not editable:
            return refused(request, services.proposal_moved_on(ka))
        submit = request.POST.get("op") == "submit"
        if editor.is_valid():
            try:
                services.proposal_save(
                    actor=request.user,
                    kernaktivitaet=ka,
                    values=editor.values(),
                    steckbrief=editor.steckbrief(),
                    submit=submit,
                    on_behalf_of=on_behalf_of,
                )
            except Invalid as exc:
                editor.refuse(exc)
            except Refused as exc:
                return refused(request, exc)
            else:
                if submit:
                    messages.success(request, _("Der Vorschlag ist beim Strategiezirkel eingereicht."))
                    return redirect("workflow:inbox")
                messages.success(request, _("Der Entwurf ist gespeichert."))
                return redirect("workflow:proposal_edit", pk=ka.pk)
        status = 400
    last_return = (
        AuditEvent.objects.filter(kernaktivitaet=ka, action__in=[Action.ZIRKEL_RETURN, Action.BOARD_RETURN])
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
        if ka.status == KaStatus.PROPOSED
        else None
    )
    still_missing = missing(snapshot(ka), [thema.name for thema in editor.wirkungen_form.themen])
    return render(
        request,
        "workflow/proposal_form.html",
        {
            "editor": editor,
            "form": editor.ka_form,
            "ka": ka,
            "editable": editable,
            "may_submit": may_submit and ka.status == KaStatus.PROPOSED,
            "last_return": last_return,
            "problems": editor.summary(),
            "still_missing": missing_problems(still_missing),
            # Once submitted, the page shows the version that was submitted.
            "steckbrief": None if editable else steckbrief_version_view(ka, internal=True),
        },
        status=status,
    )


def _principal_for(user: Any, action: Action, ka: Kernaktivitaet) -> Any:
    """Act as oneself when allowed, otherwise for the first absent person one stands in for who may."""
    if rights.may(user, action, ka):
        return None
    for absent in rights.absent_principals(user):
        if rights.may(user, action, ka, on_behalf_of=absent):
            return absent
    return None


REQUEST_ACTIONS = (Action.PROPOSE_COMPLETION, Action.PROPOSE_STOP, Action.PROPOSE_MERGE)


@login_required
@require_http_methods(["GET", "POST"])
def ka_request(request: HttpRequest, code: str) -> HttpResponse:
    """Propose completion, stop or merge of a running KA."""
    ka = get_object_or_404(Kernaktivitaet.objects.select_related("kompetenz"), code=code)
    # Rights before state: a KA the person may not see is not there, whatever its status.
    if not kernaktivitaet_visible(user=request.user, ka=ka) and not _reads_internal(request.user, ka):
        raise Http404
    if ka.status != KaStatus.RUNNING:
        return refused(
            request,
            MovedOn(
                _("Anträge gibt es nur für laufende Kernaktivitäten; %(code)s steht auf „%(status)s“.")
                % {"code": ka.code, "status": ka.get_status_display()}
            ),
        )
    principals = {action: _principal_for(request.user, action, ka) for action in REQUEST_ACTIONS}
    kinds = [
        action.value
        for action in REQUEST_ACTIONS
        if rights.may(request.user, action, ka, on_behalf_of=principals[action])
    ]
    if not kinds:
        verdict = rights.may(request.user, Action.PROPOSE_STOP, ka)
        return refused(request, Refused(verdict.message))
    form = RequestForm(submitted(request), kernaktivitaet=ka, kinds=kinds)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            kind = Action(form.cleaned_data["kind"])
            try:
                if kind == Action.PROPOSE_COMPLETION:
                    services.kernaktivitaet_propose_completion(
                        actor=request.user,
                        kernaktivitaet=ka,
                        reason=form.cleaned_data["reason"],
                        on_behalf_of=principals[kind],
                    )
                else:
                    services.kernaktivitaet_propose_stop(
                        actor=request.user,
                        kernaktivitaet=ka,
                        reason=form.cleaned_data["reason"],
                        merge_target=form.cleaned_data.get("merge_target")
                        if kind == Action.PROPOSE_MERGE
                        else None,
                        on_behalf_of=principals[kind],
                    )
            except Invalid as exc:
                form_refusal(form, exc)
            except Refused as exc:
                return refused(request, exc)
            else:
                messages.success(request, _("Ihr Antrag ist gestellt."))
                return redirect("workflow:inbox")
        status = 400
    return render(request, "workflow/request.html", {"form": form, "ka": ka}, status=status)


__all__ = ["council", "inbox", "ka_request", "proposal_create", "proposal_edit", "task_detail"]


def ka_actions_html(request: HttpRequest, ka: Kernaktivitaet) -> str:
    """What this user may do on this KA now, for the KA page: open tasks, proposal, requests, reports."""
    user = request.user
    if not user.is_authenticated:
        return ""
    lists = selectors.task_lists(user, done_limit=0, kernaktivitaet=ka, page_size=None)
    may_edit = ka.status == KaStatus.PROPOSED and rights.may(user, Action.EDIT, ka)
    may_request = ka.status == KaStatus.RUNNING and any(
        rights.may(user, action, ka, on_behalf_of=_principal_for(user, action, ka))
        for action in REQUEST_ACTIONS
    )
    reports = list(report_selectors.statusbericht_owed_by_list(user=user).filter(kernaktivitaet=ka))
    context = {
        "ka": ka,
        "tasks": [*lists.inbox, *lists.queue],
        "may_edit": may_edit,
        "may_request": may_request,
        "reports": reports,
    }
    if not any(context[key] for key in ("tasks", "may_edit", "may_request", "reports")):
        return ""
    return render_to_string("workflow/_ka_actions.html", context, request=request)
