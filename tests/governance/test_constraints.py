import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from governance.models import KaStatus, Kernaktivitaet, Kompetenz, Schwerpunkt

pytestmark = pytest.mark.django_db


def refused(**fields) -> bool:
    try:
        with transaction.atomic():
            Kernaktivitaet.objects.create(**fields)
    except IntegrityError:
        return True
    return False


@pytest.fixture
def kompetenz(strategy) -> Kompetenz:
    return Kompetenz.objects.get(key="vorreiterin")


def test_code_is_unique(kompetenz) -> None:
    assert refused(code="VOR-01", titel="Doppelt", kompetenz=kompetenz)


def test_end_not_before_start(kompetenz) -> None:
    assert refused(
        code="VOR-90",
        titel="X",
        kompetenz=kompetenz,
        geplanter_start=dt.date(2026, 5, 1),
        geplantes_ende=dt.date(2026, 4, 30),
    )
    assert not refused(
        code="VOR-91",
        titel="Y",
        kompetenz=kompetenz,
        geplanter_start=dt.date(2026, 5, 1),
        geplantes_ende=dt.date(2026, 5, 1),
    )


def test_not_merged_into_itself(kompetenz) -> None:
    ka = Kernaktivitaet.objects.get(code="VOR-11")
    with pytest.raises(IntegrityError), transaction.atomic():
        Kernaktivitaet.objects.filter(pk=ka.pk).update(status=KaStatus.MERGED, ueberfuehrt_in=ka)


def test_merged_needs_a_target_and_only_merged_has_one(kompetenz) -> None:
    assert refused(code="VOR-92", titel="Z", kompetenz=kompetenz, status=KaStatus.MERGED)
    target = Kernaktivitaet.objects.get(code="VOR-11")
    assert refused(
        code="VOR-93", titel="Z", kompetenz=kompetenz, status=KaStatus.RUNNING, ueberfuehrt_in=target
    )


def test_slide_number_unique_per_kompetenz(kompetenz) -> None:
    assert refused(code="VOR-X", titel="Z", kompetenz=kompetenz, nummer=1)


def test_at_most_five_schwerpunkte_per_kompetenz(kompetenz) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Schwerpunkt.objects.create(kompetenz=kompetenz, position=6, name="Sechster Schwerpunkt")
    with pytest.raises(IntegrityError), transaction.atomic():
        Schwerpunkt.objects.create(kompetenz=kompetenz, position=5, name="Zweiter fünfter")
