"""Every write of the governance domain (KA status excepted: that belongs to workflow.lifecycle)."""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import models, transaction

from .models import (
    Gremium,
    Kernaktivitaet,
    Kompetenz,
    Meilenstein,
    Organisationseinheit,
    Querschnittsthema,
    Schwerpunkt,
    Strategie,
    StrategischesZiel,
    Tranche,
)
from .strategy_data import StrategyData

M = TypeVar("M", bound=models.Model)


@dataclass
class LoadReport:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def lines(self) -> list[str]:
        names = sorted(set(self.created) | set(self.updated))
        return [f"{name}: {self.created[name]} neu, {self.updated[name]} aktualisiert" for name in names]


def _upsert(report: LoadReport, model: type[M], lookup: dict[str, Any], values: dict[str, Any]) -> M:
    """Create or update one row, touching the database only where a value differs."""
    label = str(model._meta.verbose_name_plural)
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model._default_manager.create(**lookup, **values)
        report.created[label] += 1
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        report.updated[label] += 1
    return obj


def _set_m2m(report: LoadReport, obj: models.Model, name: str, targets: list[models.Model]) -> None:
    manager = getattr(obj, name)
    if {t.pk for t in manager.all()} != {t.pk for t in targets}:
        manager.set(targets)
        report.updated[str(obj._meta.verbose_name_plural)] += 1


@transaction.atomic
def strategy_load(*, data: StrategyData) -> LoadReport:
    """Bring the database in line with the strategy data; a second run with the same data changes nothing.

    Existing KA keep their status: after creation only the lifecycle moves it.
    """
    report = LoadReport()
    strategien = {
        version: _upsert(
            report,
            Strategie,
            {"version": version},
            {"name": data.name, "beschlossen_im": month, "anlass": anlass, "zeithorizont": data.zeithorizont},
        )
        for version, month, anlass in data.versionen
    }
    for position, text in enumerate(data.ziele, start=1):
        for strategie in strategien.values():
            _upsert(
                report,
                StrategischesZiel,
                {"strategie": strategie, "kompetenz": None, "text": text},
                {"position": position},
            )

    for position, name in enumerate(data.querschnittsthemen, start=1):
        _upsert(report, Querschnittsthema, {"name": name}, {"position": position})
    tranchen = {
        t.nummer: _upsert(
            report,
            Tranche,
            {"nummer": t.nummer},
            {
                "kurzname": t.kurzname,
                "beschlusszeitraum": t.beschlusszeitraum,
                "geplante_anzahl": t.geplante_anzahl,
            },
        )
        for t in data.tranchen
    }
    for position, (zeitpunkt, ereignis) in enumerate(data.meilensteine, start=1):
        _upsert(report, Meilenstein, {"position": position}, {"zeitpunkt": zeitpunkt, "ereignis": ereignis})
    for name, art, rolle in data.gremien:
        _upsert(report, Gremium, {"name": name}, {"art": art, "rolle": rolle})
    organisationen = {
        name: _upsert(report, Organisationseinheit, {"name": name}, {"art": art})
        for name, art in data.organisationen
    }

    kompetenzen: dict[str, Kompetenz] = {}
    for k in data.kompetenzen:
        kompetenz = _upsert(
            report, Kompetenz, {"key": k.key}, {"code": k.code, "name": k.name, "position": k.position}
        )
        kompetenzen[k.key] = kompetenz
        for position, name in enumerate(k.schwerpunkte, start=1):
            _upsert(report, Schwerpunkt, {"kompetenz": kompetenz, "position": position}, {"name": name})
        for version, ziele in (("1.0", k.ziele_1_0), ("2.0", k.ziele_2_0)):
            if version not in strategien:
                continue
            for position, text in enumerate(ziele, start=1):
                _upsert(
                    report,
                    StrategischesZiel,
                    {"strategie": strategien[version], "kompetenz": kompetenz, "text": text},
                    {"position": position},
                )

    # Targets first, so that a merged KA can point to its target inside the same run.
    by_title: dict[str, Kernaktivitaet] = {}
    ordered = sorted(data.kernaktivitaeten, key=lambda ka: ka.ueberfuehrt_in is not None)
    for ka in ordered:
        values: dict[str, Any] = {
            "nummer": ka.nummer,
            "titel": ka.titel,
            "kompetenz": kompetenzen[ka.kompetenz],
            "tranche": tranchen[ka.tranche] if ka.tranche is not None else None,
            "linienverantwortung": organisationen[ka.linienverantwortung] if ka.linienverantwortung else None,
        }
        existing = Kernaktivitaet.objects.filter(code=ka.code).first()
        if existing is None:
            target = by_title[ka.ueberfuehrt_in] if ka.ueberfuehrt_in else None
            obj = Kernaktivitaet.objects.create(
                code=ka.code, status=ka.status, ueberfuehrt_in=target, **values
            )
            report.created[str(Kernaktivitaet._meta.verbose_name_plural)] += 1
        else:
            obj = _upsert(report, Kernaktivitaet, {"code": ka.code}, values)
        by_title[ka.titel] = obj
    return report
