"""The rights matrix (DESIGN.md §4) as role × transition × own/other KA, through the services.

"Own" means the acting person belongs to the KA's project group. A refusal must leave the database unchanged.
"""

from datetime import date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from viewflow.workflow.models import Task

from core.errors import MovedOn, Refused
from governance.models import AuditEvent, Dokument, Kernaktivitaet, ResolutionResult
from tests.people import make_ka, make_user, propose
from workflow import rights, services
from workflow.grants import kernaktivitaet_set_projektgruppe
from workflow.models import Kommentar
from workflow.rights import REPORT_ACTIONS, Action, Role

from .helpers import open_task

ROLES = list(Role)


def expected(action: Action, role: Role, own: bool) -> bool:
    if action in (Action.SUBMIT, Action.PROPOSE_COMPLETION):
        return own
    if action in (
        Action.ZIRKEL_RETURN,
        Action.ZIRKEL_FORWARD,
        Action.CONFIRM_COMPLETION,
        Action.DECLINE_COMPLETION,
    ):
        return role == Role.STRATEGIEZIRKEL and not own
    if action in (
        Action.BOARD_APPROVE,
        Action.BOARD_REJECT,
        Action.BOARD_RETURN,
        Action.BOARD_STOP,
        Action.BOARD_MERGE,
        Action.BOARD_KEEP,
    ):
        return role == Role.VERWALTUNGSVORSTAND and not own
    if action == Action.COUNCIL_RECORD:
        return role == Role.RATSBUERO
    if action in (Action.PROPOSE_STOP, Action.PROPOSE_MERGE):
        return own or role == Role.STRATEGIEZIRKEL
    raise AssertionError(action)


def _to(people, ka, *steps):
    for step in steps:
        if step == "submit":
            services.kernaktivitaet_submit(actor=people.pg, kernaktivitaet=ka)
        elif step == "forward":
            task = open_task(ka, "zirkel_review")
            services.task_decide(
                actor=people.zirkel, task_id=task.pk, action=Action.ZIRKEL_FORWARD, reason="ok"
            )
        elif step == "approve":
            task = open_task(ka, "board_decision")
            services.task_decide(actor=people.vorstand, task_id=task.pk, action=Action.BOARD_APPROVE)


SESSION = datetime(2026, 9, 10, 15)


def prepare(action, people, kompetenz, proposal, running):
    """Bring a KA to the state where ``action`` is possible; return the KA and a function doing the action."""
    target = make_ka(kompetenz, "PRF-99")
    if action == Action.SUBMIT:
        return proposal, lambda user: services.kernaktivitaet_submit(actor=user, kernaktivitaet=proposal)
    if action in (Action.ZIRKEL_RETURN, Action.ZIRKEL_FORWARD):
        _to(people, proposal, "submit")
        node = "zirkel_review"
    elif action in (Action.BOARD_APPROVE, Action.BOARD_REJECT, Action.BOARD_RETURN):
        _to(people, proposal, "submit", "forward")
        node = "board_decision"
    elif action == Action.COUNCIL_RECORD:
        _to(people, proposal, "submit", "forward", "approve")
        return proposal, lambda user: services.paper_record_resolution(
            actor=user,
            reference="20260001",
            name="Vorlage",
            paper_date=date(2026, 9, 1),
            session_start=timezone.make_aware(SESSION),
            outcomes=[services.Outcome(kernaktivitaet=proposal, result=ResolutionResult.ADOPTED)],
        )
    elif action == Action.PROPOSE_COMPLETION:
        return running, lambda user: services.kernaktivitaet_propose_completion(
            actor=user, kernaktivitaet=running
        )
    elif action in (Action.PROPOSE_STOP, Action.PROPOSE_MERGE):
        merge = target if action == Action.PROPOSE_MERGE else None
        return running, lambda user: services.kernaktivitaet_propose_stop(
            actor=user, kernaktivitaet=running, reason="Grund", merge_target=merge
        )
    elif action in (Action.CONFIRM_COMPLETION, Action.DECLINE_COMPLETION):
        services.kernaktivitaet_propose_completion(actor=people.pg, kernaktivitaet=running)
        return running, _task_action(running, "confirm_completion", action)
    else:
        services.kernaktivitaet_propose_stop(
            actor=people.pg, kernaktivitaet=running, reason="Grund", merge_target=target
        )
        return running, _task_action(running, "board_stop_merge", action)
    return proposal, _task_action(proposal, node, action)


