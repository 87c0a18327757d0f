"""Reads of the governance domain that are more than a get, each with a fixed number of queries."""

from django.db.models import Count, Q, QuerySet

from .models import KaStatus, Kompetenz


def kompetenz_list_with_status_counts() -> QuerySet[Kompetenz]:
    """Kompetenzen with the number of their KA per status, in one query."""
    return Kompetenz.objects.order_by("position").annotate(
        ka_total=Count("kernaktivitaeten"),
        **{
            f"ka_{status.value}": Count("kernaktivitaeten", filter=Q(kernaktivitaeten__status=status))
            for status in KaStatus
        },
    )
