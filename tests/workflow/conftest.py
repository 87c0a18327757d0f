"""Fixtures of the decision process: one person per role, a Kompetenz, proposals and running KA."""

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from governance.models import KaStatus, Kernaktivitaet, Kompetenz
from workflow import services
from workflow.grants import kernaktivitaet_set_projektgruppe
from workflow.rights import Role, role_groups_ensure


@dataclass
class People:
    pg: Any  # lead of the project group of the KA under test
    pg_member: Any  # further member of that project group
    pg_other: Any  # project group role, but of another KA
    zirkel: Any
    zirkel2: Any
    vorstand: Any
    ratsbuero: Any
    kompetenz: Any
    beirat: Any
    nobody: Any


def make_user(username: str, *roles: Role) -> Any:
    user = get_user_model().objects.create_user(username, email=f"{username}@bochum.example")
    for role in roles:
        user.groups.add(Group.objects.get(name=role.value))
    return user


@pytest.fixture
def people(db: None) -> People:
    # Transactional tests flush the tables, post_migrate's groups included.
    role_groups_ensure()
    return People(
        pg=make_user("pg_lead", Role.PROJEKTGRUPPE),
        pg_member=make_user("pg_member", Role.PROJEKTGRUPPE),
        pg_other=make_user("pg_other", Role.PROJEKTGRUPPE),
        zirkel=make_user("zirkel", Role.STRATEGIEZIRKEL),
        zirkel2=make_user("zirkel2", Role.STRATEGIEZIRKEL),
        vorstand=make_user("vorstand", Role.VERWALTUNGSVORSTAND),
        ratsbuero=make_user("ratsbuero", Role.RATSBUERO),
        kompetenz=make_user("kompetenz", Role.KOMPETENZVERANTWORTLICHE),
        beirat=make_user("beirat", Role.STRATEGIEBEIRAT),
        nobody=make_user("nobody"),
    )


@pytest.fixture
def kompetenz(db: None) -> Kompetenz:
    return Kompetenz.objects.create(key="pruefung", code="PRF", name="Prüfkompetenz", position=90)


@pytest.fixture
def proposal(people: People, kompetenz: Kompetenz) -> Kernaktivitaet:
    ka = services.kernaktivitaet_create_proposal(
        actor=people.pg, kompetenz=kompetenz, titel="Radwege am Ruhrufer", smart_ziele="20 km bis 2028"
    )
    kernaktivitaet_set_projektgruppe(
        kernaktivitaet=ka, projektleitung=people.pg, mitglieder=[people.pg, people.pg_member]
    )
    return ka


def make_running(
    kompetenz: Kompetenz, code: str, *, lead: Any = None, status: str = KaStatus.RUNNING
) -> Kernaktivitaet:
    """A KA as the strategy loader creates it: in its state, without any process or audit history."""
    ka = Kernaktivitaet.objects.create(
        code=code, titel=f"Laufende KA {code}", kompetenz=kompetenz, status=status
    )
    if lead is not None:
        kernaktivitaet_set_projektgruppe(kernaktivitaet=ka, projektleitung=lead, mitglieder=[lead])
    return ka


@pytest.fixture
def running(people: People, kompetenz: Kompetenz) -> Kernaktivitaet:
    return make_running(kompetenz, "PRF-01", lead=people.pg)


@pytest.fixture(autouse=True)
def plain_http(settings: Any) -> None:
    # The test client speaks plain HTTP; production redirects it to HTTPS.
    settings.SECURE_SSL_REDIRECT = False
    # Pages render without a collectstatic run.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
