"""The mails a decision and new tasks cause, written as the lifecycle writes them: inside a transaction,
with a real AuditEvent."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from viewflow.workflow.models import Task

from governance.models import AuditEvent, KaStatus
from notifications.emails import build_message
from notifications.rules import BERLIN
from outbox import delivery
from outbox.models import OutboxMessage
from tests.people import make_ka, make_user, propose
from workflow import notices
from workflow.models import Vertretung
from workflow.rights import Role


def transition(people, ka, from_status: str, to_status: str, reason: str = "") -> AuditEvent:
    event = AuditEvent.objects.create(
        kernaktivitaet=ka,
        action="decide",
        from_status=from_status,
        to_status=to_status,
        actor=people.vorstand,
        reason=reason,
    )
    notices.decision_notice(ka, event)
    return event


def test_project_group_learns_the_outcome_of_a_decision(people, django_capture_on_commit_callbacks) -> None:
    ka = make_ka(people.kompetenz, members=(people.pg,), status=KaStatus.BOARD_DECISION)
    with transaction.atomic():
        event = transition(people, ka, KaStatus.BOARD_DECISION, KaStatus.REJECTED, "Kein Budget")
    row = OutboxMessage.objects.get(key=f"ka-entscheidung:{event.pk}")
    assert row.to_users == [people.pg.pk]
    with django_capture_on_commit_callbacks(execute=False):
        delivery.deliver(row.pk, builder=build_message)
    from django.core import mail

    (sent,) = mail.outbox
    assert sent.subject == f"{ka.code}: Die Kernaktivität steht jetzt auf „Abgelehnt“"
    assert "Kein Budget" in sent.body


def test_the_project_groups_own_submission_sends_no_outcome_mail(people) -> None:
    ka = make_ka(people.kompetenz, members=(people.pg,), status=KaStatus.ZIRKEL_REVIEW)
    transition(people, ka, KaStatus.PROPOSED, KaStatus.ZIRKEL_REVIEW)
    assert not OutboxMessage.objects.exists()


def test_a_rolled_back_transition_leaves_no_outbox_row(people) -> None:
    ka = make_ka(people.kompetenz, members=(people.pg,), status=KaStatus.BOARD_DECISION)
    with pytest.raises(RuntimeError), transaction.atomic():
        transition(people, ka, KaStatus.BOARD_DECISION, KaStatus.COUNCIL)
        assert OutboxMessage.objects.count() == 1
        raise RuntimeError("the lifecycle failed after the signal")
    assert not OutboxMessage.objects.exists()


def test_mail_is_handed_to_the_workers_only_after_commit(people, django_capture_on_commit_callbacks) -> None:
    ka = make_ka(people.kompetenz, members=(people.pg,), status=KaStatus.BOARD_DECISION)
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        transition(people, ka, KaStatus.BOARD_DECISION, KaStatus.COUNCIL)
    assert len(callbacks) == 1
    assert OutboxMessage.objects.get().enqueued_at is None


def _tasks(people, owners: list, count: int) -> list[Task]:
    """Council-record tasks of the real decision flow, one per KA of a tranche."""
    from workflow.flows import KaDecisionFlow
    from workflow.models import KaProcess, ProcessKind

    tasks = []
    for n in range(count):
        ka = make_ka(people.kompetenz, status=KaStatus.COUNCIL)
        process = KaProcess.objects.create(
            flow_class=KaDecisionFlow, kernaktivitaet=ka, kind=ProcessKind.PROPOSAL
        )
        tasks.append(
            Task.objects.create(
                process=process,
                flow_task=KaDecisionFlow.council_record,
                owner=owners[n % len(owners)] if owners else None,
                owner_permission="" if owners else "governance.decide_kernaktivitaet",
            )
        )
    return tasks


def test_a_tranche_creating_many_tasks_sends_one_mail_listing_them(people) -> None:
    clerk = people.ratsbuero
    tasks = _tasks(people, [clerk], 25)
    with time_machine.travel(datetime(2027, 3, 1, 10, tzinfo=BERLIN), tick=False), transaction.atomic():
        notices.tasks_notice(tasks, "council_record")
    row = OutboxMessage.objects.get()
    assert row.to_users == [clerk.pk]
    assert [entry["id"] for entry in row.context["aufgaben"]] == [t.pk for t in tasks]
    assert row.context["aufgaben"][0]["titel"] == "Ratsbeschluss erfassen"
    assert row.context["aufgaben"][0]["ka"].startswith(tasks[0].process.coerced.kernaktivitaet.code)
    delivery.deliver(row.pk, builder=build_message)
    from django.core import mail

    # the council record is due 7 days later (DeadlineSettings.frist_ratsbeschluss_tage)
    assert mail.outbox[0].subject == (
        "25 neue Aufgaben in Ihrem Posteingang: Ratsbeschluss erfassen (zu erledigen bis 8. März 2027)"
    )
    # each task is linked in the mail (the link is built at delivery from the task's id)
    assert f"/aufgaben/{tasks[0].pk}/" in mail.outbox[0].body


def test_tasks_for_different_people_go_to_each_of_them(people) -> None:
    a, b = make_user("a"), make_user("b")
    with transaction.atomic():
        notices.tasks_notice(_tasks(people, [a, b], 4), "")
    rows = {tuple(r.to_users): len(r.context["aufgaben"]) for r in OutboxMessage.objects.all()}
    assert rows == {(a.pk,): 2, (b.pk,): 2}


def test_tasks_for_a_permission_go_to_its_holders(people) -> None:
    with transaction.atomic():
        notices.tasks_notice(_tasks(people, [], 1), "")
    assert OutboxMessage.objects.get().to_users == [people.vorstand.pk]


def test_a_deputy_gets_the_task_mail_of_the_absent_person(people) -> None:
    deputy = make_user("vertretung")
    today = timezone.localdate()
    Vertretung.objects.create(
        vertretene_person=people.vorstand, vertretung=deputy, von=today - timedelta(days=1), bis=today
    )
    with transaction.atomic():
        notices.tasks_notice(_tasks(people, [], 1), "")
    delivery.deliver(OutboxMessage.objects.get().pk, builder=build_message)
    from django.core import mail

    assert sorted(mail.outbox[0].to) == ["vertretung@bochum.example", "vorstand@bochum.example"]


def _queries_for_tasks(people, count: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    tasks = _tasks(people, [], count)
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        notices.tasks_notice(tasks, "")
    return len(queries)


def test_a_tranche_mail_costs_the_same_queries_for_5_and_25_tasks(people) -> None:
    assert _queries_for_tasks(people, 5) == _queries_for_tasks(people, 25)


def test_a_zirkel_member_in_the_project_group_gets_no_mail_for_a_review_they_may_not_do(people) -> None:
    """Four-eyes: the review task is announced to the Zirkel, but not to a Zirkel member of the KA's group."""
    from django.contrib.auth.models import Group

    from workflow import services
    from workflow.grants import kernaktivitaet_set_projektgruppe

    member = make_user("zirkel_im_projekt", Role.STRATEGIEZIRKEL)
    member.groups.add(Group.objects.get(name=Role.PROJEKTGRUPPE.value))
    ka = propose(actor=people.pg, kompetenz=people.kompetenz, titel="Neue Wege")
    kernaktivitaet_set_projektgruppe(
        kernaktivitaet=ka, projektleitung=people.pg, mitglieder=[people.pg, member]
    )
    services.kernaktivitaet_submit(actor=people.pg, kernaktivitaet=ka)
    task_mails = OutboxMessage.objects.filter(template="aufgaben_neu")
    recipients = {user_id for mail in task_mails for user_id in mail.to_users}
    assert people.zirkel.pk in recipients
    assert member.pk not in recipients
