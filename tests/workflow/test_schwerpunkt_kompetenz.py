"""A proposal's Schwerpunkt belongs to its Kompetenz: forms, service and database refuse a mismatch."""

import pytest
from django.db import IntegrityError, connection, transaction

from core.errors import Invalid
from governance.models import Kernaktivitaet, Kompetenz, Schwerpunkt
from tests.people import client_for, propose
from workflow import services

from .helpers import proposal_page_data


@pytest.fixture
def two(db, kompetenz):
    other = Kompetenz.objects.create(key="andere", code="AND", name="Andere Kompetenz", position=91)
    own = Schwerpunkt.objects.create(kompetenz=kompetenz, position=1, name="Eigener Schwerpunkt")
    foreign = Schwerpunkt.objects.create(kompetenz=other, position=1, name="Fremder Schwerpunkt")
    return own, foreign


def test_new_proposal_form_groups_schwerpunkte_by_kompetenz(people, kompetenz, two):
    page = client_for(people.pg).get("/vorschlaege/neu/").content.decode()
    assert '<optgroup label="Prüfkompetenz">' in page
    assert '<optgroup label="Andere Kompetenz">' in page
    own_group = page.index('<optgroup label="Prüfkompetenz">')
    assert own_group < page.index("Eigener Schwerpunkt") < page.index('<optgroup label="Andere Kompetenz">')


def test_new_proposal_form_refuses_a_schwerpunkt_of_another_kompetenz(people, kompetenz, two):
    _own, foreign = two
    response = client_for(people.pg).post(
        "/vorschlaege/neu/",
        {"kompetenz": kompetenz.pk, "titel": "Neue KA", "schwerpunkt": foreign.pk},
    )
    assert response.status_code == 400
    assert "Bitte wählen Sie einen Schwerpunkt der gewählten Kompetenz." in response.content.decode()
    assert not Kernaktivitaet.objects.filter(titel="Neue KA").exists()


def test_edit_form_lists_only_the_kompetenz_own_schwerpunkte_and_refuses_others(people, draft, two):
    own, foreign = two
    client = client_for(people.pg)
    page = client.get(f"/vorschlaege/{draft.pk}/").content.decode()
    assert "Eigener Schwerpunkt" in page
    assert "Fremder Schwerpunkt" not in page
    response = client.post(
        f"/vorschlaege/{draft.pk}/", {**proposal_page_data(draft, schwerpunkt=foreign.pk), "op": "save"}
    )
    assert response.status_code == 400
    assert "Bitte wählen Sie einen Schwerpunkt der gewählten Kompetenz." in response.content.decode()
    assert Kernaktivitaet.objects.get(pk=draft.pk).schwerpunkt_id is None
    saved = client.post(
        f"/vorschlaege/{draft.pk}/", {**proposal_page_data(draft, schwerpunkt=own.pk), "op": "save"}
    )
    assert saved.status_code == 302
    assert Kernaktivitaet.objects.get(pk=draft.pk).schwerpunkt == own


def test_service_refuses_a_schwerpunkt_of_another_kompetenz(people, kompetenz, draft, two):
    _own, foreign = two
    with pytest.raises(Invalid) as created:
        propose(actor=people.pg, kompetenz=kompetenz, titel="Neue KA", schwerpunkt=foreign)
    assert created.value.field == "schwerpunkt"
    with pytest.raises(Invalid) as updated:
        services.kernaktivitaet_update_proposal(actor=people.pg, kernaktivitaet=draft, schwerpunkt=foreign)
    assert updated.value.field == "schwerpunkt"
    assert "anderen Kompetenz" in str(updated.value.message)
    assert Kernaktivitaet.objects.get(pk=draft.pk).schwerpunkt_id is None


def _raw_writes_refused(kompetenz, two):
    own, foreign = two
    with pytest.raises(IntegrityError), transaction.atomic():
        Kernaktivitaet.objects.create(code="PRF-99", titel="Roh", kompetenz=kompetenz, schwerpunkt=foreign)
    ka = Kernaktivitaet.objects.create(code="PRF-98", titel="Roh", kompetenz=kompetenz, schwerpunkt=own)
    with pytest.raises(IntegrityError), transaction.atomic():
        Kernaktivitaet.objects.filter(pk=ka.pk).update(schwerpunkt=foreign)
    with pytest.raises(IntegrityError), transaction.atomic():
        Kernaktivitaet.objects.filter(pk=ka.pk).update(kompetenz=foreign.kompetenz)
    # Moving the Schwerpunkt to another Kompetenz would leave the KA pointing across.
    with pytest.raises(IntegrityError), transaction.atomic():
        Schwerpunkt.objects.filter(pk=own.pk).update(kompetenz=foreign.kompetenz)
    assert Kernaktivitaet.objects.get(pk=ka.pk).schwerpunkt == own
    # Without a Schwerpunkt, or with a matching one, writes pass.
    Kernaktivitaet.objects.filter(pk=ka.pk).update(schwerpunkt=None)
    Kernaktivitaet.objects.filter(pk=ka.pk).update(kompetenz=foreign.kompetenz, schwerpunkt=foreign)


@pytest.mark.django_db
def test_database_refuses_a_mismatch_on_sqlite(kompetenz, two):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite run")
    _raw_writes_refused(kompetenz, two)


@pytest.mark.postgres
@pytest.mark.django_db
def test_database_refuses_a_mismatch_on_postgresql(kompetenz, two):
    _raw_writes_refused(kompetenz, two)
