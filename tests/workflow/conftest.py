"""Fixtures of the decision process: a Kompetenz, a proposal and a running KA of the suite's people."""

from typing import Any

import pytest

from governance.models import Kernaktivitaet, Kompetenz
from tests.people import People, complete_steckbrief, make_ka
from workflow import services
from workflow.grants import kernaktivitaet_set_projektgruppe


@pytest.fixture
def kompetenz(db: None) -> Kompetenz:
    return Kompetenz.objects.create(key="pruefung", code="PRF", name="Prüfkompetenz", position=90)


@pytest.fixture
def draft(people: People, kompetenz: Kompetenz) -> Kernaktivitaet:
    """A proposal just created by its project group: its Steckbrief is still empty."""
    ka = services.kernaktivitaet_create_proposal(
        actor=people.pg, kompetenz=kompetenz, titel="Radwege am Ruhrufer", smart_ziele="20 km bis 2028"
    )
    kernaktivitaet_set_projektgruppe(
        kernaktivitaet=ka, projektleitung=people.pg, mitglieder=[people.pg, people.pg_member]
    )
    return ka


@pytest.fixture
def proposal(people: People, draft: Kernaktivitaet) -> Kernaktivitaet:
    """A proposal with a complete Steckbrief: ready to be submitted."""
    complete_steckbrief(draft, lead=people.pg, members=(people.pg, people.pg_member))
    return draft


@pytest.fixture
def running(people: People, kompetenz: Kompetenz) -> Kernaktivitaet:
    return make_ka(kompetenz, "PRF-01", lead=people.pg)


@pytest.fixture(autouse=True)
def plain_http(settings: Any) -> None:
    # The test client speaks plain HTTP; production redirects it to HTTPS.
    settings.SECURE_SSL_REDIRECT = False
    # Pages render without a collectstatic run.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
