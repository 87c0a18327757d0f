from datetime import date, timedelta

import pytest
import time_machine

from core.errors import Invalid, MovedOn, Refused
from governance.models import AuditEvent, KaStatus, Kernaktivitaet, Statusbericht, StatusberichtState
from outbox.models import OutboxMessage
from workflow.models import DeadlineSettings
from workflow.reports.selectors import statusbericht_list_for_ka
from workflow.reports.services import (
    ReportInput,
    statusbericht_accept,
    statusbericht_return,
    statusbericht_submit,
    statusberichte_schedule,
)

from .conftest import make_ka, morning, report
from .helpers import report_rule_days, sweep_days

GOOD = ReportInput(
    ampel_zeitplan="gruen",
    ampel_budget="gelb",
    ampel_umfang="gruen",
    fortschritt_prozent=40,
    meilensteine_erreicht="Ausschreibung",
    meilensteine_naechste="Vergabe",
    text_oeffentlich="Die Ausschreibung ist veröffentlicht.",
    text_intern="Budget knapp.",
    risiken="Lieferzeiten",
)


def test_project_group_submits_its_report(people) -> None:
    bericht = report(people.ka, date(2027, 3, 17))
    statusbericht_submit(actor=people.pg, bericht=bericht, data=GOOD)
    bericht.refresh_from_db()
    assert (bericht.state, bericht.ampel_budget, bericht.eingereicht_von) == ("submitted", "gelb", people.pg)
    assert AuditEvent.objects.filter(kernaktivitaet=people.ka, action="statusbericht_submitted").exists()
    mail = OutboxMessage.objects.get(template="bericht_eingereicht")
    assert mail.to_users == [people.kv.pk] and mail.cc_users == [people.zirkel.pk]


def test_someone_outside_the_project_group_cannot_submit(people) -> None:
    bericht = report(people.ka, date(2027, 3, 17))
    with pytest.raises(Refused):
        statusbericht_submit(actor=people.kv, bericht=bericht, data=GOOD)
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
    bericht = report(people.ka, date(2027, 3, 17))
    with pytest.raises(Invalid) as refused:
        statusbericht_submit(
            actor=people.pg, bericht=bericht, data=ReportInput(**{**GOOD.__dict__, **change})
        )
    assert refused.value.field == field
    assert Statusbericht.objects.get(pk=bericht.pk).state == "due"
    assert not OutboxMessage.objects.exists()


def test_a_report_submitted_twice_is_refused_the_second_time(people) -> None:
    bericht = report(people.ka, date(2027, 3, 17))
    statusbericht_submit(actor=people.pg, bericht=bericht, data=GOOD)
    with pytest.raises(MovedOn):
        statusbericht_submit(actor=people.pg2, bericht=bericht, data=GOOD)


@pytest.mark.parametrize("reviewer", ["kv", "zirkel"])
def test_zirkel_or_own_kompetenz_accepts(people, reviewer) -> None:
    bericht = report(people.ka, date(2027, 3, 17))
    statusbericht_submit(actor=people.pg, bericht=bericht, data=GOOD)
    statusbericht_accept(actor=getattr(people, reviewer), bericht=bericht)
    bericht.refresh_from_db()
    assert bericht.state == StatusberichtState.ACCEPTED
    assert OutboxMessage.objects.get(template="bericht_geprueft").to_users == sorted(
        [people.pg.pk, people.pg2.pk]
    )


@pytest.mark.parametrize("reviewer", ["kv_other", "vorstand", "pg2"])
def test_others_cannot_accept(people, reviewer) -> None:
    bericht = report(people.ka, date(2027, 3, 17))
    statusbericht_submit(actor=people.pg, bericht=bericht, data=GOOD)
    with pytest.raises(Refused):
        statusbericht_accept(actor=getattr(people, reviewer), bericht=bericht)


def test_a_zirkel_member_in_the_project_group_cannot_accept_its_report(people) -> None:
    people.ka.projektgruppe.add(people.zirkel)
    bericht = report(people.ka, date(2027, 3, 17))
    statusbericht_submit(actor=people.pg, bericht=bericht, data=GOOD)
    with pytest.raises(Refused):
        statusbericht_accept(actor=people.zirkel, bericht=bericht)


