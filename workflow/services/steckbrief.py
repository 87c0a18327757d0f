"""The Projektsteckbrief of a proposal: saved as a draft by its project group at any point, frozen into a
numbered version when it is submitted.

A draft may be incomplete (a person completes it over several sittings); only the freeze asks for every
required part, and names all that are missing at once.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from core.errors import Invalid, Refused, model_checked
from governance.models import (
    Kennzahl,
    Kernaktivitaet,
    Projektmeilenstein,
    Querschnittsthema,
    Querschnittswirkung,
    Ressourcenjahr,
    Steckbrief,
)

from .. import rights
from ..rights import Action, User
from .proposals import (
    kernaktivitaet_submit,
    kernaktivitaet_update_proposal,
    proposal_editable,
    proposal_moved_on,
)


@dataclass(frozen=True)
class KennzahlInput:
    name: str
    einheit: str
    ausgangswert: Decimal
    ausgangsdatum: date
    zielwert: Decimal
    zieldatum: date
    richtung: str
    datenquelle: str


@dataclass(frozen=True)
class MeilensteinInput:
    name: str
    geplant_am: date


@dataclass(frozen=True)
class RessourcenInput:
    jahr: int
    kosten_eur: Decimal
    haushalt_eur: Decimal = Decimal(0)
    foerdermittel_eur: Decimal = Decimal(0)
    dritte_eur: Decimal = Decimal(0)


@dataclass(frozen=True)
class WirkungInput:
    querschnittsthema: Querschnittsthema
    wirkung: str
    begruendung: str


@dataclass(frozen=True)
class SteckbriefInput:
    """The Steckbrief's own parts; the KA's fields (Schwerpunkt, goals, dates, organisation) are saved by
    ``kernaktivitaet_update_proposal``."""

    ausgangslage: str = ""
    massnahmen: str = ""
    risiken: str = ""
    personal_vzae: Decimal | None = None
    querschnittswirkungen: list[WirkungInput] = field(default_factory=list)
    kennzahlen: list[KennzahlInput] = field(default_factory=list)
    meilensteine: list[MeilensteinInput] = field(default_factory=list)
    ressourcen: list[RessourcenInput] = field(default_factory=list)
    projektleitung: User | None = None
    mitglieder: list[User] = field(default_factory=list)


def _checked(row: models.Model, prefix: str, exclude: list[str]) -> models.Model:
    model_checked(row, exclude=exclude, prefix=prefix)
    return row


def steckbrief_save(
    *, actor: User, kernaktivitaet: Kernaktivitaet, data: SteckbriefInput, on_behalf_of: Any = None
) -> Steckbrief:
    """Save the Steckbrief of a proposal as it stands (a draft: missing parts are allowed); its lists are
    replaced as a whole, as the form sends them."""
    with transaction.atomic():
        ka = Kernaktivitaet.objects.select_for_update(of=("self",)).get(pk=kernaktivitaet.pk)
        verdict = rights.may(actor, Action.EDIT, ka, on_behalf_of=on_behalf_of)
        if not verdict:
            raise Refused(verdict.message)
        if not proposal_editable(actor=actor, ka=ka, on_behalf_of=on_behalf_of):
            raise proposal_moved_on(ka)
        themen = [wirkung.querschnittsthema.pk for wirkung in data.querschnittswirkungen]
        if len(set(themen)) != len(themen):
            raise Invalid(
                _("Jedes Querschnittsthema wird nur einmal eingeschätzt."), field="querschnittswirkungen"
            )
        profile, _created = Steckbrief.objects.get_or_create(kernaktivitaet=ka)
        profile.ausgangslage = data.ausgangslage
        profile.massnahmen = data.massnahmen
        profile.risiken = data.risiken
        profile.personal_vzae = data.personal_vzae
        profile.projektleitung = data.projektleitung
        _checked(profile, "", exclude=["kernaktivitaet", "mitglieder"])
        profile.save()
        profile.mitglieder.set(data.mitglieder)
        years = [item.jahr for item in data.ressourcen]
        if len(set(years)) != len(years):
            raise Invalid(_("Jedes Jahr wird nur einmal geplant."), field="ressourcen")
        # Each list: its model, the form's prefix, and the entries with their position where the list has one.
        lists: list[tuple[type[models.Model], str, list[Any], bool]] = [
            (Querschnittswirkung, "querschnittswirkungen", data.querschnittswirkungen, False),
            (Kennzahl, "kennzahlen", data.kennzahlen, True),
            (Projektmeilenstein, "meilensteine", data.meilensteine, True),
            (Ressourcenjahr, "ressourcen", data.ressourcen, False),
        ]
        rows: list[tuple[type[models.Model], list[models.Model]]] = []
        for model, prefix, items, positioned in lists:
            new_rows = []
            for n, item in enumerate(items):
                place = {"position": n + 1} if positioned else {}
                row = model(steckbrief=profile, **place, **vars(item))
                new_rows.append(_checked(row, f"{prefix}-{n}", exclude=["steckbrief"]))
            rows.append((model, new_rows))
        for model, new_rows in rows:
            model._default_manager.filter(steckbrief=profile).delete()
            model._default_manager.bulk_create(new_rows)
    return profile


def proposal_save(
    *,
    actor: Any,
    kernaktivitaet: Kernaktivitaet,
    values: dict[str, Any],
    steckbrief: SteckbriefInput,
    submit: bool = False,
    on_behalf_of: Any = None,
) -> Kernaktivitaet:
    """Save what the proposal page sends (the KA's fields and its Steckbrief) and, with ``submit``, submit
    it: one transaction, so a submission refused for a missing part leaves nothing half-written."""
    with transaction.atomic():
        ka = kernaktivitaet_update_proposal(
            actor=actor, kernaktivitaet=kernaktivitaet, on_behalf_of=on_behalf_of, **values
        )
        steckbrief_save(actor=actor, kernaktivitaet=ka, data=steckbrief, on_behalf_of=on_behalf_of)
        if submit:
            kernaktivitaet_submit(actor=actor, kernaktivitaet=ka, on_behalf_of=on_behalf_of)
    return ka
