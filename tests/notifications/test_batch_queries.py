"""Issue 10: a batch's mails are built with a fixed number of queries, whatever the batch's size; each mail
then costs exactly one statement, its completion update."""

from datetime import date, timedelta

import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.models import AuditEvent, KaStatus
from notifications.emails import build_message
from notifications.sweep import deadlines_write
from outbox import delivery
from outbox.delivery import Mail, enqueue
from outbox.models import OutboxMessage, OutboxState
from tests.people import make_ka, make_report, make_user
from workflow.models import Vertretung

from .conftest import morning

TODAY = date(2027, 3, 17)  # a Wednesday
KINDS = 5  # mails per round below


def _round(people, n: int) -> None:
    """Mail of every kind a morning batch carries besides the weekly digest: a report reminder with the
    Kompetenz in copy, a board decision reminder, a decision notice, a report notice and a task notice."""
    ka = make_ka(people.kompetenz, members=(people.pg, people.pg_member))
    bericht = make_report(ka, TODAY - timedelta(days=9))
    waiting = make_ka(people.other_kompetenz, members=(people.pg,), status=KaStatus.BOARD_DECISION)
    with time_machine.travel(morning(TODAY - timedelta(days=20), 9), tick=False):
        event = AuditEvent.objects.create(
            kernaktivitaet=waiting,
            action="forward",
            from_status=KaStatus.ZIRKEL_REVIEW,
            to_status=KaStatus.BOARD_DECISION,
        )
    enqueue(
        [
            Mail(
                key=f"ka-entscheidung:{event.pk}",
                template="ka_entscheidung",
                context={"event": event.pk},
                to_users=[people.pg.pk],
            ),
            Mail(
                key=f"bericht-eingereicht:{bericht.pk}",
                template="bericht_eingereicht",
                context={"statusbericht": bericht.pk, "state": "eingereicht"},
                to_users=[people.kv.pk],
                cc_users=[people.zirkel.pk],
            ),
            Mail(
                key=f"aufgaben:{n}",
                template="aufgaben_neu",
                context={"aufgaben": [{"id": n, "titel": "Prüfen", "ka": ka.code, "link": "/", "frist": ""}]},
                to_users=[people.vorstand.pk],
            ),
        ]
    )


def _deliver_all(people, rounds: range) -> tuple[int, int]:
    for n in rounds:
        _round(people, n)
    with time_machine.travel(morning(TODAY, 9), tick=False):
        deadlines_write()
        with CaptureQueriesContext(connection) as queries:
            results = delivery.deliver_batch(builder=build_message, limit=1000)
    assert [r.state for r in results] == [OutboxState.SENT] * (KINDS * len(rounds) + 1)
    # The weekly digest went with it; the next batch of this test carries one again.
    OutboxMessage.objects.filter(template="wochenuebersicht").delete()
    return len(queries), len(results)


def test_building_a_batch_costs_the_same_queries_for_6_mails_as_for_61(people, settings) -> None:
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    deputy = make_user("vertretung")
    Vertretung.objects.create(
        vertretene_person=people.pg,
        vertretung=deputy,
        von=TODAY - timedelta(days=3),
        bis=TODAY + timedelta(3),
    )
    small_statements, small_mails = _deliver_all(people, range(1))
    large_statements, large_mails = _deliver_all(people, range(1, 13))
    assert (small_mails, large_mails) == (1 + 5, 1 + 60)
    # Per mail one statement (its completion update); the rest (claim, loading the batch's data) is fixed.
    fixed = small_statements - small_mails
    assert large_statements - large_mails == fixed
    assert fixed <= 25
    # And the mails are the ones a row built alone gives: the deputy of the project group gets hers.
    assert any("vertretung@bochum.example" in m.to for m in mail.outbox)
    assert all(m.to for m in mail.outbox)
