"""Dates at the edge of the calendar: refused where they are entered, harmless where they are stored anyway.

Three values once broke shared pages for everybody: a planned start on 9999-12-31, a council resolution
deferred to 9999-12-31 (the council form raised OverflowError for every Ratsbüro user) and a council session
on 0001-01-01 (stored by PostgreSQL as year 0 in UTC, which no page can read back).
"""

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core.errors import Invalid
from governance.models import (
    Consultation,
    Gremium,
    KaStatus,
    Kernaktivitaet,
    Meeting,
    Paper,
    Resolution,
    ResolutionResult,
)
from tests.otp import verify_second_factor
from tests.people import People, client_for, make_ka, propose
from workflow import services

from .helpers import council, open_task
from .test_paths import to_council

DATE_RANGE_MESSAGE = "Bitte geben Sie ein Datum zwischen dem"
FAR_FUTURE = "9999-12-31"
YEAR_ONE = "0001-01-01"


def page_statuses(user: Any, urls: list[str]) -> dict[str, int]:
    client = client_for(user)
    client.raise_request_exception = False
    if user.is_staff:
        verify_second_factor(client, user)
    return {url: client.get(url).status_code for url in urls}


@pytest.fixture
def admin_user(db: None) -> Any:
    return get_user_model().objects.create_superuser("technik", "technik@bochum.example")


# --- planned start 9999-12-31 ------------------------------------------------------------------------------


def test_planned_start_9999_is_refused_on_the_proposal_form(people: People, kompetenz: Any) -> None:
    before = Kernaktivitaet.objects.count()
    response = client_for(people.pg).post(
        "/vorschlaege/neu/",
        {"kompetenz": kompetenz.pk, "titel": "Ewige Baustelle", "geplanter_start": FAR_FUTURE},
    )
    assert response.status_code == 400
    assert DATE_RANGE_MESSAGE in response.content.decode()
    assert Kernaktivitaet.objects.count() == before


def test_planned_start_9999_is_refused_by_the_service(people: People, kompetenz: Any) -> None:
    with pytest.raises(Invalid) as refusal:
        propose(actor=people.pg, kompetenz=kompetenz, titel="Ewig", geplanter_start=dt.date(9999, 12, 31))
    assert refusal.value.field == "geplanter_start"
    assert DATE_RANGE_MESSAGE in str(refusal.value.message)


def test_planned_start_9999_stored_anyway_breaks_no_page(
    people: People, kompetenz: Any, admin_user: Any
) -> None:
    ka = make_ka(kompetenz, "PRF-09", lead=people.pg)
    Kernaktivitaet.objects.filter(pk=ka.pk).update(
        geplanter_start=dt.date(9999, 12, 31), geplantes_ende=dt.date(9999, 12, 31)
    )
    pages = [f"/kernaktivitaeten/{ka.code}/", "/kernaktivitaeten/", "/dashboard/", "/", "/aufgaben/"]
    assert set(page_statuses(people.pg, [*pages, "/berichte/"]).values()) == {200}
    assert set(page_statuses(admin_user, [f"/admin/governance/kernaktivitaet/{ka.pk}/change/"]).values()) == {
        200
    }


# --- council resolution deferred to 9999-12-31 -------------------------------------------------------------


def test_deferral_to_9999_is_refused_on_the_council_form(people: People, proposal: Kernaktivitaet) -> None:
    record = to_council(people, proposal)
    response = council(
        people.ratsbuero,
        [record],
        {record.pk: {"result": ResolutionResult.DEFERRED, "deferred_to": FAR_FUTURE}},
    )
    assert response.status_code == 400
    assert DATE_RANGE_MESSAGE in response.content.decode()
    assert not Resolution.objects.exists()


def test_deferral_to_9999_is_refused_by_the_service(people: People, proposal: Kernaktivitaet) -> None:
    to_council(people, proposal)
    with pytest.raises(Invalid) as refusal:
        services.paper_record_resolution(
            actor=people.ratsbuero,
            reference="20260901",
            name="Vertagung",
            paper_date=dt.date(2026, 8, 1),
            session_start=timezone.make_aware(dt.datetime(2026, 9, 10, 15)),
            outcomes=[
                services.Outcome(
                    kernaktivitaet=proposal,
                    result=ResolutionResult.DEFERRED,
                    deferred_to=dt.date(9999, 12, 31),
                )
            ],
        )
    assert refusal.value.field == "deferred_to"
    assert not Resolution.objects.exists()


def test_deferral_to_9999_stored_anyway_leaves_the_council_form_working(
    people: People, proposal: Kernaktivitaet
) -> None:
    record = to_council(people, proposal)
    response = council(
        people.ratsbuero,
        [record],
        {record.pk: {"result": ResolutionResult.DEFERRED, "deferred_to": "2026-10-15"}},
    )
    assert response.status_code == 302
    Resolution.objects.filter(kernaktivitaet=proposal).update(deferred_to=dt.date(9999, 12, 31))
    assert open_task(proposal, "council_record")

    statuses = page_statuses(
        people.ratsbuero, ["/aufgaben/ratsbeschluss/", "/aufgaben/", f"/kernaktivitaeten/{proposal.code}/"]
    )
    assert set(statuses.values()) == {200}
    # The KA is still listed on the form, so the clerk can record the next session.
    assert proposal.code in client_for(people.ratsbuero).get("/aufgaben/ratsbeschluss/").content.decode()


