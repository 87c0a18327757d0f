"""Reads of the governance domain that are more than a get, each with a fixed number of queries."""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.urls import reverse
from django.utils.translation import gettext as _

from .inputs import page_number
from .models import (
    AuditEvent,
    KaStatus,
    Kernaktivitaet,
    Kompetenz,
    Querschnittsthema,
    Resolution,
    Schwerpunkt,
    Statusbericht,
    Tranche,
)
from .models.strategy import MAX_SCHWERPUNKTE_PER_KOMPETENZ


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

KA_SORT_FIELDS: dict[str, tuple[str, ...]] = {
    "code": ("code",),
    "titel": ("titel", "code"),
    "kompetenz": ("kompetenz__position", "code"),
    "status": ("status_position", "code"),
    "tranche": ("tranche__nummer", "code"),
}
DEFAULT_KA_SORT = "kompetenz"

# The main path of the lifecycle, in order; terminal side exits are appended where they happen.
KA_MAIN_PATH: tuple[KaStatus, ...] = (
    KaStatus.PROPOSED,
    KaStatus.ZIRKEL_REVIEW,
    KaStatus.BOARD_DECISION,
    KaStatus.COUNCIL,
    KaStatus.RUNNING,
    KaStatus.DONE,
)
KA_STATUS_ORDER: tuple[KaStatus, ...] = (*KA_MAIN_PATH, KaStatus.STOPPED, KaStatus.MERGED, KaStatus.REJECTED)
# KA the council has decided (the 2030 goal counts these): running or beyond.
KA_DECIDED_STATUSES: tuple[KaStatus, ...] = (
    KaStatus.RUNNING,
    KaStatus.DONE,
    KaStatus.STOPPED,
    KaStatus.MERGED,
)
KA_GOAL_2030 = 125


def _status_position() -> Case:
    return Case(
        *(When(status=status, then=Value(index)) for index, status in enumerate(KA_STATUS_ORDER)),
        default=Value(len(KA_STATUS_ORDER)),
        output_field=IntegerField(),
    )


@dataclass(frozen=True)
class KaFilter:
    """The filters of the KA overview, already parsed and validated by the view's form."""

    search: str = ""
    kompetenz: Kompetenz | None = None
    schwerpunkt: Schwerpunkt | None = None
    status: str = ""
    querschnittsthema: Querschnittsthema | None = None
    tranche: Tranche | None = None
    overdue: bool = False
    sort: str = DEFAULT_KA_SORT
    descending: bool = False


def _ka_search(queryset: QuerySet[Kernaktivitaet], search: str) -> QuerySet[Kernaktivitaet]:
    """Full-text search on PostgreSQL (German stemming), a case-insensitive substring search elsewhere."""
    code_match = Q(code__iexact=search) | Q(code__istartswith=search)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        # The expression of the GIN index ka_search_document_idx (migration governance 0004): keep them equal.
        vector = SearchVector("titel", "beschreibung", "smart_ziele", config="german")
        words = re.findall(r"\w+", search)
        if not words:
            return queryset.filter(code_match)
        # Each word, also as the start of a longer one ("Markt" finds "Markthalle"); \w+ keeps out operators.
        query = SearchQuery(" & ".join(f"{word}:*" for word in words), config="german", search_type="raw")
        # As a subquery, the index answers the text search alone; OR-ed into the outer query, PostgreSQL
        # would compute the document of every matching KA again (325 ms against 4 ms for 10,000 hits).
        matches = Kernaktivitaet.objects.annotate(search_document=vector).filter(search_document=query)
        return queryset.filter(Q(pk__in=matches.values("pk")) | code_match)
    return queryset.filter(
        code_match
        | Q(titel__icontains=search)
        | Q(beschreibung__icontains=search)
        | Q(smart_ziele__icontains=search)
    )


# From the council on, a KA is public record; before, it is the administration's internal preparation.


def kernaktivitaet_public_q() -> Q:
    """KA the public may see: those before the council or after it, and those the council rejected."""
    council_rejected = Exists(Resolution.objects.filter(kernaktivitaet=OuterRef("pk")))
    return Q(status__in=KaStatus.public()) | (Q(status=KaStatus.REJECTED) & Q(council_rejected))


PUBLIC_READERS = "public"
INTERNAL_READERS = "internal"


