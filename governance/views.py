from typing import Any

from django.core.cache import cache
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .charts import (
    burnup_chart,
    querschnitt_heatmap,
    stacked_status_bars,
    status_legend,
    strategy_map_chart,
    svg,
)
from .forms import KaFilterForm
from .models import KaStatus, Kernaktivitaet, Meilenstein
from .models.strategy import MAX_SCHWERPUNKTE_PER_KOMPETENZ
from .selectors import (
    KA_GOAL_2030,
    KA_SORT_FIELDS,
    KA_STATUS_ORDER,
    PUBLIC_READERS,
    dashboard_data_version,
    kernaktivitaet_history,
    kernaktivitaet_internal_visible,
    kernaktivitaet_is_public,
    kernaktivitaet_lifecycle_steps,
    kernaktivitaet_list,
    kernaktivitaet_page,
    kernaktivitaet_page_get,
    kernaktivitaet_reader_group,
    kernaktivitaet_visible_q,
    kompetenz_list_with_status_counts,
    querschnittsthema_counts_per_kompetenz,
    statusbericht_overdue_list,
    steckbrief_version_list,
    steckbrief_version_view,
    strategy_map,
    tranche_burnup,
)


def status_columns(user: Any) -> tuple[KaStatus, ...]:
    """The status columns of the count tables: the public sees no column of a state it can never see (a KA
    in the administration's preparation), so that no column of zeros suggests hidden KA."""
    if kernaktivitaet_reader_group(user) == PUBLIC_READERS:
        return tuple(s for s in KA_STATUS_ORDER if s in KaStatus.public() or s == KaStatus.REJECTED)
    return KA_STATUS_ORDER


def status_table(kompetenzen: list[Any], statuses: tuple[KaStatus, ...]) -> dict[str, Any]:
    """Rows per Kompetenz with a count per status column, and the sums: every row adds up to its total and
    every column to the total row, because every state the reader can see has a column."""
    rows = [
        {
            "kompetenz": k,
            "counts": [getattr(k, f"ka_{status.value}") for status in statuses],
            "total": k.ka_total,
        }
        for k in kompetenzen
    ]
    return {
        "statuses": statuses,
        "rows": rows,
        "totals": [sum(row["counts"][index] for row in rows) for index in range(len(statuses))],
        "total": sum(row["total"] for row in rows),
    }


