"""Parsing and validation of the Bochum Strategie data file, before anything is written."""

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

DEFAULT_DATA_FILE = Path(__file__).resolve().parent / "data" / "bochum-strategie.json"

STATUS_WORDS = {
    "umgesetzt": "done",
    "laufend": "running",
    "eingestellt": "stopped",
    "ueberfuehrt": "merged",
}
MERGE_TARGET_STATUSES = {"running", "done"}


class StrategyDataError(ValueError):
    """The data file is malformed; the message names the bad entry."""


@dataclass(frozen=True)
class KompetenzData:
    key: str
    code: str
    name: str
    position: int
    schwerpunkte: list[str]
    ziele_1_0: list[str]
    ziele_2_0: list[str]


@dataclass(frozen=True)
class KaData:
    code: str
    kompetenz: str
    nummer: int | None
    titel: str
    status: str
    tranche: int | None
    linienverantwortung: str | None
    ueberfuehrt_in: str | None


@dataclass(frozen=True)
class TrancheData:
    nummer: int
    kurzname: str
    beschlusszeitraum: str
    geplante_anzahl: int


@dataclass(frozen=True)
class StrategyData:
    name: str
    zeithorizont: int
    ziele: list[str]
    versionen: list[tuple[str, dt.date, str]]
    querschnittsthemen: list[str]
    tranchen: list[TrancheData]
    meilensteine: list[tuple[str, str]]
    gremien: list[tuple[str, str, str]]
    organisationen: list[tuple[str, str]]
    kompetenzen: list[KompetenzData]
    kernaktivitaeten: list[KaData] = field(default_factory=list)


GREMIUM_ART_BY_PREFIX = [
    ("Rat", "rat"),
    ("Strategiebeirat", "strategiebeirat"),
    ("Verwaltungsvorstand", "verwaltungsvorstand"),
    ("Strategiezirkel", "strategiezirkel"),
    ("Externes Fachbüro", "fachbuero"),
    ("Strategiebezogene Arbeitsgruppen", "arbeitsgruppe"),
    ("Projektgruppen", "projektgruppe"),
]


def _fail(where: str, problem: str) -> StrategyDataError:
    return StrategyDataError(_("Fehler in %(where)s: %(problem)s") % {"where": where, "problem": problem})


def _text(entry: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = entry.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, _("das Feld „%(key)s“ fehlt oder ist kein Text") % {"key": key})
    return value.strip()


def _texts(entry: dict[str, Any], key: str, where: str) -> list[str]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(where, _("das Feld „%(key)s“ ist keine Liste von Texten") % {"key": key})
    return [v.strip() for v in value]


def _month(value: str, where: str) -> dt.date:
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except (TypeError, ValueError):
        raise _fail(where, _("„%(value)s“ ist kein Monat der Form JJJJ-MM") % {"value": value}) from None


def _optional_int(entry: dict[str, Any], key: str, where: str) -> int | None:
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _fail(where, _("„%(key)s“ ist keine positive ganze Zahl") % {"key": key})
    return value


def _kompetenz(entry: Any, position: int) -> KompetenzData:
    where = _("Kompetenz Nr. %(n)s") % {"n": position}
    if not isinstance(entry, dict):
        raise _fail(where, _("kein Objekt"))
    key = _text(entry, "key", where)
    where = _("Kompetenz „%(key)s“") % {"key": key}
    schwerpunkte = _texts(entry, "schwerpunkte", where)
    if len(schwerpunkte) > 5:
        raise _fail(where, _("mehr als fünf Schwerpunkte"))
    if len(set(schwerpunkte)) != len(schwerpunkte):
        raise _fail(where, _("ein Schwerpunkt steht doppelt"))
    code = _text(entry, "code", where)
    if len(code) != 3:
        raise _fail(where, _("das Kürzel hat nicht drei Zeichen"))
    return KompetenzData(
        key=key,
        code=code,
        name=_text(entry, "name", where),
        position=position,
        schwerpunkte=schwerpunkte,
        ziele_1_0=_texts(entry, "strategische_ziele", where),
        ziele_2_0=_texts(entry, "strategische_ziele_2_0", where),
    )


