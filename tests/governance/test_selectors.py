"""Reads behind the pages: lifecycle position, burn-up, internal visibility, overdue reports."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.utils import timezone

from governance.models import (
    AuditEvent,
    KaStatus,
    Kernaktivitaet,
    Kompetenz,
    Statusbericht,
    StatusberichtState,
    Tranche,
)
from governance.selectors import (
    KaFilter,
    kernaktivitaet_internal_visible,
    kernaktivitaet_lifecycle_steps,
    kernaktivitaet_list,
    kernaktivitaet_page_get,
    statusbericht_overdue_list,
    tranche_burnup,
)
from tests.people import make_ka

pytestmark = pytest.mark.django_db


@pytest.fixture
def kompetenz() -> Kompetenz:
    return Kompetenz.objects.create(key="test", code="TST", name="Testkompetenz", position=9)


def steps(ka: Kernaktivitaet) -> list[tuple[str, str]]:
    return [(step.status.value, step.state) for step in kernaktivitaet_lifecycle_steps(ka)]


def test_steps_of_a_proposal_start_at_the_first_step(kompetenz: Kompetenz) -> None:
    ka = kernaktivitaet_page_get(code=make_ka(kompetenz, "A", status=KaStatus.PROPOSED).code, internal=False)
    assert steps(ka)[0] == ("proposed", "current")
    assert [state for _status, state in steps(ka)[1:]] == ["upcoming"] * 5


def test_steps_of_a_ka_rejected_by_the_board_end_there(kompetenz: Kompetenz) -> None:
    ka = make_ka(kompetenz, "B", status=KaStatus.REJECTED)
    AuditEvent.objects.create(
        kernaktivitaet=ka, action="reject", from_status=KaStatus.BOARD_DECISION, to_status=KaStatus.REJECTED
    )
    ka = kernaktivitaet_page_get(code="B", internal=False)
    assert steps(ka) == [
        ("proposed", "done"),
        ("zirkel_review", "done"),
        ("board_decision", "done"),
        ("rejected", "current"),
    ]
    assert kernaktivitaet_lifecycle_steps(ka)[-1].terminal


def test_steps_of_a_stopped_ka_without_history_leave_after_running(kompetenz: Kompetenz) -> None:
    ka = kernaktivitaet_page_get(code=make_ka(kompetenz, "C", status=KaStatus.STOPPED).code, internal=False)
    assert [status for status, _state in steps(ka)][-2:] == ["running", "stopped"]


def test_burnup_adds_up_tranche_by_tranche(kompetenz: Kompetenz) -> None:
    first = Tranche.objects.create(nummer=1, geplante_anzahl=25)
    second = Tranche.objects.create(nummer=2, geplante_anzahl=25)
    make_ka(kompetenz, "T1", status=KaStatus.DONE, tranche=first)
    make_ka(kompetenz, "T2", status=KaStatus.RUNNING, tranche=second)
    make_ka(kompetenz, "T3", status=KaStatus.COUNCIL, tranche=second)
    points = tranche_burnup()
    assert [(p.planned, p.decided, p.running, p.done) for p in points] == [(25, 1, 0, 1), (50, 2, 1, 1)]


def test_burnup_puts_ka_without_tranche_first(kompetenz: Kompetenz) -> None:
    Tranche.objects.create(nummer=1)
    make_ka(kompetenz, "N1", status=KaStatus.DONE)
    points = tranche_burnup()
    assert [(p.label, p.decided) for p in points] == [("Tranche nicht erfasst", 1), ("1. Tranche", 1)]


def test_internal_data_is_hidden_from_anonymous_and_inactive_users(
    kompetenz: Kompetenz, django_user_model: Any
) -> None:
    ka = make_ka(kompetenz, "I1")
    inactive = django_user_model.objects.create_user("weg", is_active=False)
    inactive.user_permissions.add(Permission.objects.get(codename="view_internal_kernaktivitaet"))
    assert not kernaktivitaet_internal_visible(user=AnonymousUser(), ka=ka)
    assert not kernaktivitaet_internal_visible(user=inactive, ka=ka)


def test_internal_data_is_hidden_from_a_signed_in_user_without_rights(
    kompetenz: Kompetenz, django_user_model: Any
) -> None:
    ka = make_ka(kompetenz, "I2")
    assert not kernaktivitaet_internal_visible(user=django_user_model.objects.create_user("x"), ka=ka)


def test_overdue_reports_are_open_and_past_due(kompetenz: Kompetenz) -> None:
    ka = make_ka(kompetenz, "O1")
    today = timezone.localdate()
    due = Statusbericht.objects.create(kernaktivitaet=ka, faellig_am=today - timedelta(days=3))
    returned = Statusbericht.objects.create(
        kernaktivitaet=ka, faellig_am=today - timedelta(days=9), state=StatusberichtState.RETURNED
    )
    Statusbericht.objects.create(kernaktivitaet=ka, faellig_am=today, state=StatusberichtState.DUE)
    Statusbericht.objects.create(
        kernaktivitaet=ka, faellig_am=today - timedelta(days=20), state=StatusberichtState.SUBMITTED
    )
    assert list(statusbericht_overdue_list(today=today)) == [returned, due]


def test_list_sorts_by_lifecycle_order_not_by_the_stored_value(kompetenz: Kompetenz) -> None:
    make_ka(kompetenz, "S1", status=KaStatus.DONE)
    make_ka(kompetenz, "S2", status=KaStatus.PROPOSED)
    make_ka(kompetenz, "S3", status=KaStatus.COUNCIL)
    codes = [
        ka.code for ka in kernaktivitaet_list(filters=KaFilter(sort="status"), today=timezone.localdate())
    ]
    assert codes == ["S2", "S3", "S1"]


def test_a_returned_report_with_a_new_date_ahead_is_not_overdue(kompetenz: Kompetenz) -> None:
    ka = make_ka(kompetenz, "R1")
    today = timezone.localdate()
    Statusbericht.objects.create(
        kernaktivitaet=ka,
        faellig_am=today - timedelta(days=30),
        state=StatusberichtState.RETURNED,
        nachreichen_bis=today + timedelta(days=5),
    )
    late = Statusbericht.objects.create(
        kernaktivitaet=ka,
        faellig_am=today - timedelta(days=60),
        state=StatusberichtState.RETURNED,
        nachreichen_bis=today - timedelta(days=1),
    )
    assert list(statusbericht_overdue_list(today=today)) == [late]