def _task_action(ka, node, action):
    task = open_task(ka, node)
    return lambda user: services.task_decide(actor=user, task_id=task.pk, action=action, reason="Begründung")


def snapshot(ka):
    return (
        Kernaktivitaet.objects.values_list("status", "ueberfuehrt_in").get(pk=ka.pk),
        AuditEvent.objects.count(),
        list(Task.objects.order_by("pk").values_list("pk", "status", "owner_id")),
    )


MATRIX_ACTIONS = [a for a in Action if a not in (Action.CREATE, Action.EDIT, *REPORT_ACTIONS)]


@pytest.mark.parametrize("own", [True, False], ids=["own", "other"])
@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
@pytest.mark.parametrize("action", MATRIX_ACTIONS, ids=[a.value for a in MATRIX_ACTIONS])
def test_rights_matrix(action, role, own, people, kompetenz, proposal, running):
    ka, do = prepare(action, people, kompetenz, proposal, running)
    user = make_user("tester", role)
    if own:
        members = [*ka.projektgruppe.all(), user]
        kernaktivitaet_set_projektgruppe(
            kernaktivitaet=ka, projektleitung=ka.projektleitung, mitglieder=members
        )
    before = snapshot(ka)
    if expected(action, role, own):
        do(user)
        event = AuditEvent.objects.order_by("-pk").first()
        assert event is not None
        assert (event.action, event.actor) == (action.value, user)
    else:
        with pytest.raises(Refused) as refusal:
            do(user)
        assert not isinstance(refusal.value, MovedOn)
        assert refusal.value.message
        assert snapshot(ka) == before


def comment_expected(role: Role, own: bool) -> bool:
    """The discussion of a proposal: its project group, the Zirkel and the board (the Kompetenzverantwortliche
    of its own Kompetenz too, see tests/workflow/test_discussion.py; this tester oversees none)."""
    return own or role in (Role.STRATEGIEZIRKEL, Role.VERWALTUNGSVORSTAND)


@pytest.mark.parametrize("own", [True, False], ids=["own", "other"])
@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_rights_matrix_of_the_discussion(role, own, people, proposal):
    user = make_user("tester", role)
    if own:
        members = [*proposal.projektgruppe.all(), user]
        kernaktivitaet_set_projektgruppe(
            kernaktivitaet=proposal, projektleitung=proposal.projektleitung, mitglieder=members
        )
    before = (Kommentar.objects.count(), snapshot(proposal))
    if comment_expected(role, own):
        kommentar = services.kommentar_add(actor=user, kernaktivitaet=proposal, text="Frage")
        assert (kommentar.author, kommentar.kernaktivitaet) == (user, proposal)
        # A comment moves nothing: no status, no audit event, no task.
        assert snapshot(proposal) == before[1]
    else:
        with pytest.raises(Refused) as refusal:
            services.kommentar_add(actor=user, kernaktivitaet=proposal, text="Frage")
        assert not isinstance(refusal.value, MovedOn)
        assert refusal.value.message
        assert (Kommentar.objects.count(), snapshot(proposal)) == before


def test_completion_proposer_cannot_confirm_even_as_zirkel(people, running):
    kernaktivitaet_set_projektgruppe(kernaktivitaet=running, projektleitung=people.pg, mitglieder=[people.pg])
    zirkel_in_group = make_user("zirkel_pg", Role.STRATEGIEZIRKEL, Role.PROJEKTGRUPPE)
    # Object right to propose, then leaves the group: the four-eyes rule on the requester still binds.
    kernaktivitaet_set_projektgruppe(
        kernaktivitaet=running, projektleitung=people.pg, mitglieder=[people.pg, zirkel_in_group]
    )
    services.kernaktivitaet_propose_completion(actor=zirkel_in_group, kernaktivitaet=running)
    kernaktivitaet_set_projektgruppe(kernaktivitaet=running, projektleitung=people.pg, mitglieder=[people.pg])
    task = open_task(running, "confirm_completion")
    with pytest.raises(Refused, match="Antrag gestellt"):
        services.task_decide(actor=zirkel_in_group, task_id=task.pk, action=Action.CONFIRM_COMPLETION)
    services.task_decide(actor=people.zirkel, task_id=task.pk, action=Action.CONFIRM_COMPLETION)


