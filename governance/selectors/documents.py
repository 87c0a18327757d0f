"""Which documents of a KA a reader sees: every one for those who read the KA's internal data, the public ones
for everybody while the KA itself is public, none otherwise."""

from typing import Any

from django.db.models import QuerySet

from ..models import Dokument, Kernaktivitaet
from .visibility import kernaktivitaet_internal_visible, kernaktivitaet_is_public


def dokument_list_visible(
    *, user: Any, ka: Kernaktivitaet, internal: bool | None = None
) -> QuerySet[Dokument]:
    """The documents of ``ka`` this user may see, newest first, in one query. ``internal`` is whether the user
    reads the KA's internal data, where the caller knows it already (the KA page)."""
    if internal is None:
        internal = kernaktivitaet_internal_visible(user=user, ka=ka)
    documents = Dokument.objects.filter(kernaktivitaet=ka).select_related("hochgeladen_von")
    if internal:
        return documents.order_by("-hochgeladen_am", "-pk")
    if kernaktivitaet_is_public(ka):
        return documents.filter(oeffentlich=True).order_by("-hochgeladen_am", "-pk")
    return Dokument.objects.none()


def dokument_get_visible(*, user: Any, ka: Kernaktivitaet, pk: int) -> Dokument | None:
    """One document of ``ka`` if this user may see it; None for one they may not see, one of another KA and
    one that does not exist alike."""
    return dokument_list_visible(user=user, ka=ka).filter(pk=pk).first()
