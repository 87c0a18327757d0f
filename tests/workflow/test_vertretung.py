"""A deputy acts in the absent person's inbox for a date range, with no more rights, and cannot pass it on."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import Refused
from governance.models import AuditEvent, KaStatus
from tests.people import client_for, make_user, propose
from workflow import selectors, services
from workflow.grants import kernaktivitaet_set_projektgruppe
from workflow.models import Vertretung
from workflow.rights import Action

from .helpers import decide, last_event, open_task, status_of, submit


def name_deputy(absent, deputy, *, days_from=-1, days_to=5):
    today = timezone.localdate()
    return Vertretung.objects.create(
        vertretene_person=absent,
        vertretung=deputy,
        von=today + timedelta(days=days_from),
        bis=today + timedelta(days=days_to),
    )


@pytest.fixture
def in_review(people, proposal):
    services.kernaktivitaet_submit(actor=people.pg, kernaktivitaet=proposal)
    return open_task(proposal, "zirkel_review")


def test_deputy_sees_and_decides_the_absent_persons_task(people, proposal, in_review):
    deputy = make_user("deputy")
    name_deputy(people.zirkel, deputy)
    queue = selectors.task_lists(deputy).queue
    assert [(e.task.pk, e.for_person) for e in queue] == [(in_review.pk, people.zirkel)]

    response = decide(deputy, in_review, "zirkel_forward", "Empfehlung in Vertretung")
    assert response.status_code == 302
    assert status_of(proposal) == KaStatus.BOARD_DECISION
    event = last_event(proposal)
    assert (event.actor, event.on_behalf_of) == (deputy, people.zirkel)

    # The audit trail reads "X für Y".
    board = open_task(proposal, "board_decision")
    page = client_for(people.vorstand).get(f"/aufgaben/{board.pk}/").content.decode()
    assert "deputy für zirkel" in page


def test_deputy_has_no_more_rights_than_the_absent_person(people, proposal, in_review):
    name_deputy(people.pg_other, people.nobody)
    assert selectors.task_lists(people.nobody).queue.entries == []
    with pytest.raises(Refused, match="Strategiezirkel"):
        services.task_decide(
            actor=people.nobody,
            task_id=in_review.pk,
            action=Action.ZIRKEL_FORWARD,
            reason="x",
            on_behalf_of=people.pg_other,
        )
    assert client_for(people.nobody).get(f"/aufgaben/{in_review.pk}/").status_code == 404
    assert status_of(proposal) == KaStatus.ZIRKEL_REVIEW


def test_deputy_cannot_pass_it_on(people, proposal, in_review):
    deputy = make_user("deputy")
    second = make_user("second")
    name_deputy(people.zirkel, deputy)
    name_deputy(deputy, second)
    assert selectors.task_lists(second).queue.entries == []
    with pytest.raises(Refused, match="nicht als Vertretung"):
        services.task_decide(
            actor=second,
            task_id=in_review.pk,
            action=Action.ZIRKEL_FORWARD,
            reason="x",
            on_behalf_of=people.zirkel,
        )
    assert status_of(proposal) == KaStatus.ZIRKEL_REVIEW
    assert not AuditEvent.objects.filter(actor=second).exists()


@pytest.mark.parametrize(("days_from", "days_to"), [(-10, -1), (1, 5)], ids=["ended", "not-yet"])
def test_deputy_only_within_the_date_range(days_from, days_to, people, proposal, in_review):
    deputy = make_user("deputy")
    name_deputy(people.zirkel, deputy, days_from=days_from, days_to=days_to)
    assert selectors.task_lists(deputy).queue.entries == []
    with pytest.raises(Refused):
        services.task_decide(
            actor=deputy,
            task_id=in_review.pk,
            action=Action.ZIRKEL_FORWARD,
            reason="x",
            on_behalf_of=people.zirkel,
        )
    assert status_of(proposal) == KaStatus.ZIRKEL_REVIEW


def test_four_eyes_binds_the_deputy_too(people, proposal, in_review):
    name_deputy(people.zirkel, people.pg_member)  # a member of this KA's project group
    assert selectors.task_lists(people.pg_member).queue.entries == []
    with pytest.raises(Refused, match="Vier-Augen"):
        services.task_decide(
            actor=people.pg_member,
            task_id=in_review.pk,
            action=Action.ZIRKEL_FORWARD,
            reason="x",
            on_behalf_of=people.zirkel,
        )


def test_deputy_works_in_the_absent_persons_inbox(people, proposal, in_review):
    services.task_claim(actor=people.zirkel, task_id=in_review.pk)
    deputy = make_user("deputy")
    name_deputy(people.zirkel, deputy)
    inbox = selectors.task_lists(deputy).inbox
    assert [(e.task.pk, e.for_person) for e in inbox] == [(in_review.pk, people.zirkel)]
    assert decide(deputy, in_review, "zirkel_return", "Rückfrage").status_code == 302
    event = last_event(proposal)
    assert (event.action, event.actor, event.on_behalf_of) == ("zirkel_return", deputy, people.zirkel)


def test_deputy_of_project_group_lead_submits_on_their_behalf(people, kompetenz):
    ka = propose(actor=people.pg_other, kompetenz=kompetenz, titel="Vertreten")
    kernaktivitaet_set_projektgruppe(
        kernaktivitaet=ka, projektleitung=people.pg_other, mitglieder=[people.pg_other]
    )
    deputy = make_user("deputy")
    name_deputy(people.pg_other, deputy)
    response = submit(deputy, ka)
    assert response.status_code == 302
    event = last_event(ka)
    assert (event.action, event.actor, event.on_behalf_of) == ("submit", deputy, people.pg_other)
