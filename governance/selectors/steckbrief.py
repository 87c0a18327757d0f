"""Which Steckbrief a page shows: the latest submitted version of a KA (what was or is being decided) and,
for a review, the version before it to show what changed. Each a fixed number of queries, however many
versions a KA has."""

from dataclasses import dataclass, field
from typing import Any

from ..models import Kernaktivitaet, SteckbriefVersion
from ..steckbrief import Change, Part, changes, readable

# What the public does not read in a version: the names of the city's staff.
INTERNAL_PARTS = frozenset({"projektleitung", "projektgruppe"})


@dataclass(frozen=True)
class VersionView:
    """A version as a page shows it: its number, who submitted it when, its parts, and what changed since
    the version before it (``previous`` is None for the first)."""

    version: SteckbriefVersion
    parts: list[Part]
    previous: int | None = None
    changes: list[Change] = field(default_factory=list)


def steckbrief_version_view(
    ka: Kernaktivitaet | int, *, internal: bool, with_changes: bool = False
) -> VersionView | None:
    """The latest version of ``ka`` (None before its first submission); with ``with_changes`` also what
    differs from the version before it."""
    ka_pk = ka if isinstance(ka, int) else ka.pk
    latest: list[Any] = list(
        SteckbriefVersion.objects.filter(kernaktivitaet_id=ka_pk)
        .select_related("eingereicht_von")
        .order_by("-nummer")[: 2 if with_changes else 1]
    )
    if not latest:
        return None
    version = latest[0]
    parts = [part for part in readable(version.inhalt) if internal or part.field not in INTERNAL_PARTS]
    if len(latest) < 2:
        return VersionView(version, parts)
    before = latest[1]
    return VersionView(version, parts, before.nummer, changes(before.inhalt, version.inhalt))


def steckbrief_version_list(ka: Kernaktivitaet | int) -> list[Any]:
    """Number and date of every version of ``ka``, newest first (not the documents)."""
    ka_pk = ka if isinstance(ka, int) else ka.pk
    return list(
        SteckbriefVersion.objects.filter(kernaktivitaet_id=ka_pk)
        .order_by("-nummer")
        .values("nummer", "eingereicht_am")
    )
