"""Reading a Projektsteckbrief: its content as one document (what a version freezes), what is still missing
before it can be submitted, and what changed between two versions, field by field.

The document holds text only (names, ISO dates, decimals as strings), so that a version reads the same
whatever happens later to the rows it was taken from, and two versions compare by equality.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Kernaktivitaet, Querschnittsthema
from .models.steckbrief import Richtung, Steckbrief, Wirkung

# The fields of the document in the order pages show them, with their labels.
FIELDS: dict[str, Promise] = {
    "titel": _("Titel"),
    "kompetenz": _("Kompetenz"),
    "schwerpunkt": _("Schwerpunkt"),
    "querschnittswirkungen": _("Querschnittsthemen"),
    "ausgangslage": _("Ausgangslage"),
    "ziele": _("Ziele (SMART)"),
    "massnahmen": _("Maßnahmen"),
    "risiken": _("Risiken"),
    "kennzahlen": _("Kennzahlen"),
    "meilensteine": _("Meilensteine"),
    "geplanter_start": _("geplanter Start"),
    "geplantes_ende": _("geplantes Ende"),
    "ressourcen": _("Ressourcen"),
    "personal_vzae": _("Personal (VZÄ)"),
    "linienverantwortung": _("Linienverantwortung"),
    "projektleitung": _("Projektleitung"),
    "projektgruppe": _("Mitglieder der Projektgruppe"),
    "partner": _("Partner"),
}
LIST_FIELDS = frozenset(
    {"querschnittswirkungen", "kennzahlen", "meilensteine", "ressourcen", "projektgruppe"}
)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        # 12.50 and 12.5 are the same amount: compare and show them alike.
        return format(value.normalize(), "f")
    return str(value)


def person_name(user: Any) -> str:
    """How pages and versions name a person: the full name, else the user name."""
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def steckbrief_queryset() -> Any:
    """KA with everything the document reads, in a fixed number of queries."""
    return Kernaktivitaet.objects.select_related(
        "kompetenz", "schwerpunkt", "linienverantwortung", "steckbrief__projektleitung"
    ).prefetch_related(
        "steckbrief__mitglieder",
        "steckbrief__querschnittswirkungen__querschnittsthema",
        "steckbrief__kennzahlen",
        "steckbrief__meilensteine",
        "steckbrief__ressourcen",
    )


def snapshot(ka: Kernaktivitaet) -> dict[str, Any]:
    """The Steckbrief of ``ka`` as one document (read ``ka`` through ``steckbrief_queryset``).

    Besides the fields it keeps the ids of the planned lead and members (``ORGANISATION_IDS``): the council's
    resolution gives the project group's rights to the people of the version it adopted."""
    profile: Steckbrief | None = getattr(ka, "steckbrief", None)
    wirkungen = list(profile.querschnittswirkungen.all()) if profile else []
    lead = profile.projektleitung if profile else None
    members = sorted(profile.mitglieder.all(), key=lambda user: user.pk) if profile else []
    return {
        "titel": ka.titel,
        "kompetenz": ka.kompetenz.name,
        "schwerpunkt": ka.schwerpunkt.name if ka.schwerpunkt else "",
        "querschnittswirkungen": [
            {
                "thema": wirkung.querschnittsthema.name,
                "wirkung": wirkung.wirkung,
                "begruendung": wirkung.begruendung,
            }
            for wirkung in wirkungen
        ],
        "ausgangslage": profile.ausgangslage if profile else "",
        "ziele": ka.smart_ziele,
        "massnahmen": profile.massnahmen if profile else "",
        "risiken": profile.risiken if profile else "",
        "kennzahlen": [
            {
                "name": kennzahl.name,
                "einheit": kennzahl.einheit,
                "ausgangswert": _text(kennzahl.ausgangswert),
                "ausgangsdatum": _text(kennzahl.ausgangsdatum),
                "zielwert": _text(kennzahl.zielwert),
                "zieldatum": _text(kennzahl.zieldatum),
                "richtung": kennzahl.richtung,
                "datenquelle": kennzahl.datenquelle,
            }
            for kennzahl in (profile.kennzahlen.all() if profile else [])
        ],
        "meilensteine": [
            {"name": meilenstein.name, "geplant_am": _text(meilenstein.geplant_am)}
            for meilenstein in (profile.meilensteine.all() if profile else [])
        ],
        "geplanter_start": _text(ka.geplanter_start),
        "geplantes_ende": _text(ka.geplantes_ende),
        "ressourcen": [
            {
                "jahr": jahr.jahr,
                "kosten_eur": _text(jahr.kosten_eur),
                "haushalt_eur": _text(jahr.haushalt_eur),
                "foerdermittel_eur": _text(jahr.foerdermittel_eur),
                "dritte_eur": _text(jahr.dritte_eur),
            }
            for jahr in (profile.ressourcen.all() if profile else [])
        ],
        "personal_vzae": _text(profile.personal_vzae) if profile else "",
        "linienverantwortung": ka.linienverantwortung.name if ka.linienverantwortung else "",
        "projektleitung": person_name(lead),
        "projektgruppe": sorted(person_name(member) for member in members),
        "partner": ka.externe_partner,
        "projektleitung_id": lead.pk if lead else None,
        "projektgruppe_ids": [member.pk for member in members],
    }


