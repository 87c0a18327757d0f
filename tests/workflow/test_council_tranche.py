"""The council resolution sets the KA's tranche, refuses a session still ahead and shows the TOP."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from core.errors import Invalid
from governance.models import Kernaktivitaet, ResolutionResult, Tranche
from tests.people import client_for, make_ka
from workflow import services

from .helpers import council, open_task, status_of
from .test_paths import to_council


@pytest.fixture
def tranchen(db):
    return [
        Tranche.objects.create(nummer=3, geplante_anzahl=2),
        Tranche.objects.create(nummer=4, geplante_anzahl=25),
    ]


def test_council_form_offers_the_next_tranche_with_room(people, kompetenz, proposal, tranchen):
    # Tranche 3 is full (two KA of two planned): the form proposes tranche 4.
    for code in ("PRF-01", "PRF-02"):
        ka = make_ka(kompetenz, code)
        ka.tranche = tranchen[0]
        ka.save()
    record = to_council(people, proposal)
    response = client_for(people.ratsbuero).get(f"/aufgaben/ratsbeschluss/?task={record.pk}")
    assert response.status_code == 200
    assert response.context["form"]["tranche"].value() == tranchen[1].pk
    assert b'name="tranche"' in response.content


def test_tranche_set_by_the_resolution_shown_on_the_ka_page_and_in_the_overview(people, proposal, tranchen):
    record = to_council(people, proposal)
    response = council(
        people.ratsbuero,
        [record],
        {record.pk: {"result": ResolutionResult.ADOPTED}},
        tranche=str(tranchen[1].pk),
        agenda_number="12.3",
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.tranche == tranchen[1]

    page = Client().get(f"/kernaktivitaeten/{proposal.code}/").content.decode()
    assert "4. Tranche" in page
    assert "TOP 12.3" in page
    # The session once, in words: not "am 10. September 2026, 10.09.2026".
    assert page.count("10. September 2026") == 1
    assert "10.09.2026" not in page

    listed = Client().get(f"/kernaktivitaeten/?tranche={tranchen[1].pk}")
    assert [ka.code for ka in listed.context["kernaktivitaeten"]] == [proposal.code]


def test_a_rejected_ka_joins_no_tranche(people, proposal, tranchen):
    record = to_council(people, proposal)
    council(
        people.ratsbuero,
        [record],
        {record.pk: {"result": ResolutionResult.REJECTED}},
        tranche=str(tranchen[1].pk),
    )
    assert Kernaktivitaet.objects.get(pk=proposal.pk).tranche is None


def test_dashboard_counts_the_new_resolution_in_its_tranche(people, proposal, tranchen):
    record = to_council(people, proposal)
    council(
        people.ratsbuero,
        [record],
        {record.pk: {"result": ResolutionResult.ADOPTED}},
        tranche=str(tranchen[1].pk),
    )
    burnup = Client().get("/dashboard/").content.decode()
    assert "Tranche nicht erfasst" not in burnup
    body = client_for(people.zirkel).get("/dashboard/").content.decode()
    assert "4. Tranche" in body


def test_future_session_refused_by_the_form(people, proposal):
    record = to_council(people, proposal)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = council(
        people.ratsbuero,
        [record],
        {record.pk: {"result": ResolutionResult.ADOPTED}},
        session_date=tomorrow.isoformat(),
    )
    assert response.status_code == 400
    assert "Die Ratssitzung liegt in der Zukunft" in response.content.decode()
    assert status_of(proposal) == "council"


def test_future_session_refused_by_the_service(people, proposal):
    record = to_council(people, proposal)
    start = timezone.now() + dt.timedelta(days=2)
    with pytest.raises(Invalid) as refusal:
        services.paper_record_resolution(
            actor=people.ratsbuero,
            reference="D-1",
            name="Drucksache",
            paper_date=timezone.localdate(),
            session_start=start,
            outcomes=[services.Outcome(kernaktivitaet=proposal, result=ResolutionResult.ADOPTED)],
        )
    assert refusal.value.field == "session_date"
    assert "Zukunft" in str(refusal.value.message)
    assert open_task(proposal, "council_record").pk == record.pk


def test_top_shown_on_the_council_form(people, proposal):
    record = to_council(people, proposal)
    page = client_for(people.ratsbuero).get(f"/aufgaben/ratsbeschluss/?task={record.pk}").content.decode()
    assert "Tagesordnungspunkt (TOP)" in page
