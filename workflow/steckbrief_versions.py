"""The numbered versions of a Projektsteckbrief: frozen by the lifecycle in the transaction of the decision
they belong to (a submission, and a forwarding after the Strategiezirkel changed the Steckbrief), so that each
decision names the version it was about and the council's resolution the version it adopted."""

from typing import Any

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from core.errors import Incomplete
from governance.models import Kernaktivitaet, Steckbrief, SteckbriefVersion
from governance.steckbrief import missing, snapshot, steckbrief_queryset, themen


def latest_version(kernaktivitaet: Kernaktivitaet | int) -> SteckbriefVersion | None:
    """The KA's latest version; its ``edited_since`` says whether the Steckbrief was saved after it (a page
    that saves the KA's fields saves the Steckbrief too), so that a decision compares the documents only
    then: one query instead of the Steckbrief's seven."""
    ka_pk = kernaktivitaet if isinstance(kernaktivitaet, int) else kernaktivitaet.pk
    edited = Steckbrief.objects.filter(kernaktivitaet_id=ka_pk, geaendert_am__gt=OuterRef("eingereicht_am"))
    return (
        SteckbriefVersion.objects.filter(kernaktivitaet_id=ka_pk)
        .annotate(edited_since=Exists(edited))
        .defer("inhalt")  # read only when the document is compared
        .order_by("-nummer")
        .first()
    )


NOT_READ: Any = object()


def steckbrief_versions_latest(ka_ids: list[int]) -> dict[int, SteckbriefVersion]:
    """The latest version of each of these KA that has one, in one query."""
    newer = SteckbriefVersion.objects.filter(
        kernaktivitaet_id=OuterRef("kernaktivitaet_id"), nummer__gt=OuterRef("nummer")
    )
    latest = SteckbriefVersion.objects.filter(kernaktivitaet_id__in=ka_ids).exclude(Exists(newer))
    return {version.kernaktivitaet_id: version for version in latest}


def steckbrief_freeze(
    *,
    actor: Any,
    kernaktivitaet: Kernaktivitaet,
    last: SteckbriefVersion | None = NOT_READ,
    only_if_changed: bool = False,
) -> SteckbriefVersion:
    """Freeze the Steckbrief of a KA as its next numbered version. The caller holds the KA's row lock, so
    the numbers follow each other. Refused with every missing part when it is incomplete.

    ``only_if_changed``: keep the last version when the Steckbrief still reads as it does (a forwarding
    freezes only what the Strategiezirkel changed during its review). ``last``: the latest version, when the
    caller has read it already."""
    if last is NOT_READ:
        last = latest_version(kernaktivitaet)
    if only_if_changed and last is not None and not getattr(last, "edited_since", True):
        return last
    ka = steckbrief_queryset().get(pk=kernaktivitaet.pk)
    document = snapshot(ka)
    if only_if_changed and last is not None and last.inhalt == document:
        return last
    problems = missing(document, themen())
    if problems:
        raise Incomplete(
            _("Der Steckbrief ist noch nicht vollständig."),
            [(problem.field, problem.message) for problem in problems],
        )
    return SteckbriefVersion.objects.create(
        kernaktivitaet=ka, nummer=(last.nummer if last else 0) + 1, inhalt=document, eingereicht_von=actor
    )
