"""Reads of the discussion of a KA: its comments, who reads them and who may add one (and for whom).

The pages that show the discussion (the KA page, the proposal form, the task page) read it through
``discussion_context``, with the same fixed number of queries whatever the number of comments."""

from typing import Any

from django.db.models import QuerySet

from governance.models import Kernaktivitaet
from governance.selectors import kernaktivitaet_internal_visible

from . import rights
from .discussion_forms import KommentarForm
from .models import KOMMENTAR_MAX, Kommentar
from .rights import DiscussionAction
from .services.discussion import discussion_open


def kommentar_rows() -> QuerySet[Kommentar]:
    """Comments with author, deputy and version in one query; of the version only its number and what
    identifies it are loaded, not its frozen document."""
    return Kommentar.objects.select_related("author", "on_behalf_of", "steckbrief_version").defer(
        "steckbrief_version__inhalt"
    )


def kommentar_list(ka: Kernaktivitaet) -> QuerySet[Kommentar]:
    """The KA's comments in the order they were written (one query)."""
    return kommentar_rows().filter(kernaktivitaet=ka).order_by("created_at", "pk")


def discussion_readable(user: Any, ka: Kernaktivitaet) -> bool:
    """Whoever reads the KA's internal data reads its discussion, also as a deputy today; never the public."""
    if not user.is_authenticated:
        return False
    if kernaktivitaet_internal_visible(user=user, ka=ka):
        return True
    return any(kernaktivitaet_internal_visible(user=p, ka=ka) for p in rights.absent_principals(user))


def discussion_principal(user: Any, ka: Kernaktivitaet) -> tuple[bool, Any]:
    """May ``user`` comment on the KA, and for whom: (True, None) in their own right, (True, absent) as the
    deputy of an absent person who may, (False, None) otherwise. The state is not asked here."""
    if rights.may(user, DiscussionAction.COMMENT, ka):
        return True, None
    for absent in rights.absent_principals(user):
        if rights.may(user, DiscussionAction.COMMENT, ka, on_behalf_of=absent):
            return True, absent
    return False, None


def discussion_context(
    request: Any, ka: Kernaktivitaet, *, next_url: str, form: KommentarForm | None = None
) -> dict[str, Any] | None:
    """What ``workflow/_discussion.html`` shows: the comments and, for those who may write now, the form
    (``form`` to show one with its errors). None for someone who may not read the discussion, and for a KA
    that was never discussed once its preparation is over."""
    user = request.user
    if not discussion_readable(user, ka):
        return None
    is_open = discussion_open(ka)
    kommentare = list(kommentar_list(ka))
    if not is_open and not kommentare:
        return None
    may_comment, on_behalf_of = discussion_principal(user, ka) if is_open else (False, None)
    return {
        "ka": ka,
        "kommentare": kommentare,
        "open": is_open,
        "may_comment": may_comment,
        "on_behalf_of": on_behalf_of,
        "form": form if form is not None else KommentarForm() if may_comment else None,
        "next": next_url,
        "text_max": KOMMENTAR_MAX,
    }
