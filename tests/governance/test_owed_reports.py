""" "A report is owed" is one rule on the report model, in three forms: the Python property, the ORM filter
and the SQL of the set-based sweep. On a table of every report state, every KA state and deadlines before
and after today (with and without a return), all three name the same reports."""

from datetime import date, timedelta

import pytest
from django.db import connection

from governance.models import KaStatus, Kernaktivitaet, Kompetenz, Statusbericht, StatusberichtState

TODAY = date(2027, 3, 17)
# (due date, resubmission date after a return): past, future, returned and late again, returned in time
DEADLINES = [
    (TODAY - timedelta(days=1), None),
    (TODAY + timedelta(days=1), None),
    (TODAY - timedelta(days=30), TODAY - timedelta(days=1)),
    (TODAY - timedelta(days=31), TODAY + timedelta(days=3)),
]


@pytest.fixture
def every_case(db: None) -> list[Statusbericht]:
    kompetenz = Kompetenz.objects.create(key="faelle", code="FAL", name="Fälle", position=900)
    target = Kernaktivitaet.objects.create(code="FAL-ZIEL", titel="Ziel", kompetenz=kompetenz)
    reports = []
    for ka_status in KaStatus:
        for state in StatusberichtState:
            ka = Kernaktivitaet.objects.create(
                code=f"FAL-{ka_status.value[:4].upper()}-{state.value[:3].upper()}",
                titel="Fall",
                kompetenz=kompetenz,
            )
            merged_into = target if ka_status == KaStatus.MERGED else None
            Kernaktivitaet.objects.filter(pk=ka.pk).update(status=ka_status, ueberfuehrt_in=merged_into)
            for faellig, nachreichen in DEADLINES:
                reports.append(
                    Statusbericht.objects.create(
                        kernaktivitaet=ka, faellig_am=faellig, nachreichen_bis=nachreichen, state=state
                    )
                )
    return list(Statusbericht.objects.filter(pk__in=[r.pk for r in reports]).select_related("kernaktivitaet"))


def _sql_owed() -> set[int]:
    condition, params = Statusbericht.owed_sql("sb", "ka")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT sb.id FROM {Statusbericht._meta.db_table} sb "
            f"JOIN {Kernaktivitaet._meta.db_table} ka ON ka.id = sb.kernaktivitaet_id WHERE {condition}",
            params,
        )
        return {pk for (pk,) in cursor.fetchall()}


def test_python_orm_and_sql_name_the_same_owed_reports(every_case) -> None:
    in_python = {r.pk for r in every_case if r.is_owed}
    in_orm = set(Statusbericht.objects.filter(Statusbericht.owed_q()).values_list("pk", flat=True))
    assert in_python == in_orm == _sql_owed()
    # The rule itself: due or returned, of a running KA, whatever the dates.
    assert len(in_python) == 2 * len(DEADLINES)
    assert {r.kernaktivitaet.status for r in every_case if r.pk in in_python} == {KaStatus.RUNNING}


def test_python_and_orm_name_the_same_overdue_reports(every_case) -> None:
    in_python = {r.pk for r in every_case if r.is_owed and r.frist < TODAY}
    in_orm = set(Statusbericht.objects.filter(Statusbericht.overdue_q(TODAY)).values_list("pk", flat=True))
    assert in_python == in_orm
    # due yesterday, and returned with a new date that passed: for the two open states
    assert len(in_python) == 2 * 2
