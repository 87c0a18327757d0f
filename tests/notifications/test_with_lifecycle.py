"""The receivers behind the real decision process: a submitted proposal puts a task in the Strategiezirkel's
inbox and a mail in the outbox, in the same transaction."""

from django.core import mail

from notifications.emails import build_message
from outbox import delivery
from outbox.models import OutboxMessage
from tests.people import propose
from workflow import services


def test_a_submitted_proposal_mails_the_strategiezirkel_its_new_task(people) -> None:
    ka = propose(
        actor=people.pg, kompetenz=people.kompetenz, titel="Radwege am Ruhrufer", smart_ziele="20 km bis 2028"
    )
    services.kernaktivitaet_submit(actor=people.pg, kernaktivitaet=ka)
    row = OutboxMessage.objects.get(template="aufgaben_neu")
    assert row.to_users == [people.zirkel.pk]
    assert not OutboxMessage.objects.filter(template="ka_entscheidung").exists()  # own submission
    delivery.deliver(row.pk, builder=build_message)
    (sent,) = mail.outbox
    assert sent.to == ["zirkel@bochum.example"]
    assert sent.subject.startswith("1 neue Aufgabe in Ihrem Posteingang: Vorschlag prüfen (zu erledigen bis ")
    assert ka.code in sent.body


def test_the_project_group_learns_that_the_zirkel_returned_its_proposal(people) -> None:
    from viewflow.workflow.models import Task

    from workflow.rights import Action

    ka = propose(actor=people.pg, kompetenz=people.kompetenz, titel="Radwege")
    services.kernaktivitaet_submit(actor=people.pg, kernaktivitaet=ka)
    task = Task.objects.get(
        process__kaprocess__kernaktivitaet=ka, flow_task_type="HUMAN", finished__isnull=True
    )
    services.task_decide(
        actor=people.zirkel, task_id=task.pk, action=Action.ZIRKEL_RETURN, reason="SMART-Ziele fehlen"
    )
    row = OutboxMessage.objects.get(template="ka_entscheidung")
    assert row.to_users == [people.pg.pk]
    delivery.deliver(row.pk, builder=build_message)
    sent = mail.outbox[-1]
    assert sent.to == ["pg_lead@bochum.example"]
    assert sent.subject == (
        f"{ka.code}: Der Strategiezirkel hat den Vorschlag an die Projektgruppe zurückgegeben"
    )
    assert "SMART-Ziele fehlen" in sent.body
