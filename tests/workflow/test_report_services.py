"""The status-report services: who submits, accepts and returns a report, what they must give, and the
schedule that makes reports due."""

from datetime import date

import pytest

from core.errors import Invalid, MovedOn, Refused
from governance.models import KaStatus, Kernaktivitaet, Statusbericht, StatusberichtState
from outbox.models import OutboxMessage
from tests.people import GOOD_REPORT, make_ka, make_report
from workflow.models import DeadlineSettings
from workflow.reports.selectors import statusbericht_list_for_ka
from workflow.reports.services import (
    ReportInput,
    statusbericht_accept,
    statusbericht_return,
    statusbericht_submit,
    statusberichte_schedule,
)


def test_someone_outside_the_project_group_cannot_submit(people) -> None:
    bericht = make_report(people.ka, date(2027, 3, 17))
    with pytest.raises(Refused):
        statusbericht_submit(actor=people.kv, bericht=bericht, data=GOOD_REPORT)
    assert Statusbericht.objects.get(pk=bericht.pk).state == "due"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ampel_zeitplan": "blau"}, "ampel_zeitplan"),
        ({"fortschritt_prozent": 101}, "fortschritt_prozent"),
        ({"text_oeffentlich": "  "}, "text_oeffentlich"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_nothing_is_written(people, change, field) -> None:
    bericht = make_report(people.ka, date(2027, 3, 17))
    with pytest.raises(Invalid) as refused:
        statusbericht_submit(
            actor=people.pg, bericht=bericht, data=ReportInput(**{**GOOD_REPORT.__dict__, **change})
        )
    assert refused.value.field == field
    assert Statusbericht.objects.get(pk=bericht.pk).state == "due"
    assert not OutboxMessage.objects.exists()


def test_a_report_submitted_twice_is_refused_the_second_time(people) -> None:
    bericht = make_report(people.ka, date(2027, 3, 17))
    statusbericht_submit(actor=people.pg, bericht=bericht, data=GOOD_REPORT)
    with pytest.raises(MovedOn):
        statusbericht_submit(actor=people.pg_member, bericht=bericht, data=GOOD_REPORT)


@pytest.mark.parametrize("reviewer", ["kv", "zirkel"])
def test_zirkel_or_own_kompetenz_accepts(people, reviewer) -> None:
    bericht = make_report(people.ka, date(2027, 3, 17))
    statusbericht_submit(actor=people.pg, bericht=bericht, data=GOOD_REPORT)
    statusbericht_accept(actor=getattr(people, reviewer), bericht=bericht)
    bericht.refresh_from_db()
    assert bericht.state == StatusberichtState.ACCEPTED
    assert OutboxMessage.objects.get(template="bericht_geprueft").to_users == sorted(
        [people.pg.pk, people.pg_member.pk]
    )


@pytest.mark.parametrize("reviewer", ["kv_other", "vorstand", "pg_member"])
def test_others_cannot_accept(people, reviewer) -> None:
    bericht = make_report(people.ka, date(2027, 3, 17))
    statusbericht_submit(actor=people.pg, bericht=bericht, data=GOOD_REPORT)
    with pytest.raises(Refused):
        statusbericht_accept(actor=getattr(people, reviewer), bericht=bericht)


def test_a_zirkel_member_in_the_project_group_cannot_accept_its_report(people) -> None:
    people.ka.projektgruppe.add(people.zirkel)
    bericht = make_report(people.ka, date(2027, 3, 17))
    statusbericht_submit(actor=people.pg, bericht=bericht, data=GOOD_REPORT)
    with pytest.raises(Refused):
        statusbericht_accept(actor=people.zirkel, bericht=bericht)


def test_return_needs_a_reason(people) -> None:
    bericht = make_report(people.ka, date(2027, 3, 17))
    statusbericht_submit(actor=people.pg, bericht=bericht, data=GOOD_REPORT)
    with pytest.raises(Invalid):
        statusbericht_return(actor=people.zirkel, bericht=bericht, reason=" ")
    assert Statusbericht.objects.get(pk=bericht.pk).state == "submitted"


def test_schedule_creates_the_first_report_one_period_after_the_start(people) -> None:
    Kernaktivitaet.objects.filter(pk=people.ka.pk).update(geplanter_start=date(2027, 1, 15))
    statusberichte_schedule(today=date(2027, 3, 1))
    assert list(people.ka.statusberichte.values_list("faellig_am", flat=True)) == [date(2027, 7, 15)]


def test_schedule_uses_the_interval_of_the_ka(people) -> None:
    Kernaktivitaet.objects.filter(pk=people.ka.pk).update(
        geplanter_start=date(2027, 1, 15), berichtsintervall_monate=3
    )
    statusberichte_schedule(today=date(2027, 3, 1))
    assert list(people.ka.statusberichte.values_list("faellig_am", flat=True)) == [date(2027, 4, 15)]


def test_schedule_follows_the_global_interval_setting(people) -> None:
    DeadlineSettings.objects.filter(pk=1).update(berichtsintervall_monate=12)
    Kernaktivitaet.objects.filter(pk=people.ka.pk).update(geplanter_start=date(2027, 1, 15))
    statusberichte_schedule(today=date(2027, 3, 1))
    assert list(people.ka.statusberichte.values_list("faellig_am", flat=True)) == [date(2028, 1, 15)]


def test_schedule_adds_the_next_period_once_the_report_is_in(people) -> None:
    bericht = make_report(people.ka, date(2027, 3, 17))
    statusberichte_schedule(today=date(2027, 3, 1))
    assert people.ka.statusberichte.count() == 1
    statusbericht_submit(actor=people.pg, bericht=bericht, data=GOOD_REPORT)
    statusberichte_schedule(today=date(2027, 3, 1))
    statusberichte_schedule(today=date(2027, 3, 1))
    assert sorted(people.ka.statusberichte.values_list("faellig_am", flat=True)) == [
        date(2027, 3, 17),
        date(2027, 9, 17),
    ]


def test_schedule_leaves_ka_that_do_not_run_alone(people) -> None:
    ka = make_ka(people.kompetenz, status=KaStatus.PROPOSED)
    statusberichte_schedule(today=date(2027, 3, 1))
    assert not ka.statusberichte.exists()


def test_reports_of_a_merged_ka_stay_readable_from_the_target(people) -> None:
    source = make_ka(people.kompetenz)
    old = make_report(source, date(2026, 9, 1), state=StatusberichtState.ACCEPTED)
    Kernaktivitaet.objects.filter(pk=source.pk).update(status=KaStatus.MERGED, ueberfuehrt_in=people.ka)
    own = make_report(people.ka, date(2027, 3, 17))
    assert list(statusbericht_list_for_ka(ka=people.ka)) == [own, old]
