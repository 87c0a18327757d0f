"""The dashboard's numbers (charts in ``governance.charts``): status counts, the strategy map, the burn-up
of the tranches, the overdue reports, and the version that keys its cache."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from django.db import connection
from django.db.models import (
    Count,
    F,
    Q,
    QuerySet,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.urls import reverse
from django.utils.translation import gettext as _

from ..models import (
    AuditEvent,
    KaStatus,
    Kernaktivitaet,
    Kompetenz,
    Querschnittsthema,
    Schwerpunkt,
    Statusbericht,
    Tranche,
)
from ..models.strategy import MAX_SCHWERPUNKTE_PER_KOMPETENZ


def kompetenz_list_with_status_counts(*, visible: Q | None = None) -> QuerySet[Kompetenz]:
    """Kompetenzen with the number of their KA per status, in one query, counting only the KA in
    ``visible`` (what the reader may see: the start page and the dashboard count what the overview lists)."""
    seen = Q(kernaktivitaeten__in=Kernaktivitaet.objects.filter(visible).values("pk")) if visible else Q()
    return Kompetenz.objects.order_by("position").annotate(
        ka_total=Count("kernaktivitaeten", filter=seen),
        **{
            f"ka_{status.value}": Count("kernaktivitaeten", filter=seen & Q(kernaktivitaeten__status=status))
            for status in KaStatus
        },
    )


# --- Pages of the web app: overview, KA page, dashboard -----------------------------------------------------

KA_GOAL_2030 = 125


def statusbericht_overdue_list(*, today: date, visible: Q | None = None) -> QuerySet[Statusbericht]:
    """Reports owed and past their deadline, the longest overdue first (of the KA in ``visible``)."""
    reports = Statusbericht.objects.all()
    if visible is not None:
        reports = reports.filter(kernaktivitaet__in=Kernaktivitaet.objects.filter(visible))
    return (
        reports.filter(Statusbericht.overdue_q(today))
        .select_related("kernaktivitaet__kompetenz")
        .annotate(frist_effektiv=Coalesce("nachreichen_bis", "faellig_am"))
        .order_by("frist_effektiv", "kernaktivitaet__code")
    )


# Squares per cell: two rows of the map's cell; the rest is a count with a link to the filtered list.
MAP_CELL_LIMIT = 12


@dataclass(frozen=True)
class MapKa:
    """A KA as the strategy map shows it (light: the map reads every KA)."""

    code: str
    status: str
    status_label: str
    url: str

    def get_status_display(self) -> str:
        return self.status_label


@dataclass
class MapCell:
    position: int
    schwerpunkt: Schwerpunkt | None
    kernaktivitaeten: list[MapKa]
    total: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.kernaktivitaeten)


@dataclass
class MapRow:
    kompetenz: Kompetenz
    cells: list[MapCell]
    without_schwerpunkt: MapCell


def strategy_map(
    *, slots: int = MAX_SCHWERPUNKTE_PER_KOMPETENZ, limit: int = MAP_CELL_LIMIT, visible: Q | None = None
) -> list[MapRow]:
    """The 5×5 map Kompetenz × Schwerpunkt with the KA of each cell, at most ``limit`` named per cell.

    Four queries; the database counts the cells and picks the first KA of each, whatever the number of KA."""
    kompetenzen = list(Kompetenz.objects.order_by("position"))
    schwerpunkte = {(s.kompetenz_id, s.position): s for s in Schwerpunkt.objects.all()}
    ka_by_slot: dict[tuple[int, int | None], list[MapKa]] = defaultdict(list)
    labels = {status.value: str(status.label) for status in KaStatus}
    url_pattern = reverse("governance:ka_detail", args=["CODE"])
    rows = Kernaktivitaet.objects.filter(visible if visible is not None else Q())
    totals: dict[tuple[int, int | None], int] = {
        (kompetenz_id, position): count
        for kompetenz_id, position, count in rows.order_by()
        .values_list("kompetenz_id", "schwerpunkt__position")
        .annotate(count=Count("pk"))
    }
    first_of_cell = (
        rows.annotate(
            place=Window(
                RowNumber(),
                partition_by=[F("kompetenz_id"), F("schwerpunkt__position")],
                order_by=F("code").asc(),
            )
        )
        .filter(place__lte=limit)
        .order_by("code")
    )
    for code, status, kompetenz_id, position in first_of_cell.values_list(
        "code", "status", "kompetenz_id", "schwerpunkt__position"
    ):
        ka_by_slot[(kompetenz_id, position)].append(
            MapKa(code, status, labels[status], url_pattern.replace("CODE", quote(code)))
        )

    def cell(kompetenz: Kompetenz, position: int | None) -> MapCell:
        slot = (kompetenz.pk, position)
        return MapCell(
            position=position or 0,
            schwerpunkt=schwerpunkte.get(slot) if position else None,  # type: ignore[arg-type]
            kernaktivitaeten=ka_by_slot.get(slot, []),
            total=totals.get(slot, 0),
        )

    return [
        MapRow(
            kompetenz=kompetenz,
            cells=[cell(kompetenz, position) for position in range(1, slots + 1)],
            without_schwerpunkt=cell(kompetenz, None),
        )
        for kompetenz in kompetenzen
    ]


@dataclass
class BurnupPoint:
    label: str
    planned: int
    decided: int
    running: int
    done: int


def tranche_burnup(*, visible: Q | None = None) -> list[BurnupPoint]:
    """Cumulative KA decided, running and done per tranche against the plan, of the KA in ``visible``
    (two queries).

    KA without a recorded tranche come first: the strategy's sources name the tranche of only some KA
    decided before this product recorded them (see the note under the dashboard's table)."""
    counts: dict[tuple[int | None, str], int] = {
        (row["tranche_id"], row["status"]): row["n"]
        for row in Kernaktivitaet.objects.filter(visible or Q())
        .order_by()
        .values("tranche_id", "status")
        .annotate(n=Count("pk"))
    }
    points: list[BurnupPoint] = []
    buckets: list[tuple[str, int | None, int]] = []
    if any(tranche_id is None for tranche_id, _status in counts):
        buckets.append((str(_("Tranche nicht erfasst")), None, 0))
    buckets.extend((str(t), t.pk, t.geplante_anzahl) for t in Tranche.objects.order_by("nummer"))
    planned = decided = running = done = 0
    for label, tranche_id, tranche_planned in buckets:

        def count(statuses: tuple[KaStatus, ...], tranche_id: int | None = tranche_id) -> int:
            return sum(counts.get((tranche_id, status.value), 0) for status in statuses)

        planned += tranche_planned
        decided += count(KaStatus.council_decided())
        running += count((KaStatus.RUNNING,))
        done += count((KaStatus.DONE,))
        points.append(BurnupPoint(label, planned, decided, running, done))
    return points


def tranche_next_open() -> Tranche | None:
    """The first tranche that has room for another KA (fewer KA than planned), the council form's default
    (one query)."""
    return (
        Tranche.objects.annotate(ka_count=Count("kernaktivitaeten"))
        .filter(ka_count__lt=F("geplante_anzahl"))
        .order_by("nummer")
        .first()
    )


def querschnittsthema_counts_per_kompetenz(
    *, visible: Q | None = None
) -> tuple[list[Querschnittsthema], list[tuple[Kompetenz, list[int]]]]:
    """How many KA of each Kompetenz serve each Querschnittsthema, of the KA in ``visible`` (3 queries)."""
    themen = list(Querschnittsthema.objects.order_by("position"))
    kompetenzen = list(Kompetenz.objects.order_by("position"))
    through = Kernaktivitaet.querschnittsthemen.through
    counts = {
        (row["kernaktivitaet__kompetenz_id"], row["querschnittsthema_id"]): row["n"]
        for row in through.objects.filter(kernaktivitaet__in=Kernaktivitaet.objects.filter(visible or Q()))
        .order_by()
        .values("kernaktivitaet__kompetenz_id", "querschnittsthema_id")
        .annotate(n=Count("pk"))
    }
    return themen, [(k, [counts.get((k.pk, t.pk), 0) for t in themen]) for k in kompetenzen]


def dashboard_data_version(*, today: date) -> str:
    """A key that changes whenever what the dashboard shows may have changed (one query).

    KA are counted and carry their last change; every decision, resolution and report step writes an audit
    event; new due reports get new ids; admin edits of reference data (names, tranche plans) leave an admin
    log entry; and reports fall overdue by the day."""
    from django.contrib.admin.models import LogEntry

    tables = {
        "ka": Kernaktivitaet._meta.db_table,
        "event": AuditEvent._meta.db_table,
        "bericht": Statusbericht._meta.db_table,
        "admin": LogEntry._meta.db_table,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT (SELECT COUNT(*) FROM {tables["ka"]}), (SELECT MAX(geaendert_am) FROM {tables["ka"]}),
                       (SELECT MAX(id) FROM {tables["event"]}), (SELECT MAX(id) FROM {tables["bericht"]}),
                       (SELECT MAX(id) FROM {tables["admin"]})"""
        )
        row = cursor.fetchone()
    return ":".join(str(value) for value in (today.isoformat(), *row)).replace(" ", "_")
