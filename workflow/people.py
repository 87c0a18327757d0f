"""Who is who in the process: the project group of a KA, the owners of a Kompetenz, the members of a role,
who stands in for whom. Each read comes in bulk (many keys, a fixed number of queries); the mail batches and
the report services use the same loaders."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from guardian.models import GroupObjectPermission, UserObjectPermission

from governance.models import Kernaktivitaet, Kompetenz

from .models import Vertretung
from .rights import Role

User = get_user_model()


def grouped(pairs: Iterable[tuple[Any, Any]]) -> dict[Any, set[int]]:
    grouped: dict[Any, set[int]] = {}
    for key, value in pairs:
        if value is not None:
            grouped.setdefault(key, set()).add(value)
    return grouped


def load_projektgruppen(ids: set[int]) -> dict[int, set[int]]:
    """The project group of each KA, its lead included (one query)."""
    through = Kernaktivitaet.projektgruppe.through
    members = (
        through.objects.filter(kernaktivitaet_id__in=ids)
        .order_by()
        .values_list("kernaktivitaet_id", "user_id")
    )
    leads = (
        Kernaktivitaet.objects.filter(pk__in=ids, projektleitung__isnull=False)
        .order_by()
        .values_list("pk", "projektleitung_id")
    )
    return grouped(members.union(leads))


def load_kompetenz_people(ids: set[int]) -> dict[int, set[int]]:
    """Who oversees each Kompetenz (the object permission, directly or through a group)."""
    lookup = {
        "content_type": ContentType.objects.get_for_model(Kompetenz),
        "permission__codename": "oversee_kompetenz",
        "object_pk__in": [str(pk) for pk in ids],
    }
    pairs = list(UserObjectPermission.objects.filter(**lookup).values_list("object_pk", "user_id"))
    pairs += GroupObjectPermission.objects.filter(**lookup).values_list("object_pk", "group__user")
    return {int(pk): people for pk, people in grouped(pairs).items()}


def load_roles(names: set[str]) -> dict[str, set[int]]:
    return grouped(
        User.objects.filter(groups__name__in=names, is_active=True).values_list("groups__name", "pk")
    )


def load_deputies(days: set[date]) -> dict[date, dict[int, set[int]]]:
    """Who stands in for whom, by day."""
    earliest, latest = min(days), max(days)
    spans = Vertretung.objects.filter(von__lte=latest, bis__gte=earliest).values_list(
        "vertretene_person_id", "vertretung_id", "von", "bis"
    )
    by_day: dict[date, dict[int, set[int]]] = {day: {} for day in days}
    for person, deputy, von, bis in spans:
        for day in days:
            if von <= day <= bis:
                by_day[day].setdefault(person, set()).add(deputy)
    return by_day


def projektgruppe_ids(ka: Kernaktivitaet) -> set[int]:
    return load_projektgruppen({ka.pk}).get(ka.pk, set())


def kompetenz_ids(kompetenz: Kompetenz) -> set[int]:
    return load_kompetenz_people({kompetenz.pk}).get(kompetenz.pk, set())


def role_ids(role: Role) -> set[int]:
    return load_roles({role.value}).get(role.value, set())
