"""The personas of the whole suite, and the few ways to make a person, a Kompetenz, a KA or a report.

Every app's tests take their people from here (the ``people`` fixture of tests/conftest.py), so that a
Zirkel member is the same person with the same name in a rights test, a mail test and a browser walk.
The KA and Kompetenzen of the mail scene (``kompetenz``, ``ka``, ``other_kompetenz``) are made only
when a test first touches them, so that a test counting KA or Kompetenzen sees only its own.
"""

import itertools
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from governance.models import (
    KaStatus,
    Kennzahl,
    Kernaktivitaet,
    Kompetenz,
    Organisationseinheit,
    Projektmeilenstein,
    Querschnittsthema,
    Querschnittswirkung,
    Ressourcenjahr,
    Schwerpunkt,
    Statusbericht,
    Steckbrief,
)
from workflow.grants import kernaktivitaet_set_projektgruppe, kompetenz_set_verantwortliche
from workflow.reports.services import ReportInput
from workflow.rights import Role, User, role_groups_ensure
from workflow.services import kernaktivitaet_create_proposal

_kompetenz_numbers = itertools.count(1)
_ka_numbers = itertools.count(1)


def make_user(username: str, *roles: Role, **fields: Any) -> User:
    """A person with the given roles and a work address (mail tests read it); no usable password."""
    fields.setdefault("email", f"{username}@bochum.example")
    user = get_user_model().objects.create_user(username, **fields)
    if roles:
        groups = list(Group.objects.filter(name__in=[role.value for role in roles]))
        if len(groups) < len(set(roles)):
            role_groups_ensure()  # a test that emptied the tables without post_migrate's groups
            groups = list(Group.objects.filter(name__in=[role.value for role in roles]))
        user.groups.add(*groups)
    return user


def client_for(user: User, **client_options: Any) -> Client:
    """A test client signed in as ``user``."""
    client = Client(**client_options)
    client.force_login(user)
    return client


def make_kompetenz(*, owners: tuple[User, ...] = ()) -> Kompetenz:
    """A Kompetenz of its own, after the 14 of the shipped strategy in every list."""
    number = next(_kompetenz_numbers)
    kompetenz = Kompetenz.objects.create(
        key=f"k{number}", code=f"{number:03d}", name=f"Kompetenz {number}", position=100 + number
    )
    if owners:
        kompetenz_set_verantwortliche(kompetenz=kompetenz, users=list(owners))
    return kompetenz


def make_ka(
    kompetenz: Kompetenz,
    code: str | None = None,
    *,
    status: str = KaStatus.RUNNING,
    lead: User | None = None,
    members: tuple[User, ...] = (),
    **fields: Any,
) -> Kernaktivitaet:
    """A KA as the strategy loader creates it: in its state, without any process or audit history; the lead
    and members get the project group's rights on it as the council's resolution grants them."""
    if code is None:
        code = f"T-{next(_ka_numbers):03d}"
    fields.setdefault("titel", f"Testvorhaben {code}")
    ka = Kernaktivitaet.objects.create(code=code, kompetenz=kompetenz, status=status, **fields)
    if lead is not None or members:
        kernaktivitaet_set_projektgruppe(kernaktivitaet=ka, projektleitung=lead, mitglieder=list(members))
    if status == KaStatus.PROPOSED:
        # A proposal in a test is submittable unless the test is about its Steckbrief.
        complete_steckbrief(ka, lead=lead, members=members)
    return ka


def complete_steckbrief(
    ka: Kernaktivitaet, *, lead: User | None = None, members: tuple[User, ...] = ()
) -> Steckbrief:
    """Give a proposal every part a submission needs (as its project group would have entered it), so that a
    test about a later step can submit it. ``lead`` and ``members``: the organisation the Steckbrief plans."""
    schwerpunkt = ka.schwerpunkt or Schwerpunkt.objects.filter(kompetenz=ka.kompetenz).first()
    if schwerpunkt is None:
        schwerpunkt = Schwerpunkt.objects.create(
            kompetenz=ka.kompetenz, position=5, name=f"Schwerpunkt {ka.code}"
        )
    office, _created = Organisationseinheit.objects.get_or_create(
        name="Dezernat für Test", defaults={"art": Organisationseinheit.Art.DEZERNAT}
    )
    ka.schwerpunkt = schwerpunkt
    ka.linienverantwortung = office
    ka.smart_ziele = ka.smart_ziele or "20 km Radweg bis Ende 2028"
    ka.geplantes_ende = ka.geplantes_ende or date(2028, 12, 31)
    ka.save(update_fields=["schwerpunkt", "linienverantwortung", "smart_ziele", "geplantes_ende"])
    profile, _created = Steckbrief.objects.update_or_create(
        kernaktivitaet=ka,
        defaults={
            "ausgangslage": "Das Radnetz hat Lücken.",
            "massnahmen": "Planung, Ausschreibung, Bau.",
            "risiken": "Lieferzeiten.",
            "projektleitung": lead or ka.projektleitung,
        },
    )
    profile.mitglieder.set(members)
    Querschnittswirkung.objects.bulk_create(
        [
            Querschnittswirkung(
                steckbrief=profile, querschnittsthema=thema, wirkung="positiv", begruendung="Weil."
            )
            for thema in Querschnittsthema.objects.exclude(
                pk__in=Querschnittswirkung.objects.filter(steckbrief=profile).values("querschnittsthema")
            )
        ]
    )
    if not profile.kennzahlen.exists():
        Kennzahl.objects.create(
            steckbrief=profile,
            name="Radweg",
            einheit="km",
            ausgangswert=Decimal(0),
            ausgangsdatum=date(2025, 1, 1),
            zielwert=Decimal(20),
            zieldatum=date(2028, 12, 31),
            datenquelle="Tiefbauamt",
        )
    if not profile.meilensteine.exists():
        Projektmeilenstein.objects.create(
            steckbrief=profile, name="Planung fertig", geplant_am=date(2027, 6, 30)
        )
    if not profile.ressourcen.exists():
        Ressourcenjahr.objects.create(steckbrief=profile, jahr=2027, kosten_eur=Decimal(100000))
    return profile


