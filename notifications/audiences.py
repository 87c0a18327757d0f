"""Who receives what: the people behind a KA, a Kompetenz or a role, their deputies, their opt-outs."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from guardian.shortcuts import get_users_with_perms

from governance.models import KaStatus, Kernaktivitaet, Kompetenz
from workflow.models import Vertretung
from workflow.rights import Role

from .models import NotificationPreference

User = get_user_model()

# The role that owns the open decision of a KA in this state.
DECISION_ROLE = {
    KaStatus.ZIRKEL_REVIEW: Role.STRATEGIEZIRKEL,
    KaStatus.BOARD_DECISION: Role.VERWALTUNGSVORSTAND,
    KaStatus.COUNCIL: Role.RATSBUERO,
}

# Categories a person may opt out of, and the preference field that holds the choice.
OPTIONAL_CATEGORIES = {"vorab": "vorab_erinnerungen", "digest": "wochenuebersicht"}


def projektgruppe_ids(ka: Kernaktivitaet) -> set[int]:
    ids = set(ka.projektgruppe.values_list("pk", flat=True))
    if ka.projektleitung_id:
        ids.add(ka.projektleitung_id)
    return ids


def kompetenz_ids(kompetenz: Kompetenz) -> set[int]:
    users: Any = get_users_with_perms(
        kompetenz, only_with_perms_in=["oversee_kompetenz"], with_group_users=True, with_superusers=False
    )
    return {user.pk for user in users}


def role_ids(role: Role) -> set[int]:
    return set(User.objects.filter(groups__name=role.value, is_active=True).values_list("pk", flat=True))


# Deputies of a day, read once per batch of mails (outbox.batch_scope), not once per mail.
_deputy_cache: dict[tuple[str, date], dict[int, set[int]]] = {}


def _deputies_of(day: date) -> dict[int, set[int]]:
    from .outbox import batch_scope

    scope = batch_scope.get()
    if scope and (scope, day) in _deputy_cache:
        return _deputy_cache[(scope, day)]
    mapping: dict[int, set[int]] = {}
    for person, deputy in Vertretung.objects.filter(von__lte=day, bis__gte=day).values_list(
        "vertretene_person_id", "vertretung_id"
    ):
        mapping.setdefault(person, set()).add(deputy)
    if scope:
        _deputy_cache.clear()
        _deputy_cache[(scope, day)] = mapping
    return mapping


def with_deputies(ids: Iterable[int], day: date) -> set[int]:
    """The people plus whoever stands in for one of them on ``day``."""
    ids = set(ids)
    deputies = _deputies_of(day)
    return ids.union(*(deputies.get(pk, set()) for pk in ids))


def addressable(ids: Iterable[int], category: str) -> QuerySet[AbstractBaseUser]:
    """Active people with an address who have not opted out of this category."""
    users = User.objects.filter(pk__in=set(ids), is_active=True).exclude(email="")
    field = OPTIONAL_CATEGORIES.get(category)
    if field:
        opted_out = NotificationPreference.objects.filter(**{field: False}).values("user_id")
        users = users.exclude(pk__in=opted_out)
    return users.order_by("pk")


def resolve(
    to_ids: Iterable[int], cc_ids: Iterable[int], category: str, day: date
) -> tuple[list[str], list[str]]:
    """Addresses for To and Cc, deputies included, opt-outs removed; nobody twice."""
    to_all = with_deputies(to_ids, day)
    cc_all = with_deputies(cc_ids, day) - to_all
    to = [u.email for u in addressable(to_all, category)]  # type: ignore[attr-defined]
    cc = [u.email for u in addressable(cc_all, category) if u.email not in to]  # type: ignore[attr-defined]
    if not to and cc:
        to, cc = cc, []
    return to, cc