def _kernaktivitaet(
    entry: Any, index: int, kompetenz_keys: set[str], tranchen: set[int], orgs: set[str]
) -> KaData:
    where = _("Kernaktivität Nr. %(n)s der Liste") % {"n": index}
    if not isinstance(entry, dict):
        raise _fail(where, _("kein Objekt"))
    code = _text(entry, "code", where)
    where = _("Kernaktivität „%(code)s“") % {"code": code}
    kompetenz = _text(entry, "kompetenz", where)
    if kompetenz not in kompetenz_keys:
        raise _fail(where, _("unbekannte Kompetenz „%(k)s“") % {"k": kompetenz})
    status_word = _text(entry, "status", where)
    if status_word not in STATUS_WORDS:
        raise _fail(where, _("unbekannter Status „%(s)s“") % {"s": status_word})
    tranche = _optional_int(entry, "tranche", where)
    if tranche is not None and tranche not in tranchen:
        raise _fail(where, _("unbekannte Tranche %(t)s") % {"t": tranche})
    linie = _text(entry, "linienverantwortung", where, required=False) or None
    if linie is not None and linie not in orgs:
        raise _fail(where, _("unbekannte Organisationseinheit „%(o)s“") % {"o": linie})
    target = _text(entry, "ueberfuehrt_in", where, required=False) or None
    if (status_word == "ueberfuehrt") != (target is not None):
        raise _fail(where, _("eine überführte KA nennt genau ein Ziel in „ueberfuehrt_in“, andere keins"))
    return KaData(
        code=code,
        kompetenz=kompetenz,
        nummer=_optional_int(entry, "nummer", where),
        titel=_text(entry, "titel", where),
        status=STATUS_WORDS[status_word],
        tranche=tranche,
        linienverantwortung=linie,
        ueberfuehrt_in=target,
    )


def _gremium_art(name: str, where: str) -> str:
    for prefix, art in GREMIUM_ART_BY_PREFIX:
        if name.startswith(prefix):
            return art
    raise _fail(where, _("unbekannte Art des Gremiums „%(n)s“") % {"n": name})