def kernaktivitaet_reader_group(user: Any) -> str:
    """Which KA a user sees, as a key: the public ones, every one (roles that read internal data), or the
    public ones plus the user's own ("user-<pk>"). Readers of one group see the same KA."""
    if not user.is_authenticated or not user.is_active:
        return PUBLIC_READERS
    if user.has_perm("governance.view_internal_kernaktivitaet"):
        return INTERNAL_READERS
    return f"user-{user.pk}"


def kernaktivitaet_object_permissions(user: Any, **lookup: Any) -> tuple[QuerySet[Any], QuerySet[Any]]:
    """The user's guardian object rights on KA, held directly and through a group (two querysets to
    combine), narrowed by ``lookup``."""
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import GroupObjectPermission, UserObjectPermission

    lookup["content_type"] = ContentType.objects.get_for_model(Kernaktivitaet)
    return (
        UserObjectPermission.objects.filter(user_id=user.pk, **lookup),
        GroupObjectPermission.objects.filter(group__user=user.pk, **lookup),
    )


def kernaktivitaet_visible_q(user: Any) -> Q:
    """KA this user may see: all for the roles that read internal data, otherwise the public ones plus the
    user's own (project group) and those of a Kompetenz they oversee."""
    visible = kernaktivitaet_public_q()
    readers = kernaktivitaet_reader_group(user)
    if readers == PUBLIC_READERS:
        return visible
    if readers == INTERNAL_READERS:
        return Q()
    from guardian.shortcuts import get_objects_for_user

    members = Kernaktivitaet.projektgruppe.through.objects.filter(
        kernaktivitaet_id=OuterRef("pk"), user_id=user.pk
    )
    overseen = get_objects_for_user(
        user, "governance.oversee_kompetenz", klass=Kompetenz, accept_global_perms=False
    )
    return visible | Q(projektleitung=user) | Q(Exists(members)) | Q(kompetenz__in=overseen.values("pk"))


def kernaktivitaet_list(
    *, filters: KaFilter, today: date, visible: Q | None = None
) -> QuerySet[Kernaktivitaet]:
    """The KA overview: filtered, searched and sorted, with the joins the table needs (one query per page,
    one for the count, one for the Querschnittsthemen)."""
    overdue_reports = Statusbericht.objects.filter(
        Statusbericht.overdue_q(today), kernaktivitaet=OuterRef("pk")
    )
    queryset: QuerySet[Kernaktivitaet] = (
        Kernaktivitaet.objects.select_related("kompetenz", "schwerpunkt", "tranche")
        .prefetch_related("querschnittsthemen")
        .annotate(has_overdue_report=Exists(overdue_reports), status_position=_status_position())
    )
    if visible is not None:
        queryset = queryset.filter(visible)
    if filters.kompetenz is not None:
        queryset = queryset.filter(kompetenz=filters.kompetenz)
    if filters.schwerpunkt is not None:
        queryset = queryset.filter(schwerpunkt=filters.schwerpunkt)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.querschnittsthema is not None:
        queryset = queryset.filter(
            pk__in=Kernaktivitaet.querschnittsthemen.through.objects.filter(
                querschnittsthema=filters.querschnittsthema
            ).values("kernaktivitaet_id")
        )
    if filters.tranche is not None:
        queryset = queryset.filter(tranche=filters.tranche)
    if filters.overdue:
        queryset = queryset.filter(Exists(overdue_reports))
    if filters.search:
        queryset = _ka_search(queryset, filters.search)
    fields = KA_SORT_FIELDS.get(filters.sort, KA_SORT_FIELDS[DEFAULT_KA_SORT])
    if filters.descending:
        fields = tuple(f"-{name}" if index == 0 else name for index, name in enumerate(fields))
    return queryset.order_by(*fields)


def kernaktivitaet_page(
    queryset: QuerySet[Kernaktivitaet], number: str | None, *, searching: bool, size: int
) -> Page:
    """One page of the overview and the total of its rows.

    Filter and sort run on the keys alone, then the page's rows are read by key: sorting the whole rows of
    10,000 KA with their texts spilled to disk (measured 46 ms against 8 ms for the keys). A full-text search
    runs once, with the total as a window count; without one, a plain count is cheaper than the window."""
    keys = queryset.prefetch_related(None).values_list("pk", flat=True)
    paginator = Paginator(keys, size)
    page: Page | None = None
    if searching:
        wanted = page_number(number)
        found = list(
            queryset.prefetch_related(None)
            .annotate(total_rows=Window(Count("pk")))
            .values_list("pk", "total_rows")[(wanted - 1) * size : wanted * size]
        )
        # Only a page number beyond the last page costs the count and a second query.
        if found or wanted == 1:
            paginator.__dict__["count"] = found[0][1] if found else 0
            page = Page([pk for pk, _total in found], wanted, paginator)
    if page is None:
        page = paginator.get_page(page_number(number))
    ids = list(page.object_list)
    rows = {ka.pk: ka for ka in queryset.order_by().filter(pk__in=ids)}
    page.object_list = [rows[pk] for pk in ids]
    return page


