"""The Projektsteckbrief of a proposal: saved as a draft by its project group at any point, frozen into a
numbered version when it is submitted.

A draft may be incomplete (a person completes it over several sittings); only the freeze asks for every
required part, and names all that are missing at once.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from core.errors import Incomplete, Invalid, Refused
from governance.models import (
    Kennzahl,
    Kernaktivitaet,
    Projektmeilenstein,
    Querschnittsthema,
    Querschnittswirkung,
    Ressourcenjahr,
    Steckbrief,
    SteckbriefVersion,
)
from governance.steckbrief import missing, snapshot, steckbrief_queryset, themen

from .. import rights
from ..rights import Action, User
from .proposals import proposal_editable, proposal_moved_on


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


def _checked(row: models.Model, prefix: str, exclude: list[str]) -> models.Model:
    """The row's own validation (lengths, ranges, dates) as the domain's refusal, naming the field as the form
    does (``kennzahlen-0-zielwert``)."""
    try:
        row.full_clean(exclude=exclude)
    except ValidationError as exc:
        errors = exc.error_dict if hasattr(exc, "error_dict") else {None: exc.error_list}
        name, messages = next(iter(errors.items()))
        where = f"{prefix}-{name}" if name else prefix
        raise Invalid(ValidationError(messages).messages[0], field=where) from exc
    return row


def steckbrief_save(*, actor: User, kernaktivitaet: Kernaktivitaet, data: SteckbriefInput) -> Steckbrief:
    """Save the Steckbrief of a proposal as it stands (a draft: missing parts are allowed); its lists are
    replaced as a whole, as the form sends them."""
    with transaction.atomic():
        ka = Kernaktivitaet.objects.select_for_update(of=("self",)).get(pk=kernaktivitaet.pk)
        verdict = rights.may(actor, Action.EDIT, ka)
        if not verdict:
            raise Refused(verdict.message)
        if not proposal_editable(actor=actor, ka=ka):
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
        _checked(profile, "steckbrief", exclude=["kernaktivitaet"])
        profile.save()
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


def steckbrief_freeze(*, actor: User, kernaktivitaet: Kernaktivitaet) -> SteckbriefVersion:
    """Freeze the Steckbrief of a KA as its next numbered version, in the transaction of the submission that
    calls it (which holds the KA's row lock, so the numbers follow each other). Refused with every missing
    part when it is incomplete."""
    ka = steckbrief_queryset().get(pk=kernaktivitaet.pk)
    document = snapshot(ka)
    problems = missing(document, themen())
    if problems:
        raise Incomplete(
            _("Der Steckbrief ist noch nicht vollständig."),
            [(problem.field, problem.message) for problem in problems],
        )
    last: Any = (
        SteckbriefVersion.objects.filter(kernaktivitaet=ka)
        .order_by("-nummer")
        .values_list("nummer", flat=True)
        .first()
    )
    return SteckbriefVersion.objects.create(
        kernaktivitaet=ka, nummer=(last or 0) + 1, inhalt=document, eingereicht_von=actor
    )