def test_acting_on_a_state_that_moved_on_says_so(people, proposal):
    services.kernaktivitaet_submit(actor=people.pg, kernaktivitaet=proposal)
    with pytest.raises(MovedOn) as moved:
        services.kernaktivitaet_submit(actor=people.pg_member, kernaktivitaet=proposal)
    assert "nicht mehr möglich" in moved.value.message
    task = open_task(proposal, "zirkel_review")
    services.task_decide(actor=people.zirkel, task_id=task.pk, action=Action.ZIRKEL_FORWARD, reason="gut")
    with pytest.raises(MovedOn, match="bereits erledigt"):
        services.task_decide(
            actor=people.zirkel2, task_id=task.pk, action=Action.ZIRKEL_RETURN, reason="nein"
        )


def test_terminal_ka_refuses_with_already_decided(people, running):
    services.kernaktivitaet_propose_stop(actor=people.pg, kernaktivitaet=running, reason="Grund")
    task = open_task(running, "board_stop_merge")
    services.task_decide(actor=people.vorstand, task_id=task.pk, action=Action.BOARD_STOP, reason="Grund")
    with pytest.raises(MovedOn, match="bereits entschieden"):
        services.kernaktivitaet_propose_completion(actor=people.pg, kernaktivitaet=running)


@pytest.mark.parametrize(
    "target_state", ["self", "stopped", "merged", "proposed"], ids=["itself", "stopped", "merged", "proposed"]
)
def test_merge_target_must_be_running_or_done_and_not_itself(target_state, people, running, kompetenz):
    other = make_ka(kompetenz, "PRF-50")
    if target_state == "self":
        target = running
    elif target_state == "merged":
        target = Kernaktivitaet.objects.create(
            code="PRF-51", titel="x", kompetenz=kompetenz, status="merged", ueberfuehrt_in=other
        )
    else:
        target = make_ka(kompetenz, "PRF-52", status=target_state)
    services.kernaktivitaet_propose_stop(actor=people.pg, kernaktivitaet=running, reason="Grund")
    task = open_task(running, "board_stop_merge")
    before = snapshot(running)
    with pytest.raises(Refused, match=r"(?i)überführt"):
        services.task_decide(
            actor=people.vorstand,
            task_id=task.pk,
            action=Action.BOARD_MERGE,
            reason="Grund",
            merge_target=target,
        )
    assert snapshot(running) == before


def test_done_ka_is_a_valid_merge_target(people, running, kompetenz):
    done = make_ka(kompetenz, "PRF-60", status="done")
    services.kernaktivitaet_propose_stop(actor=people.pg, kernaktivitaet=running, reason="Grund")
    task = open_task(running, "board_stop_merge")
    services.task_decide(
        actor=people.vorstand, task_id=task.pk, action=Action.BOARD_MERGE, reason="Grund", merge_target=done
    )
    running.refresh_from_db()
    assert (running.status, running.ueberfuehrt_in_id) == ("merged", done.pk)


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (Action.ZIRKEL_RETURN, "Rückgabe"),
        (Action.ZIRKEL_FORWARD, "Beschlussempfehlung"),
    ],
)
def test_reason_or_recommendation_is_required(action, message, people, proposal):
    services.kernaktivitaet_submit(actor=people.pg, kernaktivitaet=proposal)
    task = open_task(proposal, "zirkel_review")
    before = snapshot(proposal)
    with pytest.raises(Refused, match=message):
        services.task_decide(actor=people.zirkel, task_id=task.pk, action=action, reason="  ")
    assert snapshot(proposal) == before