def test_return_needs_a_reason(people) -> None:
    bericht = report(people.ka, date(2027, 3, 17))
    statusbericht_submit(actor=people.pg, bericht=bericht, data=GOOD)
    with pytest.raises(Invalid):
        statusbericht_return(actor=people.zirkel, bericht=bericht, reason=" ")
    assert Statusbericht.objects.get(pk=bericht.pk).state == "submitted"


def test_on_time_report_gets_no_overdue_notice(people) -> None:
    bericht = report(people.ka, date(2027, 3, 17))
    sweep_days(date(2027, 3, 1), date(2027, 3, 15))
    with time_machine.travel(morning(date(2027, 3, 16), 10), tick=False):
        statusbericht_submit(actor=people.pg, bericht=bericht, data=GOOD)
    written = sweep_days(date(2027, 3, 16), date(2027, 4, 30))
    fired = report_rule_days(written, bericht.pk)
    assert set(fired) == {"bericht-vorab-14", "bericht-vorab-3"}


def test_returned_report_restarts_the_chase(people) -> None:
    bericht = report(people.ka, date(2027, 3, 17))
    with time_machine.travel(morning(date(2027, 3, 10), 10), tick=False):
        statusbericht_submit(actor=people.pg, bericht=bericht, data=GOOD)
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
    bericht = report(people.ka, date(2027, 3, 17))
    statusberichte_schedule(today=date(2027, 3, 1))
    assert people.ka.statusberichte.count() == 1
    statusbericht_submit(actor=people.pg, bericht=bericht, data=GOOD)
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
    old = report(source, date(2026, 9, 1), state=StatusberichtState.ACCEPTED)
    Kernaktivitaet.objects.filter(pk=source.pk).update(status=KaStatus.MERGED, ueberfuehrt_in=people.ka)
    own = report(people.ka, date(2027, 3, 17))
    assert list(statusbericht_list_for_ka(ka=people.ka)) == [own, old]


def _deliver_all() -> None:
    from notifications.emails import build_message
    from outbox import delivery

    for pk in OutboxMessage.objects.filter(state="pending").order_by("pk").values_list("pk", flat=True):
        delivery.deliver(pk, builder=build_message)


def test_reviewers_are_told_of_a_submitted_report(people) -> None:
    from django.core import mail

    statusbericht_submit(actor=people.pg, bericht=report(people.ka, date(2027, 3, 17)), data=GOOD)
    _deliver_all()
    (sent,) = mail.outbox
    assert (sent.to, sent.cc) == (["kompetenz@bochum.example"], ["zirkel@bochum.example"])
    assert sent.subject == (
        f"{people.ka.code}: Die Projektgruppe hat ihren Sachstandsbericht eingereicht – bitte prüfen Sie ihn"
    )


def test_project_group_is_told_the_report_came_back_and_until_when(people) -> None:
    from django.core import mail

    bericht = report(people.ka, date(2027, 3, 17))
    statusbericht_submit(actor=people.pg, bericht=bericht, data=GOOD)
    with time_machine.travel(morning(date(2027, 3, 22), 10), tick=False):
        statusbericht_return(actor=people.zirkel, bericht=bericht, reason="Budgetangaben fehlen")
        _deliver_all()
    returned = mail.outbox[-1]
    assert returned.subject == (
        f"{people.ka.code}: Ihr Sachstandsbericht ist zurückgegeben – "
        "bitte überarbeiten Sie ihn bis zum 5. April 2027"
    )
    assert "Budgetangaben fehlen" in returned.body
    assert sorted(returned.to) == ["projekt2@bochum.example", "projekt@bochum.example"]


def test_project_group_is_told_the_report_was_accepted(people) -> None:
    from django.core import mail

    bericht = report(people.ka, date(2027, 3, 17))
    statusbericht_submit(actor=people.pg, bericht=bericht, data=GOOD)
    statusbericht_accept(actor=people.kv, bericht=bericht)
    _deliver_all()
    assert mail.outbox[-1].subject == f"{people.ka.code}: Ihr Sachstandsbericht ist angenommen"
