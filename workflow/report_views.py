"""Pages of the status reports: what the user owes, what waits for their review, and the report itself."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import Invalid, Refused
from core.paging import paged
from governance.models import Statusbericht, StatusberichtState
from governance.selectors import kernaktivitaet_internal_visible
from workflow.reports import selectors as report_selectors
from workflow.reports import services as reporting

from .report_forms import StatusberichtForm, StatusberichtReviewForm
from .views import refused


@login_required
def berichte(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "workflow/berichte.html",
        {
            "owed": paged(
                report_selectors.statusbericht_owed_by_list(user=request.user), request.GET.get("owed_page")
            ),
            "to_review": paged(
                report_selectors.statusbericht_to_review_list(user=request.user),
                request.GET.get("review_page"),
            ),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def statusbericht(request: HttpRequest, pk: int) -> HttpResponse:
    bericht = get_object_or_404(
        Statusbericht.objects.select_related("kernaktivitaet__kompetenz", "eingereicht_von", "geprueft_von"),
        pk=pk,
    )
    ka = bericht.kernaktivitaet
    # A report the person may not read is not there (404, as for a report that does not exist).
    if not kernaktivitaet_internal_visible(user=request.user, ka=ka):
        raise Http404
    may_submit = bericht.state in StatusberichtState.open() and reporting.may_submit(request.user, ka)
    may_review = bericht.state == StatusberichtState.SUBMITTED and reporting.may_review(request.user, ka)

    form = StatusberichtForm(initial=_initial(bericht)) if may_submit else None
    review_form = StatusberichtReviewForm() if may_review else None
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("op") == "review":
                review_form = StatusberichtReviewForm(request.POST)
                if review_form.is_valid():
                    if review_form.cleaned_data["decision"] == StatusberichtReviewForm.ACCEPT:
                        reporting.statusbericht_accept(actor=request.user, bericht=bericht)
                        messages.success(request, _("Der Sachstandsbericht ist angenommen."))
                    else:
                        reporting.statusbericht_return(
                            actor=request.user, bericht=bericht, reason=review_form.cleaned_data["reason"]
                        )
                        messages.success(
                            request,
                            _("Der Sachstandsbericht ist zurückgegeben; die Projektgruppe wird informiert."),
                        )
                    return redirect("workflow:berichte")
            else:
                form = StatusberichtForm(request.POST)
                if form.is_valid():
                    reporting.statusbericht_submit(
                        actor=request.user, bericht=bericht, data=form.report_input()
                    )
                    messages.success(request, _("Ihr Sachstandsbericht ist eingereicht."))
                    return redirect("workflow:berichte")
        except Invalid as exc:
            target = review_form if request.POST.get("op") == "review" else form
            assert target is not None
            target.add_error(exc.field if exc.field in target.fields else None, exc.message)
        except Refused as exc:
            return refused(request, exc, back="/berichte/")
        status = 400
    return render(
        request,
        "workflow/statusbericht.html",
        {"bericht": bericht, "ka": ka, "form": form, "review_form": review_form},
        status=status,
    )


def _initial(bericht: Statusbericht) -> dict[str, object]:
    """A returned report opens with what was submitted before, so only the criticised parts need work."""
    fields = StatusberichtForm.base_fields
    return {name: getattr(bericht, name) for name in fields if getattr(bericht, name) not in ("", None)}
