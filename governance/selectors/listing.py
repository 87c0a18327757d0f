"""The KA overview and the KA page: filtering, search, sorting, paging, the lifecycle steps."""

import re
from dataclasses import dataclass
from datetime import date

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

from core.paging import page_number

from ..models import (
    AuditAction,
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
            # The number of the Steckbrief version the council adopted, without its document.
            queryset=Resolution.objects.select_related(*resolution_related)
            .annotate(steckbrief_nummer=F("steckbrief_version__nummer"))
            .order_by("-consultation__meeting__start", "-pk"),
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


# Events that tell of a document: the public reads them only for public documents.
DOCUMENT_EVENTS = frozenset({AuditAction.DOCUMENT_UPLOAD, AuditAction.DOCUMENT_REMOVE})


def kernaktivitaet_history(ka: Kernaktivitaet, *, internal: bool) -> list[AuditEvent]:
    """The KA's audit events as its page lists them (read ``ka`` through ``kernaktivitaet_page_get``): the
    public does not learn that an internal document was uploaded or removed."""
    return [
        event
        for event in ka.audit_events.all()
        if internal
        or event.action not in DOCUMENT_EVENTS
        or (isinstance(event.data, dict) and event.data.get("oeffentlich") is True)
    ]
