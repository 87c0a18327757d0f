"""Who receives what: the people behind a KA, a Kompetenz or a role, their deputies, their opt-outs."""

from collections.abc import Iterable
from datetime import date

from governance.models import KaStatus
from workflow.rights import Role
from workflow.services.discussion import DISCUSSION_MAIL_CATEGORY

from . import batch

# The role that owns the open decision of a KA in this state.
DECISION_ROLE = {
    KaStatus.ZIRKEL_REVIEW: Role.STRATEGIEZIRKEL,
    KaStatus.BOARD_DECISION: Role.VERWALTUNGSVORSTAND,
    KaStatus.COUNCIL: Role.RATSBUERO,
}

# Categories a person may opt out of, and the preference field that holds the choice.
OPTIONAL_CATEGORIES = {
    "vorab": "vorab_erinnerungen",
    "digest": "wochenuebersicht",
    DISCUSSION_MAIL_CATEGORY: "kommentare",
}


def with_deputies(reads: batch.Batch, ids: Iterable[int], day: date) -> set[int]:
    """The people plus whoever stands in for one of them on ``day``."""
    ids = set(ids)
    deputies = reads.deputies.get(day) or {}
    return ids.union(*(deputies.get(pk, set()) for pk in ids))


def addresses(reads: batch.Batch, ids: Iterable[int], category: str) -> list[str]:
    """The addresses of active people who have one and have not opted out of this category, by id."""
    ids = sorted(set(ids))
    reads.addresses.load(ids)
    field = OPTIONAL_CATEGORIES.get(category)
    if field:
        reads.opt_outs.load(ids)
    found = []
    for pk in ids:
        address = reads.addresses.get(pk)
        if address and not (field and field in (reads.opt_outs.get(pk) or set())):
            found.append(address)
    return found


def resolve(
    reads: batch.Batch,
    to_ids: Iterable[int],
    cc_ids: Iterable[int],
    category: str,
    day: date,
    exclude_ids: Iterable[int] = (),
) -> tuple[list[str], list[str]]:
    """Addresses for To and Cc, deputies included, opt-outs removed; nobody twice. ``exclude_ids`` never
    receive the mail, even as someone's deputy (the writer of a comment)."""
    excluded = set(exclude_ids)
    to_all = with_deputies(reads, to_ids, day) - excluded
    cc_all = with_deputies(reads, cc_ids, day) - to_all - excluded
    to = addresses(reads, to_all, category)
    cc = [address for address in addresses(reads, cc_all, category) if address not in to]
    if not to and cc:
        to, cc = cc, []
    return to, cc
