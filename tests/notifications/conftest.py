import itertools
from datetime import date, datetime, time
from typing import Any

import pytest
from celery import current_app
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm

from governance.models import KaStatus, Kernaktivitaet, Kompetenz, Statusbericht
from notifications.rules import BERLIN, default_rules_install
from workflow.rights import OWN_KA_PERMISSIONS, Role, role_groups_ensure

from .integration import Worker, start_smtp, worker_env

User = get_user_model()
_seq = itertools.count(1)
_kompetenz_seq = itertools.count(1)


def morning(day: date, hour: int = 8) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=BERLIN)


def make_user(name: str, *roles: Role) -> Any:
    user = User.objects.create_user(username=name, email=f"{name}@bochum.example", password="x")
    for role in roles:
        user.groups.add(Group.objects.get(name=role.value))
    return user


def make_kompetenz() -> Kompetenz:
    n = next(_kompetenz_seq)
    return Kompetenz.objects.create(key=f"k{n}", code=f"{n:03d}", name=f"Kompetenz {n}", position=100 + n)


def make_ka(
    kompetenz: Kompetenz, *, members: tuple[Any, ...] = (), status: str = KaStatus.RUNNING
) -> Kernaktivitaet:
    n = next(_seq)
    ka = Kernaktivitaet.objects.create(code=f"T-{n:03d}", titel=f"Testvorhaben {n}", kompetenz=kompetenz)
    Kernaktivitaet.objects.filter(pk=ka.pk).update(status=status)
    ka.refresh_from_db()
    for member in members:
        ka.projektgruppe.add(member)
        for perm in OWN_KA_PERMISSIONS:
            assign_perm(f"governance.{perm}", member, ka)
    return ka


class People:
    def __init__(self) -> None:
        role_groups_ensure()
        self.kompetenz = make_kompetenz()
        self.other_kompetenz = make_kompetenz()
        self.pg = make_user("projekt", Role.PROJEKTGRUPPE)
        self.pg2 = make_user("projekt2", Role.PROJEKTGRUPPE)
        self.kv = make_user("kompetenz", Role.KOMPETENZVERANTWORTLICHE)
        assign_perm("governance.oversee_kompetenz", self.kv, self.kompetenz)
        self.kv_other = make_user("kompetenz_andere", Role.KOMPETENZVERANTWORTLICHE)
        assign_perm("governance.oversee_kompetenz", self.kv_other, self.other_kompetenz)
        self.zirkel = make_user("zirkel", Role.STRATEGIEZIRKEL)
        self.vorstand = make_user("vorstand", Role.VERWALTUNGSVORSTAND)
        self.ka = make_ka(self.kompetenz, members=(self.pg, self.pg2))


@pytest.fixture
def people(db: None) -> People:
    return People()


def report(ka: Kernaktivitaet, due: date, **kwargs: Any) -> Statusbericht:
    return Statusbericht.objects.create(kernaktivitaet=ka, faellig_am=due, **kwargs)


# Real components for the integration tests (test_worker_integration, test_fault_integration).


@pytest.fixture
def smtp():
    controller, sink, port = start_smtp()
    sink.port = port  # type: ignore[attr-defined]
    yield sink
    controller.stop()


@pytest.fixture
def people_live(transactional_db) -> People:
    # A transactional test empties every table before it: the rules of the data migration come back here.
    default_rules_install()
    return People()


@pytest.fixture
def workers(smtp, settings):
    """Start workers on the shared test broker; all are stopped at the end."""
    current_app.control.purge()
    started: list[Worker] = []

    def start(name: str = "nt") -> Worker:
        worker = Worker(worker_env(broker_url=settings.CELERY_BROKER_URL, smtp_port=smtp.port), name)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