# --- council session 0001-01-01 ----------------------------------------------------------------------------


def test_session_on_year_one_is_refused_on_the_council_form(people: People, proposal: Kernaktivitaet) -> None:
    record = to_council(people, proposal)
    response = council(
        people.ratsbuero,
        [record],
        {record.pk: {"result": ResolutionResult.ADOPTED}},
        session_date=YEAR_ONE,
        paper_date=YEAR_ONE,
        session_time="00:00",
    )
    assert response.status_code == 400
    assert DATE_RANGE_MESSAGE in response.content.decode()
    assert not Meeting.objects.exists()
    assert Kernaktivitaet.objects.get(pk=proposal.pk).status == KaStatus.COUNCIL


def test_session_on_year_one_is_refused_by_the_service(people: People, proposal: Kernaktivitaet) -> None:
    to_council(people, proposal)
    with pytest.raises(Invalid) as refusal:
        services.paper_record_resolution(
            actor=people.ratsbuero,
            reference="1",
            name="Frühe Sitzung",
            paper_date=dt.date(2026, 8, 1),
            session_start=timezone.make_aware(dt.datetime(1, 1, 1, 15)),
            outcomes=[services.Outcome(kernaktivitaet=proposal, result=ResolutionResult.ADOPTED)],
        )
    assert refusal.value.field == "session_date"
    assert not Meeting.objects.exists()


def test_session_on_year_one_is_refused_by_the_database(db: None) -> None:
    rat = Gremium.objects.create(name="Rat", art=Gremium.Art.RAT)
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.create(
            name="Frühe Sitzung", start=timezone.make_aware(dt.datetime(1, 1, 1, 15)), organization=rat
        )


def _resolution_in_session(ka: Kernaktivitaet, clerk: Any, start: dt.datetime) -> Meeting:
    rat = Gremium.objects.create(name="Rat der Stadt Bochum", art=Gremium.Art.RAT)
    meeting = Meeting.objects.create(name="Sitzung des Rates", start=start, organization=rat)
    paper = Paper.objects.create(reference="1", name="Frühe Drucksache", date=dt.date(1, 1, 1))
    consultation = Consultation.objects.create(paper=paper, meeting=meeting, organization=rat)
    Resolution.objects.create(
        consultation=consultation, kernaktivitaet=ka, result=ResolutionResult.ADOPTED, recorded_by=clerk
    )
    return meeting


def _admin_pages(ka: Kernaktivitaet, meeting: Meeting) -> list[str]:
    paper = Paper.objects.get()
    return [
        f"/admin/governance/kernaktivitaet/{ka.pk}/change/",
        f"/admin/governance/paper/{paper.pk}/change/",
        "/admin/governance/paper/",
        f"/admin/governance/meeting/{meeting.pk}/change/",
        "/admin/governance/meeting/",
        "/admin/governance/resolution/",
    ]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite can store a row past its CHECK constraint")
def test_session_on_year_one_stored_anyway_breaks_no_page(
    people: People, kompetenz: Any, admin_user: Any
) -> None:
    ka = make_ka(kompetenz, "PRF-11", lead=people.pg)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA ignore_check_constraints = ON")
    try:
        meeting = _resolution_in_session(ka, people.ratsbuero, timezone.make_aware(dt.datetime(1, 1, 1, 15)))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA ignore_check_constraints = OFF")
    assert page_statuses(people.nobody, [f"/kernaktivitaeten/{ka.code}/"]) == {
        f"/kernaktivitaeten/{ka.code}/": 200
    }
    assert set(page_statuses(admin_user, _admin_pages(ka, meeting)).values()) == {200}


@pytest.mark.postgres
def test_session_stored_before_year_one_in_utc_is_moved_within_bounds_by_the_migration(
    people: People, kompetenz: Any, admin_user: Any
) -> None:
    """0001-01-01 00:00 in Berlin is 0000-12-31 in UTC: PostgreSQL stores it (1 BC), psycopg cannot read it.
    The constraint keeps new ones out; the migration moves rows stored before it within the bounds."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("governance.migrations.0007_input_bounds")
    ka = make_ka(kompetenz, "PRF-12", lead=people.pg)
    meeting = _resolution_in_session(ka, people.ratsbuero, timezone.make_aware(dt.datetime(2026, 9, 10, 15)))
    table = Meeting._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT meeting_start_plausible")
        cursor.execute(
            f"UPDATE {table} SET start = '0001-01-01 00:00:00+00:53:28'::timestamptz WHERE id = %s",
            [meeting.pk],
        )
        cursor.execute(f"SELECT start < '0001-01-01 00:00+00' FROM {table} WHERE id = %s", [meeting.pk])
        assert cursor.fetchone() == (True,)
    migration.hold_sessions_within_bounds(apps, None)
    meeting.refresh_from_db()
    assert meeting.start.year == 1900
    assert page_statuses(people.nobody, [f"/kernaktivitaeten/{ka.code}/"]) == {
        f"/kernaktivitaeten/{ka.code}/": 200
    }
    assert set(page_statuses(admin_user, _admin_pages(ka, meeting)).values()) == {200}


@pytest.mark.postgres
def test_session_before_year_one_in_utc_is_refused_by_postgresql(db: None) -> None:
    rat = Gremium.objects.create(name="Rat", art=Gremium.Art.RAT)
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.create(
            name="Frühe Sitzung", start=timezone.make_aware(dt.datetime(1, 1, 1, 0, 0)), organization=rat
        )
