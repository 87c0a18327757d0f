"""Segregation of duties: the technical superuser runs the admin, but decides, reviews, records and reports
as no role unless given that role (its group) explicitly.

Django's ModelBackend and guardian both treat a superuser as holding every permission; the decision rules
must not take that path.
"""

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from viewflow.workflow.models import Task

from core.errors import MovedOn, Refused
from governance.models import AuditEvent, Kernaktivitaet, ResolutionResult, Statusbericht
from tests.people import client_for, propose
from workflow import rights, selectors, services
from workflow.reports import services as reporting
from workflow.reports.selectors import statusbericht_to_review_list
from workflow.rights import RULES, Action, Role

from .helpers import open_task, status_of

pytestmark = pytest.mark.django_db

REPORT = reporting.ReportInput(
    ampel_zeitplan="gruen",
    ampel_budget="gruen",
    ampel_umfang="gruen",
    fortschritt_prozent=50,
    text_oeffentlich="Läuft.",
)


@pytest.fixture
def admin(people: Any) -> Any:
    return get_user_model().objects.create_superuser("technik", "technik@bochum.example", None)


def fresh(user: Any) -> Any:
    # A new object per check, as a new request has: no permission caches from earlier checks.
    return get_user_model().objects.get(pk=user.pk)


def join(user: Any, role: Role) -> Any:
    user.groups.add(Group.objects.get(name=role.value))
    return fresh(user)


def snapshot() -> tuple[Any, ...]:
    return (
        list(Kernaktivitaet.objects.order_by("pk").values_list("pk", "status")),
        AuditEvent.objects.count(),
        list(Task.objects.order_by("pk").values_list("pk", "status", "owner_id")),
    )


def board_task(people: Any, proposal: Kernaktivitaet) -> Task:
    services.kernaktivitaet_submit(actor=people.pg, kernaktivitaet=proposal)
    review = open_task(proposal, "zirkel_review")
    services.task_decide(actor=people.zirkel, task_id=review.pk, action=Action.ZIRKEL_FORWARD, reason="gut")
    return open_task(proposal, "board_decision")


def test_the_superuser_keeps_the_admin_and_its_permissions(admin):
    # Administration is untouched: Django and guardian still grant every permission there.
    assert admin.is_staff and admin.is_superuser
    assert admin.has_perm("governance.change_kernaktivitaet")
    assert admin.has_perm("governance.decide_kernaktivitaet")


@pytest.mark.parametrize(
    "action",
    [a for a in Action if a != Action.CREATE],
    ids=[a.value for a in Action if a != Action.CREATE],
)
def test_no_rule_grants_the_superuser_anything_without_a_role(action, admin, running, kompetenz):
    # Guardian would answer yes for every object right (its superuser shortcut); the rules do not ask it.
    rule = RULES[action]
    if rule.object_perm:
        assert admin.has_perm(f"governance.{rule.object_perm}", running)
    if rule.kompetenz_perm:
        assert admin.has_perm(f"governance.{rule.kompetenz_perm}", kompetenz)
    verdict = rights.may(admin, action, running)
    assert not verdict
    assert verdict.message == str(rule.refusal)


def test_the_superuser_creates_no_proposal_without_a_role(admin, kompetenz):
    before = snapshot()
    with pytest.raises(Refused, match="Vorschläge legen Projektgruppen"):
        propose(actor=admin, kompetenz=kompetenz, titel="Aus der Technik")
    assert snapshot() == before


def test_the_superuser_cannot_claim_or_decide_a_board_decision(admin, people, proposal):
    task = board_task(people, proposal)
    before = snapshot()

    with pytest.raises(Refused) as claim:
        services.task_claim(actor=fresh(admin), task_id=task.pk)
    assert not isinstance(claim.value, MovedOn)
    assert claim.value.message == "Nur der Verwaltungsvorstand entscheidet hierüber."
    with pytest.raises(Refused, match="Nur der Verwaltungsvorstand entscheidet hierüber"):
        services.task_decide(actor=fresh(admin), task_id=task.pk, action=Action.BOARD_APPROVE)
    assert snapshot() == before


def test_the_superuser_cannot_review_a_proposal(admin, people, proposal):
    services.kernaktivitaet_submit(actor=people.pg, kernaktivitaet=proposal)
    task = open_task(proposal, "zirkel_review")
    before = snapshot()
    with pytest.raises(Refused, match="Nur der Strategiezirkel prüft Vorschläge"):
        services.task_decide(
            actor=fresh(admin), task_id=task.pk, action=Action.ZIRKEL_FORWARD, reason="von der Technik"
        )
    assert snapshot() == before


def test_the_superuser_records_no_council_resolution(admin, people, proposal):
    task = board_task(people, proposal)
    services.task_decide(actor=people.vorstand, task_id=task.pk, action=Action.BOARD_APPROVE)
    before = snapshot()
    with pytest.raises(Refused, match="Ratsbeschlüsse erfasst nur das Ratsbüro"):
        services.paper_record_resolution(
            actor=fresh(admin),
            reference="20260001",
            name="Vorlage",
            paper_date=dt.date(2026, 9, 1),
            session_start=timezone.make_aware(dt.datetime(2026, 9, 10, 15)),
            outcomes=[services.Outcome(kernaktivitaet=proposal, result=ResolutionResult.ADOPTED)],
        )
    assert snapshot() == before