CREATORS = {Role.PROJEKTGRUPPE, Role.KOMPETENZVERANTWORTLICHE, Role.STRATEGIEZIRKEL}


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_who_may_create_a_proposal(role, people, kompetenz):
    user = make_user("tester", role)
    before = Kernaktivitaet.objects.count()
    if role in CREATORS:
        ka = propose(actor=user, kompetenz=kompetenz, titel="Neu")
        assert (ka.status, ka.projektleitung) == ("proposed", user)
        assert AuditEvent.objects.filter(kernaktivitaet=ka, action="create", actor=user).exists()
    else:
        with pytest.raises(Refused):
            propose(actor=user, kompetenz=kompetenz, titel="Neu")
        assert Kernaktivitaet.objects.count() == before


@pytest.mark.parametrize("own", [True, False], ids=["own", "other"])
@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_who_may_edit_a_proposal(role, own, people, proposal):
    user = make_user("tester", role)
    if own:
        kernaktivitaet_set_projektgruppe(
            kernaktivitaet=proposal, projektleitung=people.pg, mitglieder=[people.pg, user]
        )
    allowed = own or role == Role.STRATEGIEZIRKEL
    if allowed:
        services.kernaktivitaet_update_proposal(actor=user, kernaktivitaet=proposal, titel="Geändert")
        assert Kernaktivitaet.objects.get(pk=proposal.pk).titel == "Geändert"
    else:
        with pytest.raises(Refused):
            services.kernaktivitaet_update_proposal(actor=user, kernaktivitaet=proposal, titel="Geändert")
        assert Kernaktivitaet.objects.get(pk=proposal.pk).titel == proposal.titel


def test_zirkel_edits_during_review_the_project_group_no_longer(people, proposal):
    services.kernaktivitaet_submit(actor=people.pg, kernaktivitaet=proposal)
    services.kernaktivitaet_update_proposal(
        actor=people.zirkel, kernaktivitaet=proposal, smart_ziele="präziser"
    )
    assert Kernaktivitaet.objects.get(pk=proposal.pk).smart_ziele == "präziser"
    with pytest.raises(MovedOn):
        services.kernaktivitaet_update_proposal(actor=people.pg, kernaktivitaet=proposal, titel="zu spät")


DOCUMENT_ACTIONS = list(rights.DocumentAction)


def document_expected(action: rights.DocumentAction, role: Role, own: bool) -> bool:
    """Upload: the KA's project group, the Strategiezirkel and the Kompetenzverantwortlichen of its Kompetenz
    (this tester oversees none: tests/workflow/test_documents.py has them). Removal of a document the project
    group's lead uploaded: the Zirkel (the tester is never the uploader; the uploader's own removal is there
    too)."""
    if action == rights.DocumentAction.UPLOAD:
        return own or role == Role.STRATEGIEZIRKEL
    return role == Role.STRATEGIEZIRKEL


@pytest.mark.parametrize("own", [True, False], ids=["own", "other"])
@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
@pytest.mark.parametrize("action", DOCUMENT_ACTIONS, ids=[a.value for a in DOCUMENT_ACTIONS])
def test_rights_matrix_of_the_documents(action, role, own, people, running, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "dokumente": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }

    def pdf():
        return SimpleUploadedFile("Plan.pdf", b"%PDF-1.7\n%%EOF\n")

    dokument = services.dokument_upload(
        actor=people.pg, kernaktivitaet=running, uploaded_file=pdf(), oeffentlich=False
    )

    def do(user):
        if action == rights.DocumentAction.UPLOAD:
            services.dokument_upload(
                actor=user, kernaktivitaet=running, uploaded_file=pdf(), oeffentlich=True
            )
        else:
            services.dokument_remove(actor=user, dokument=dokument)

    user = make_user("tester", role)
    if own:
        members = [*running.projektgruppe.all(), user]
        kernaktivitaet_set_projektgruppe(
            kernaktivitaet=running, projektleitung=running.projektleitung, mitglieder=members
        )
    before = (snapshot(running), list(Dokument.objects.values_list("pk", flat=True)))
    if document_expected(action, role, own):
        do(user)
        event = AuditEvent.objects.order_by("-pk").first()
        assert event is not None
        assert (event.action, event.actor) == (action.value, user)
        # A document moves no status.
        assert snapshot(running)[0] == before[0][0]
    else:
        with pytest.raises(Refused) as refusal:
            do(user)
        assert not isinstance(refusal.value, MovedOn)
        assert refusal.value.message
        assert (snapshot(running), list(Dokument.objects.values_list("pk", flat=True))) == before
