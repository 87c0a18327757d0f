"""The reminders and mails around a status report: the chase stops when it is in and starts again when it
comes back, and the people on each side learn of every step."""

from datetime import date, timedelta

import time_machine
from django.core import mail

from notifications.emails import build_message
from outbox import delivery
from outbox.models import OutboxMessage
from tests.people import GOOD_REPORT, make_report
from workflow.models import DeadlineSettings
from workflow.reports.services import statusbericht_accept, statusbericht_return, statusbericht_submit

from .conftest import morning
from .helpers import report_rule_days, sweep_days


def test_on_time_report_gets_no_overdue_notice(people) -> None:
    bericht = make_report(people.ka, date(2027, 3, 17))
    sweep_days(date(2027, 3, 1), date(2027, 3, 15))
    with time_machine.travel(morning(date(2027, 3, 16), 10), tick=False):
        statusbericht_submit(actor=people.pg, bericht=bericht, data=GOOD_REPORT)
    written = sweep_days(date(2027, 3, 16), date(2027, 4, 30))
    fired = report_rule_days(written, bericht.pk)
    assert set(fired) == {"bericht-vorab-14", "bericht-vorab-3"}


def test_returned_report_restarts_the_chase(people) -> None:
    bericht = make_report(people.ka, date(2027, 3, 17))
    with time_machine.travel(morning(date(2027, 3, 10), 10), tick=False):
        statusbericht_submit(actor=people.pg, bericht=bericht, data=GOOD_REPORT)
    with time_machine.travel(morning(date(2027, 3, 22), 10), tick=False):  # Monday
        statusbericht_return(actor=people.kv, bericht=bericht, reason="Budgetangaben fehlen")
    bericht.refresh_from_db()
    frist = date(2027, 3, 22) + timedelta(days=DeadlineSettings.get().nachbesserung_tage)
    assert (bericht.state, bericht.runde, bericht.nachreichen_bis) == ("returned", 1, frist)
    written = sweep_days(date(2027, 3, 22), date(2027, 4, 12))
    assert report_rule_days(written, bericht.pk, runde=1) == {
        "bericht-vorab-14": [date(2027, 3, 22)],
        "bericht-vorab-3": [date(2027, 4, 2)],  # new date Monday 5 April
        "bericht-ueberfaellig": [date(2027, 4, 6)],
    }


def _deliver_all() -> None:
    for pk in OutboxMessage.objects.filter(state="pending").order_by("pk").values_list("pk", flat=True):
        delivery.deliver(pk, builder=build_message)


def test_reviewers_are_told_of_a_submitted_report(people) -> None:
    statusbericht_submit(actor=people.pg, bericht=make_report(people.ka, date(2027, 3, 17)), data=GOOD_REPORT)
    _deliver_all()
    (sent,) = mail.outbox
    assert (sent.to, sent.cc) == (["kv@bochum.example"], ["zirkel@bochum.example"])
    assert sent.subject == (
        f"{people.ka.code}: Die Projektgruppe hat ihren Sachstandsbericht eingereicht – bitte prüfen Sie ihn"
    )


def test_project_group_is_told_the_report_came_back_and_until_when(people) -> None:
    bericht = make_report(people.ka, date(2027, 3, 17))
    statusbericht_submit(actor=people.pg, bericht=bericht, data=GOOD_REPORT)
    with time_machine.travel(morning(date(2027, 3, 22), 10), tick=False):
        statusbericht_return(actor=people.zirkel, bericht=bericht, reason="Budgetangaben fehlen")
        _deliver_all()
    returned = mail.outbox[-1]
    assert returned.subject == (
        f"{people.ka.code}: Ihr Sachstandsbericht ist zurückgegeben – "
        "bitte überarbeiten Sie ihn bis zum 5. April 2027"
    )
    assert "Budgetangaben fehlen" in returned.body
    assert sorted(returned.to) == ["pg_lead@bochum.example", "pg_member@bochum.example"]


def test_project_group_is_told_the_report_was_accepted(people) -> None:
    bericht = make_report(people.ka, date(2027, 3, 17))
    statusbericht_submit(actor=people.pg, bericht=bericht, data=GOOD_REPORT)
    statusbericht_accept(actor=people.kv, bericht=bericht)
    _deliver_all()
    assert mail.outbox[-1].subject == f"{people.ka.code}: Ihr Sachstandsbericht ist angenommen"