def test_the_superuser_neither_submits_nor_reviews_status_reports(admin, people, running):
    owed = Statusbericht.objects.create(kernaktivitaet=running, faellig_am=dt.date(2026, 6, 30))
    with pytest.raises(Refused, match="Nur die Projektgruppe"):
        reporting.statusbericht_submit(actor=fresh(admin), bericht=owed, data=REPORT)
    reporting.statusbericht_submit(actor=people.pg, bericht=owed, data=REPORT)
    before = snapshot()
    with pytest.raises(Refused, match="Sachstandsberichte nehmen der Strategiezirkel"):
        reporting.statusbericht_accept(actor=fresh(admin), bericht=owed)
    assert snapshot() == before
    # Guardian's get_objects_for_user would hand the superuser every Kompetenz to oversee.
    assert list(statusbericht_to_review_list(user=fresh(admin))) == []
    assert list(statusbericht_to_review_list(user=people.zirkel)) == [owed]


def test_the_superuser_is_offered_nothing_to_do(admin, people, proposal, running):
    task = board_task(people, proposal)
    Statusbericht.objects.create(kernaktivitaet=running, faellig_am=dt.date(2026, 6, 30))

    lists = selectors.task_lists(fresh(admin))
    assert (list(lists.inbox), list(lists.queue)) == ([], [])
    assert selectors.task_for_user(fresh(admin), task.pk) is None

    client = client_for(admin)
    inbox = client.get("/aufgaben/").content.decode()
    assert proposal.code not in inbox and f"/aufgaben/{task.pk}/" not in inbox
    page = client.get(f"/aufgaben/{task.pk}/")
    assert page.status_code == 403
    body = page.content.decode()
    assert "Nur der Verwaltungsvorstand entscheidet hierüber." in body
    assert 'name="op"' not in body and 'name="action"' not in body
    ka_page = client.get(f"/kernaktivitaeten/{proposal.code}/").content.decode()
    assert f"/aufgaben/{task.pk}/" not in ka_page
    # The page refuses a claim sent anyway, and nothing moves.
    before = snapshot()
    assert client.post(f"/aufgaben/{task.pk}/", {"op": "claim"}).status_code == 403
    assert snapshot() == before


def test_in_the_board_group_the_superuser_claims_and_decides(admin, people, proposal):
    task = board_task(people, proposal)
    member = join(admin, Role.VERWALTUNGSVORSTAND)

    assert [e.task.pk for e in selectors.task_lists(member).queue] == [task.pk]
    client = client_for(member)
    assert f"/aufgaben/{task.pk}/" in client.get("/aufgaben/").content.decode()
    assert f"/aufgaben/{task.pk}/" in client.get(f"/kernaktivitaeten/{proposal.code}/").content.decode()
    claimed = client.post(f"/aufgaben/{task.pk}/", {"op": "claim"})
    assert claimed.status_code == 302
    assert Task.objects.get(pk=task.pk).owner_id == admin.pk
    decided = client.post(
        f"/aufgaben/{task.pk}/", {"op": "decide", "action": Action.BOARD_APPROVE, "reason": ""}
    )
    assert decided.status_code == 302
    assert status_of(proposal) == "council"
    event = AuditEvent.objects.filter(kernaktivitaet=proposal).order_by("-pk").first()
    assert event is not None and (event.action, event.actor_id) == (Action.BOARD_APPROVE, admin.pk)


def test_in_the_zirkel_group_the_superuser_reviews(admin, people, proposal, running):
    services.kernaktivitaet_submit(actor=people.pg, kernaktivitaet=proposal)
    task = open_task(proposal, "zirkel_review")
    member = join(admin, Role.STRATEGIEZIRKEL)
    services.task_decide(actor=member, task_id=task.pk, action=Action.ZIRKEL_FORWARD, reason="gut")
    assert status_of(proposal) == "board_decision"

    owed = Statusbericht.objects.create(kernaktivitaet=running, faellig_am=dt.date(2026, 6, 30))
    reporting.statusbericht_submit(actor=people.pg, bericht=owed, data=REPORT)
    assert list(statusbericht_to_review_list(user=fresh(member))) == [owed]
    reporting.statusbericht_accept(actor=fresh(member), bericht=owed)


def test_in_the_ratsbuero_group_the_superuser_records_the_resolution(admin, people, proposal):
    task = board_task(people, proposal)
    services.task_decide(actor=people.vorstand, task_id=task.pk, action=Action.BOARD_APPROVE)
    member = join(admin, Role.RATSBUERO)
    services.paper_record_resolution(
        actor=member,
        reference="20260001",
        name="Vorlage",
        paper_date=dt.date(2026, 9, 1),
        session_start=timezone.make_aware(dt.datetime(2026, 9, 10, 15)),
        outcomes=[services.Outcome(kernaktivitaet=proposal, result=ResolutionResult.ADOPTED)],
    )
    assert status_of(proposal) == "running"