def propose(**options: Any) -> Kernaktivitaet:
    """A proposal as its project group writes it: created (``kernaktivitaet_create_proposal``'s options), and
    its Steckbrief filled in, ready to be submitted."""
    ka = kernaktivitaet_create_proposal(**options)
    complete_steckbrief(ka, lead=ka.projektleitung)
    return ka


def make_report(ka: Kernaktivitaet, due: date, **fields: Any) -> Statusbericht:
    """A status report of ``ka`` owed on ``due`` (or in the state the fields give)."""
    return Statusbericht.objects.create(kernaktivitaet=ka, faellig_am=due, **fields)


# A complete report as a project group submits it.
GOOD_REPORT = ReportInput(
    ampel_zeitplan="gruen",
    ampel_budget="gelb",
    ampel_umfang="gruen",
    fortschritt_prozent=40,
    meilensteine_erreicht="Ausschreibung",
    meilensteine_naechste="Vergabe",
    text_oeffentlich="Die Ausschreibung ist veröffentlicht.",
    text_intern="Budget knapp.",
    risiken="Lieferzeiten",
)


class People:
    """One person per role of the rights matrix, and the relations the tests need between them.

    The first person of each role exists from the start: a mail to "the Zirkel" or a list of "the board"
    reaches exactly these. The second of a role (``zirkel2``, ``pg_other``, ``kv_other``) is made when a
    test first touches it, so that it joins a role-wide audience only in the tests that are about it."""

    def __init__(self) -> None:
        self.pg = make_user("pg_lead", Role.PROJEKTGRUPPE)  # leads the project group of the KA under test
        self.pg_member = make_user("pg_member", Role.PROJEKTGRUPPE)  # a further member of that group
        self.kv = make_user("kv", Role.KOMPETENZVERANTWORTLICHE)  # owns ``kompetenz`` once it exists
        self.zirkel = make_user("zirkel", Role.STRATEGIEZIRKEL)
        self.vorstand = make_user("vorstand", Role.VERWALTUNGSVORSTAND)
        self.ratsbuero = make_user("ratsbuero", Role.RATSBUERO)
        self.beirat = make_user("beirat", Role.STRATEGIEBEIRAT)
        self.nobody = make_user("nobody")  # signed in, without any role

    @cached_property
    def pg_other(self) -> User:
        """Project group role, but of another KA."""
        return make_user("pg_other", Role.PROJEKTGRUPPE)

    @cached_property
    def kv_other(self) -> User:
        """Owns ``other_kompetenz`` only."""
        return make_user("kv_other", Role.KOMPETENZVERANTWORTLICHE)

    @cached_property
    def zirkel2(self) -> User:
        """The second pair of eyes in the Zirkel."""
        return make_user("zirkel2", Role.STRATEGIEZIRKEL)

    @cached_property
    def kompetenz(self) -> Kompetenz:
        """The Kompetenz of the KA under test, owned by ``kv``."""
        return make_kompetenz(owners=(self.kv,))

    @cached_property
    def other_kompetenz(self) -> Kompetenz:
        """A second Kompetenz, owned by ``kv_other`` only."""
        return make_kompetenz(owners=(self.kv_other,))

    @cached_property
    def ka(self) -> Kernaktivitaet:
        """A running KA in ``kompetenz`` whose project group is ``pg`` (lead) and ``pg_member``."""
        return make_ka(self.kompetenz, lead=self.pg, members=(self.pg, self.pg_member))