def kernaktivitaet_page_get(*, code: str, internal: bool) -> Kernaktivitaet:
    """One KA with everything its page shows; internal relations (project group) only when asked for.

    Raises Kernaktivitaet.DoesNotExist."""
    resolution_related = ("consultation__paper", "consultation__meeting", "consultation__agenda_item")
    report_queryset = Statusbericht.objects.order_by("-faellig_am")
    prefetches: list[str | Prefetch] = [
        "querschnittsthemen",
        Prefetch(
            "audit_events",
            queryset=AuditEvent.objects.select_related(
                "actor",
                "on_behalf_of",
                *(f"resolution__{name}" for name in resolution_related),
            ).order_by("-created_at", "-pk"),
        ),
        Prefetch(
            "resolutions",
            queryset=Resolution.objects.select_related(*resolution_related).order_by(
                "-consultation__meeting__start", "-pk"
            ),
        ),
        Prefetch("statusberichte", queryset=report_queryset),
        Prefetch(
            "aufgenommene_kernaktivitaeten",
            queryset=Kernaktivitaet.objects.order_by("code").prefetch_related(
                Prefetch("statusberichte", queryset=report_queryset)
            ),
        ),
    ]
    if internal:
        prefetches.append("projektgruppe")
    return (
        Kernaktivitaet.objects.select_related(
            "kompetenz",
            "schwerpunkt",
            "tranche",
            "linienverantwortung",
            "projektleitung",
            "ueberfuehrt_in",
        )
        .prefetch_related(*prefetches)
        .get(code=code)
    )


def kernaktivitaet_internal_visible(*, user: Any, ka: Kernaktivitaet) -> bool:
    """May this user read the internal data of the KA (texts, risks, people)?

    Globally (role), by an object right on the KA (own project group) or as owner of its Kompetenz."""
    if not user.is_authenticated or not user.is_active:
        return False
    perm = "governance.view_internal_kernaktivitaet"
    return bool(
        user.has_perm(perm)
        or user.has_perm(perm, ka)
        or user.has_perm("governance.oversee_kompetenz", ka.kompetenz)
    )


def kernaktivitaet_visible(*, user: Any, ka: Kernaktivitaet) -> bool:
    """May this user know the KA exists? Public KA for everyone, the others for those reading internal data.
    Pages answer 404 for a KA the user may not see, before they tell anything about its state."""
    return kernaktivitaet_is_public(ka) or kernaktivitaet_internal_visible(user=user, ka=ka)


def kernaktivitaet_is_public(ka: Kernaktivitaet) -> bool:
    if ka.status in KaStatus.public():
        return True
    return ka.status == KaStatus.REJECTED and any(True for _ in ka.resolutions.all())


@dataclass
class LifecycleStep:
    status: KaStatus
    state: str  # "done", "current" or "upcoming"
    terminal: bool


def kernaktivitaet_lifecycle_steps(ka: Kernaktivitaet) -> list[LifecycleStep]:
    """The steps of the KA's path through the lifecycle, its current step marked.

    Side exits (stopped, merged, rejected) replace the rest of the main path from where they left it; the
    state left is read from the audit trail, else the usual one is assumed."""
    current = KaStatus(ka.status)
    if current in KA_MAIN_PATH:
        path = list(KA_MAIN_PATH)
    else:
        left_from: KaStatus = KaStatus.COUNCIL if current == KaStatus.REJECTED else KaStatus.RUNNING
        for event in ka.audit_events.all():  # newest first
            if event.to_status == current and event.from_status in KA_MAIN_PATH:
                left_from = KaStatus(event.from_status)
                break
        path = [*KA_MAIN_PATH[: KA_MAIN_PATH.index(left_from) + 1], current]
    index = path.index(current)
    return [
        LifecycleStep(
            status=status,
            state="done" if position < index else "current" if position == index else "upcoming",
            terminal=status in KaStatus.terminal(),
        )
        for position, status in enumerate(path)
    ]


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
        decided += count(KA_DECIDED_STATUSES)
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