def home(request: HttpRequest) -> HttpResponse:
    kompetenzen = list(kompetenz_list_with_status_counts(visible=kernaktivitaet_visible_q(request.user)))
    table = status_table(kompetenzen, status_columns(request.user))
    return render(
        request,
        "home.html",
        {
            "kompetenzen": kompetenzen,
            "table": table,
            "ka_total": table["total"],
            "meilensteine": Meilenstein.objects.all(),
        },
    )


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on every site whatever the page links; the answer is the static file
    (hashed name in production), so no page view logs a 404."""
    return HttpResponsePermanentRedirect(static("favicon.ico"))


def accessibility_statement(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/accessibility.html")


def imprint(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/imprint.html")


KA_PAGE_SIZE = 25
# An upper bound only: a change of the data makes a new key at once (see dashboard_data_version).
DASHBOARD_CACHE_SECONDS = 600
OVERDUE_LIST_LIMIT = 50


def _sort_links(request: HttpRequest, current: str, descending: bool) -> dict[str, dict[str, str]]:
    """Per sortable column: the link that sorts by it (toggling direction) and its aria-sort value."""
    links = {}
    for key in KA_SORT_FIELDS:
        query = request.GET.copy()
        query.pop("page", None)
        active = key == current
        query["sort"] = f"-{key}" if active and not descending else key
        links[key] = {
            "url": f"?{query.urlencode()}",
            "aria_sort": ("descending" if descending else "ascending") if active else "none",
        }
    return links


def kernaktivitaet_overview(request: HttpRequest) -> HttpResponse:
    form = KaFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()  # the fields show their errors as they are rendered
    filters = form.to_filter()
    queryset = kernaktivitaet_list(
        filters=filters, today=timezone.localdate(), visible=kernaktivitaet_visible_q(request.user)
    )
    page = kernaktivitaet_page(
        queryset, request.GET.get("page"), searching=bool(filters.search), size=KA_PAGE_SIZE
    )
    page_query = request.GET.copy()
    page_query.pop("page", None)
    return render(
        request,
        "governance/ka_overview.html",
        {
            "form": form,
            "page": page,
            "kernaktivitaeten": page.object_list,
            "filters": filters,
            "filtered": any(
                (
                    filters.search,
                    filters.kompetenz,
                    filters.schwerpunkt,
                    filters.status,
                    filters.querschnittsthema,
                    filters.tranche,
                    filters.overdue,
                )
            ),
            "sort_links": _sort_links(request, filters.sort, filters.descending),
            "page_query": page_query.urlencode(),
        },
    )


def kernaktivitaet_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        ka = kernaktivitaet_page_get(code=code, internal=False)
    except Kernaktivitaet.DoesNotExist:
        raise Http404(_("Diese Kernaktivität gibt es nicht.")) from None
    internal = kernaktivitaet_internal_visible(user=request.user, ka=ka)
    # A proposal still in the administration's preparation is not public record: the public gets a 404.
    if not internal and not kernaktivitaet_is_public(ka):
        raise Http404(_("Diese Kernaktivität gibt es nicht."))
    if internal:
        prefetch_related_objects([ka], "projektgruppe")
    return render(
        request,
        "governance/ka_detail.html",
        {
            "ka": ka,
            "internal": internal,
            "steps": kernaktivitaet_lifecycle_steps(ka),
            "audit_events": kernaktivitaet_history(ka, internal=internal),
            "resolutions": list(ka.resolutions.all()),
            "statusberichte": list(ka.statusberichte.all()),
            "merged_in": list(ka.aufgenommene_kernaktivitaeten.all()),
            "steckbrief": steckbrief_version_view(ka, internal=internal),
            "steckbrief_versions": steckbrief_version_list(ka) if internal else [],
        },
    )


def dashboard(request: HttpRequest) -> HttpResponse:
    """The dashboard: the same charts for everybody who sees the same KA, so the rendered body is kept per
    reader group and language until the data changes (one query asks whether it has)."""
    user = request.user
    readers = kernaktivitaet_reader_group(user)
    key = f"dashboard:{get_language()}:{readers}:{dashboard_data_version(today=timezone.localdate())}"
    body = cache.get(key)
    if body is None:
        body = render_to_string("governance/_dashboard.html", _dashboard_context(user))
        cache.set(key, body, DASHBOARD_CACHE_SECONDS)
    return render(request, "governance/dashboard.html", {"body": mark_safe(body)})


def _dashboard_context(user: Any) -> dict[str, Any]:
    today = timezone.localdate()
    # Every figure counts the KA this reader may see, as the overview lists them.
    visible = kernaktivitaet_visible_q(user)
    kompetenzen = list(kompetenz_list_with_status_counts(visible=visible))
    map_rows = strategy_map(visible=visible)
    burnup = tranche_burnup(visible=visible)
    themen, thema_rows = querschnittsthema_counts_per_kompetenz(visible=visible)
    overdue = list(statusbericht_overdue_list(today=today, visible=visible)[: OVERDUE_LIST_LIMIT + 1])
    for bericht in overdue:
        bericht.days_overdue = (today - bericht.frist).days  # type: ignore[attr-defined]
    return {
        "legend": status_legend(),
        "kompetenzen": kompetenzen,
        "status_chart": svg(
            stacked_status_bars(kompetenzen),
            chart_id="chart-status",
            title=_("Gestapelte Balken: Kernaktivitäten je Kompetenz, nach Status"),
            desc=_(
                "Jeder Balken ist eine Kompetenz; seine Abschnitte zeigen die Zahl der Kernaktivitäten "
                "je Status. Die Zahlen stehen in der Tabelle daneben."
            ),
        ),
        "table": status_table(kompetenzen, status_columns(user)),
        # A chart of zeros reads as broken: without any assignment the panel says what is missing instead.
        "map_assigned": any(cell.total for row in map_rows for cell in row.cells),
        "themen_assigned": any(any(counts) for _kompetenz, counts in thema_rows),
        "map_positions": range(1, MAX_SCHWERPUNKTE_PER_KOMPETENZ + 1),
        "map_rows": map_rows,
        "map_chart": svg(
            strategy_map_chart(map_rows),
            chart_id="chart-map",
            title=_("Strategiekarte mit Kernaktivitäten je Kompetenz und Schwerpunkt"),
            desc=_(
                "Raster aus Kompetenzen und Schwerpunkten; die Kernaktivitäten jeder Zelle stehen in der "
                "Tabelle darunter."
            ),
        ),
        "burnup": burnup,
        "burnup_unrecorded": bool(burnup) and burnup[0].planned == 0,
        "burnup_chart": svg(
            burnup_chart(burnup),
            chart_id="chart-burnup",
            title=_(
                "Burn-up: beschlossene, laufende und umgesetzte Kernaktivitäten je Tranche gegen das "
                "Ziel %(goal)s"
            )
            % {"goal": KA_GOAL_2030},
            desc=_(
                "Für jede Tranche drei Balken mit den bis dahin aufsummierten Zahlen: beschlossen, "
                "laufend, umgesetzt. Die gestrichelte Linie ist das Ziel für 2030."
            ),
        ),
        "goal": KA_GOAL_2030,
        "themen": themen,
        "thema_rows": thema_rows,
        "thema_chart": svg(
            querschnitt_heatmap(themen, thema_rows),
            chart_id="chart-themen",
            title=_("Raster: Zahl der Kernaktivitäten je Kompetenz und Querschnittsthema"),
            desc=_(
                "Je dunkler eine Zelle, desto mehr Kernaktivitäten; die Zahl steht in der Zelle und in "
                "der Tabelle."
            ),
        ),
        "overdue": overdue[:OVERDUE_LIST_LIMIT],
        "overdue_more": len(overdue) > OVERDUE_LIST_LIMIT,
        "today": today,
    }
