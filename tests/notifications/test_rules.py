from datetime import date

import pytest
import time_machine
from django.core.management import call_command

from governance.models import (
    AuditEvent,
    Consultation,
    Gremium,
    KaStatus,
    Meeting,
    Paper,
    Resolution,
    ResolutionResult,
)
from notifications.models import ReminderRule
from notifications.rules import DEFAULT_RULES, is_working_day, next_working_day
from notifications.sweep import deadlines_write
from outbox.models import OutboxMessage
from tests.people import make_ka, make_report
from workflow.models import DeadlineSettings

from .conftest import morning
from .helpers import report_rule_days, sweep_days


def test_nrw_holidays_and_weekends_are_not_working_days() -> None:
    assert not is_working_day(date(2027, 5, 27))  # Fronleichnam (NRW)
    assert not is_working_day(date(2027, 11, 1))  # Allerheiligen (NRW)
    assert not is_working_day(date(2027, 3, 13))  # Saturday
    assert is_working_day(date(2027, 5, 26))
    assert next_working_day(date(2027, 5, 27)) == date(2027, 5, 28)
    assert next_working_day(date(2027, 10, 30)) == date(2027, 11, 2)


def test_each_report_rule_fires_once_on_its_working_day(people) -> None:
    bericht = make_report(people.ka, date(2027, 3, 17))  # a Wednesday
    written = sweep_days(date(2027, 2, 25), date(2027, 4, 20), hours=(6, 8, 15))
    assert report_rule_days(written, bericht.pk) == {
        "bericht-vorab-14": [date(2027, 3, 3)],
        "bericht-vorab-3": [date(2027, 3, 15)],  # 14.03. is a Sunday
        "bericht-ueberfaellig": [date(2027, 3, 18)],
        "bericht-ueberfaellig-kopie": [date(2027, 3, 25)],
        "bericht-eskalation": [date(2027, 4, 1)],
        "bericht-woechentlich": [date(2027, 4, 8), date(2027, 4, 15)],
    }


def test_fronleichnam_pushes_the_overdue_notice_to_friday(people) -> None:
    bericht = make_report(people.ka, date(2027, 5, 26))
    written = sweep_days(date(2027, 5, 24), date(2027, 5, 31))
    assert report_rule_days(written, bericht.pk)["bericht-ueberfaellig"] == [date(2027, 5, 28)]


def test_allerheiligen_pushes_the_reminder_to_tuesday(people) -> None:
    bericht = make_report(people.ka, date(2027, 11, 4))  # three days before: Monday 1 November
    written = sweep_days(date(2027, 10, 28), date(2027, 11, 3))
    assert report_rule_days(written, bericht.pk)["bericht-vorab-3"] == [date(2027, 11, 2)]


def test_nothing_is_written_before_the_sending_hour(people) -> None:
    make_report(people.ka, date(2027, 3, 1))
    with time_machine.travel(morning(date(2027, 3, 2), hour=6), tick=False):
        deadlines_write()
    assert not OutboxMessage.objects.filter(key__startswith="bericht:").exists()


def test_nothing_is_written_on_a_weekend(people) -> None:
    make_report(people.ka, date(2027, 3, 1))
    with time_machine.travel(morning(date(2027, 3, 6), hour=10), tick=False):  # Saturday
        deadlines_write()
    assert not OutboxMessage.objects.exists()


def test_a_superseded_early_reminder_does_not_fire_late(people) -> None:
    bericht = make_report(people.ka, date(2027, 3, 17))
    written = sweep_days(date(2027, 3, 15), date(2027, 3, 16))
    assert report_rule_days(written, bericht.pk) == {"bericht-vorab-3": [date(2027, 3, 15)]}


def test_a_disabled_rule_does_not_fire(people) -> None:
    ReminderRule.objects.filter(key="bericht-vorab-14").update(aktiv=False)
    bericht = make_report(people.ka, date(2027, 3, 17))
    written = sweep_days(date(2027, 3, 1), date(2027, 3, 10))
    assert report_rule_days(written, bericht.pk) == {}


def test_weekly_digest_is_written_once_per_week_on_the_first_working_day(people) -> None:
    written = sweep_days(date(2027, 5, 24), date(2027, 6, 6), hours=(8, 12))
    digests = sorted(day for key, day in written.items() if key.startswith("wochenuebersicht:"))
    assert digests == [date(2027, 5, 24), date(2027, 5, 31)]


@pytest.mark.parametrize("offset", [21, 14])
def test_decision_time_limits_come_from_the_settings(people, offset) -> None:

    DeadlineSettings.objects.filter(pk=1).update(frist_pruefung_tage=offset)

    ka = make_ka(people.kompetenz, members=(people.pg,), status=KaStatus.ZIRKEL_REVIEW)
    with time_machine.travel(morning(date(2027, 3, 1), 9), tick=False):  # Monday
        AuditEvent.objects.create(
            kernaktivitaet=ka,
            action="submit",
            from_status=KaStatus.PROPOSED,
            to_status=KaStatus.ZIRKEL_REVIEW,
        )
    written = sweep_days(date(2027, 3, 1), date(2027, 4, 10))
    fired = sorted(day for key, day in written.items() if key.startswith(f"entscheidung:{ka.pk}:"))
    # deadline = 1 March + offset; the first reminder the (working) day after it
    expected_first = next_working_day(date(2027, 3, 1 + offset + 1))
    assert fired[0] == expected_first


def test_council_record_time_limit_counts_from_the_deferred_session(people) -> None:
    ka = make_ka(people.kompetenz, members=(people.pg,), status=KaStatus.COUNCIL)
    with time_machine.travel(morning(date(2027, 3, 1), 9), tick=False):
        AuditEvent.objects.create(
            kernaktivitaet=ka, action="defer", from_status=KaStatus.COUNCIL, to_status=KaStatus.COUNCIL
        )
    rat = Gremium.objects.create(name="Rat der Stadt", art=Gremium.Art.RAT)
    meeting = Meeting.objects.create(
        name="Ratssitzung", start=morning(date(2027, 2, 25), 15), organization=rat
    )
    paper = Paper.objects.create(reference="20270001", name="Tranche", date=date(2027, 2, 1))
    consultation = Consultation.objects.create(paper=paper, meeting=meeting, organization=rat)
    Resolution.objects.create(
        consultation=consultation,
        kernaktivitaet=ka,
        result=ResolutionResult.DEFERRED,
        deferred_to=date(2027, 3, 20),
        recorded_by=people.zirkel,
    )
    written = sweep_days(date(2027, 3, 1), date(2027, 4, 2))
    fired = sorted(day for key, day in written.items() if key.startswith(f"entscheidung:{ka.pk}:"))
    # session 20.03. + 7 days = 27.03.; the day after is a Sunday, then Easter Monday: Tuesday 30.03.
    assert fired == [date(2027, 3, 30)]


@pytest.mark.django_db(transaction=True)
def test_the_default_rules_and_settings_are_there_again_after_the_tables_are_emptied() -> None:
    """The suite's flush after a transactional test keeps the rows a later test's sweep needs
    (tests/conftest.py: migration_data_after_every_flush)."""
    call_command("flush", interactive=False, verbosity=0)
    assert DeadlineSettings.objects.filter(pk=1).exists()
    assert sorted(ReminderRule.objects.values_list("key", flat=True)) == sorted(
        str(rule["key"]) for rule in DEFAULT_RULES
    )