def parse_strategy(raw: Any) -> StrategyData:
    if not isinstance(raw, dict):
        raise _fail(_("der Datei"), _("die oberste Ebene ist kein Objekt"))
    strategie = raw.get("strategie")
    if not isinstance(strategie, dict):
        raise _fail("strategie", _("kein Objekt"))
    versionen = []
    for entry in strategie.get("versionen", []):
        where = _("Strategie-Version %(v)s") % {
            "v": entry.get("version") if isinstance(entry, dict) else entry
        }
        if not isinstance(entry, dict):
            raise _fail(where, _("kein Objekt"))
        month = str(entry.get("ratsbeschluss") or entry.get("beschluss") or "")
        versionen.append((_text(entry, "version", where), _month(month, where), entry.get("anlass", "")))
    if not versionen:
        raise _fail("strategie", _("keine Versionen"))

    tranchen = []
    for entry in raw.get("tranchen", []):
        where = _("Tranche %(t)s") % {"t": entry.get("nummer") if isinstance(entry, dict) else entry}
        if not isinstance(entry, dict):
            raise _fail(where, _("kein Objekt"))
        nummer = _optional_int(entry, "nummer", where)
        if nummer is None:
            raise _fail(where, _("die Nummer fehlt"))
        tranchen.append(
            TrancheData(
                nummer=nummer,
                kurzname=entry.get("kurzname", ""),
                beschlusszeitraum=entry.get("ratsbeschluss") or entry.get("beschluesse") or "",
                geplante_anzahl=_optional_int(entry, "anzahl_ka", where) or 25,
            )
        )

    organisationen = []
    for index, entry in enumerate(raw.get("organisationen", []), start=1):
        where = _("Organisationseinheit Nr. %(n)s") % {"n": index}
        if not isinstance(entry, dict) or entry.get("art") not in {"dezernat", "tochter"}:
            raise _fail(where, _("braucht „name“ und „art“ (dezernat oder tochter)"))
        organisationen.append((_text(entry, "name", where), entry["art"]))

    gremien = []
    for index, entry in enumerate(raw.get("gremien", []), start=1):
        where = _("Gremium Nr. %(n)s") % {"n": index}
        if not isinstance(entry, dict):
            raise _fail(where, _("kein Objekt"))
        name = _text(entry, "name", where)
        gremien.append((name, _gremium_art(name, where), entry.get("rolle", "")))

    meilensteine = []
    for index, entry in enumerate(raw.get("meilensteine", []), start=1):
        where = _("Meilenstein Nr. %(n)s") % {"n": index}
        if not isinstance(entry, dict):
            raise _fail(where, _("kein Objekt"))
        meilensteine.append((_text(entry, "datum", where), _text(entry, "ereignis", where)))

    kompetenzen_raw = raw.get("kompetenzen")
    if not isinstance(kompetenzen_raw, list) or not kompetenzen_raw:
        raise _fail("kompetenzen", _("keine Liste"))
    kompetenzen = [_kompetenz(entry, position) for position, entry in enumerate(kompetenzen_raw, start=1)]
    _unique([k.key for k in kompetenzen], "kompetenzen", _("Schlüssel"))
    _unique([k.code for k in kompetenzen], "kompetenzen", _("Kürzel"))

    kas_raw = raw.get("kernaktivitaeten")
    if not isinstance(kas_raw, list):
        raise _fail("kernaktivitaeten", _("keine Liste"))
    kas = [
        _kernaktivitaet(
            entry,
            index,
            {k.key for k in kompetenzen},
            {t.nummer for t in tranchen},
            {name for name, _art in organisationen},
        )
        for index, entry in enumerate(kas_raw, start=1)
    ]
    _unique([ka.code for ka in kas], "kernaktivitaeten", _("Kennung"))
    _unique(
        [f"{ka.kompetenz}/{ka.nummer}" for ka in kas if ka.nummer is not None],
        "kernaktivitaeten",
        _("Nummer"),
    )
    _check_merge_targets(kas)

    return StrategyData(
        name=_text(strategie, "name", "strategie"),
        zeithorizont=int(strategie.get("zeithorizont", 2030)),
        ziele=_texts(strategie, "ziele", "strategie"),
        versionen=versionen,
        querschnittsthemen=_texts(raw, "querschnittsthemen", "querschnittsthemen"),
        tranchen=tranchen,
        meilensteine=meilensteine,
        gremien=gremien,
        organisationen=organisationen,
        kompetenzen=kompetenzen,
        kernaktivitaeten=kas,
    )


def _unique(values: list[str], where: str, what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise _fail(where, _("%(what)s „%(value)s“ kommt doppelt vor") % {"what": what, "value": value})
        seen.add(value)


def _check_merge_targets(kas: list[KaData]) -> None:
    by_title = {ka.titel: ka for ka in kas}
    for ka in kas:
        if ka.ueberfuehrt_in is None:
            continue
        where = _("Kernaktivität „%(code)s“") % {"code": ka.code}
        target = by_title.get(ka.ueberfuehrt_in)
        if target is None:
            raise _fail(where, _("Ziel „%(t)s“ ist keine KA der Datei") % {"t": ka.ueberfuehrt_in})
        if target.code == ka.code:
            raise _fail(where, _("kann nicht in sich selbst überführt werden"))
        if target.status not in MERGE_TARGET_STATUSES:
            raise _fail(where, _("das Ziel einer Überführung muss laufen oder umgesetzt sein"))


def read_strategy_file(path: Path) -> StrategyData:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StrategyDataError(_("Die Datei %(path)s gibt es nicht.") % {"path": path}) from None
    except json.JSONDecodeError as error:
        raise StrategyDataError(
            _("Die Datei ist kein gültiges JSON (Zeile %(line)s, Spalte %(col)s): %(msg)s")
            % {"line": error.lineno, "col": error.colno, "msg": error.msg}
        ) from None
    return parse_strategy(raw)
