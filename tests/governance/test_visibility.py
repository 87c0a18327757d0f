"""A proposal in the administration's preparation is not public record; from the council on, a KA is."""

from typing import Any

import pytest
from django.test import Client

from governance.models import KaStatus, Kernaktivitaet, Kompetenz
from tests.people import People, client_for
from workflow.grants import kernaktivitaet_set_projektgruppe

pytestmark = pytest.mark.django_db

TITLE = "Interner Entwurf einer neuen KA"


@pytest.fixture(autouse=True)
def plain_http(settings: Any) -> None:
    # The test client speaks plain HTTP; production redirects it to HTTPS.
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def draft(strategy: None) -> Kernaktivitaet:
    return Kernaktivitaet.objects.create(
        code="VOR-90",
        titel=TITLE,
        kompetenz=Kompetenz.objects.get(key="vorreiterin"),
        status=KaStatus.ZIRKEL_REVIEW,
    )


def test_public_sees_neither_the_page_nor_the_list_entry_of_a_proposal(client: Client, draft) -> None:
    assert client.get(f"/kernaktivitaeten/{draft.code}/").status_code == 404
    assert TITLE not in client.get("/kernaktivitaeten/?q=Entwurf").content.decode()
    assert draft.code not in client.get("/dashboard/").content.decode()


def test_public_sees_ka_from_the_council_on(client: Client, draft) -> None:
    Kernaktivitaet.objects.filter(pk=draft.pk).update(status=KaStatus.COUNCIL)
    assert client.get(f"/kernaktivitaeten/{draft.code}/").status_code == 200
    assert TITLE in client.get("/kernaktivitaeten/?q=Entwurf").content.decode()


def test_zirkel_and_beirat_see_proposals(people: People, draft) -> None:
    for reader in (people.zirkel, people.beirat):
        client = client_for(reader)
        assert client.get(f"/kernaktivitaeten/{draft.code}/").status_code == 200
        assert TITLE in client.get("/kernaktivitaeten/?q=Entwurf").content.decode()


def test_own_project_group_sees_its_proposal_and_another_does_not(people: People, draft) -> None:
    own, other = client_for(people.pg), client_for(people.pg_other)
    kernaktivitaet_set_projektgruppe(kernaktivitaet=draft, projektleitung=people.pg, mitglieder=[people.pg])
    assert own.get(f"/kernaktivitaeten/{draft.code}/").status_code == 200
    assert TITLE in own.get("/kernaktivitaeten/?q=Entwurf").content.decode()
    assert other.get(f"/kernaktivitaeten/{draft.code}/").status_code == 404
    assert TITLE not in other.get("/kernaktivitaeten/?q=Entwurf").content.decode()