# ------------------------------------------------------------------------------------- what is missing


@dataclass(frozen=True)
class Missing:
    """A part of the Steckbrief that must be there before it is submitted; ``field`` names the form field."""

    field: str
    message: str


REQUIRED_TEXT: dict[str, Promise] = {
    "schwerpunkt": _("Bitte wählen Sie den Schwerpunkt."),
    "ausgangslage": _("Bitte beschreiben Sie die Ausgangslage."),
    "ziele": _("Bitte nennen Sie die Ziele (SMART)."),
    "massnahmen": _("Bitte nennen Sie die Maßnahmen."),
    "risiken": _("Bitte nennen Sie die Risiken."),
    "geplantes_ende": _("Bitte geben Sie das geplante Ende an."),
    "linienverantwortung": _("Bitte wählen Sie die Linienverantwortung."),
    "projektleitung": _("Bitte nennen Sie die Projektleitung."),
}


def missing(document: dict[str, Any], themen: list[str]) -> list[Missing]:
    """What the document still lacks for a submission, in the order of the form. ``themen`` are the names of
    the strategy's Querschnittsthemen: each needs an expected effect."""
    found = [
        Missing(name, str(message)) for name, message in REQUIRED_TEXT.items() if not document[name].strip()
    ]
    rated = {wirkung["thema"] for wirkung in document["querschnittswirkungen"]}
    found.extend(
        Missing(
            "querschnittswirkungen",
            str(_("Bitte schätzen Sie die Wirkung auf „%(thema)s“ ein.") % {"thema": thema}),
        )
        for thema in themen
        if thema not in rated
    )
    if not document["kennzahlen"]:
        found.append(Missing("kennzahlen", str(_("Bitte nennen Sie mindestens eine Kennzahl."))))
    if not document["meilensteine"]:
        found.append(Missing("meilensteine", str(_("Bitte nennen Sie mindestens einen Meilenstein."))))
    elif (
        document["geplantes_ende"]
        and max(m["geplant_am"] for m in document["meilensteine"]) > (document["geplantes_ende"])
    ):
        found.append(
            Missing(
                "meilensteine",
                str(_("Der letzte Meilenstein liegt nach dem geplanten Ende des Vorhabens.")),
            )
        )
    if not document["ressourcen"]:
        found.append(Missing("ressourcen", str(_("Bitte planen Sie die Kosten mindestens eines Jahres."))))
    # A summary above the form lists them in the order of its fields.
    order = list(FIELDS)
    return sorted(found, key=lambda item: order.index(item.field))


def themen() -> list[str]:
    """The names of the strategy's Querschnittsthemen, each of which a Steckbrief must rate."""
    return list(Querschnittsthema.objects.order_by("position").values_list("name", flat=True))


# ------------------------------------------------------------------------------------- what changed


@dataclass(frozen=True)
class Change:
    """One field that differs between two versions: its label and the lines removed and added (a text
    field is one line; a list field one line per entry, so that only the entries that changed show)."""

    field: str
    label: str
    removed: list[str]
    added: list[str]


def _lines(name: str, value: Any) -> list[str]:
    if name not in LIST_FIELDS:
        text = _text(value)
        return [text] if text else []
    if not isinstance(value, list):
        return []
    return [_entry(name, item) for item in value]


def _entry(name: str, item: Any) -> str:
    if name == "querschnittswirkungen":
        return f"{item['thema']}: {Wirkung(item['wirkung']).label} – {item['begruendung']}"
    if name == "kennzahlen":
        return str(
            _(
                "%(name)s: %(ausgangswert)s %(einheit)s (%(ausgangsdatum)s) → %(zielwert)s %(einheit)s "
                "(%(zieldatum)s), %(richtung)s, Quelle: %(datenquelle)s"
            )
            % {**item, "richtung": Richtung(item["richtung"]).label}
        )
    if name == "meilensteine":
        return f"{item['name']}: {item['geplant_am']}"
    if name == "ressourcen":
        return str(
            _(
                "%(jahr)s: %(kosten_eur)s € (Haushalt %(haushalt_eur)s €, "
                "Fördermittel %(foerdermittel_eur)s €, Dritte %(dritte_eur)s €)"
            )
            % item
        )
    return str(item)


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """The fields that differ between two documents, in the order of the form."""
    found = []
    for name, label in FIELDS.items():
        old, new = _lines(name, before.get(name, "")), _lines(name, after.get(name, ""))
        if old == new:
            continue
        found.append(
            Change(
                field=name,
                label=str(label),
                removed=[line for line in old if line not in new],
                added=[line for line in new if line not in old],
            )
        )
    return found


# ------------------------------------------------------------------------------------- reading a version


@dataclass(frozen=True)
class Part:
    """One field of a document as pages show it: a text (maybe several paragraphs) or a line per entry."""

    field: str
    label: str
    lines: list[str]
    is_list: bool


def readable(document: dict[str, Any]) -> list[Part]:
    """The document's fields in the order of the form, each as lines of text a page can show as it is."""
    return [
        Part(name, str(label), _lines(name, document.get(name, "")), name in LIST_FIELDS)
        for name, label in FIELDS.items()
    ]
