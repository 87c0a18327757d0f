"""Who sees which KA: the public sees the decided ones, staff see more by role and object right."""

from typing import Any

from django.db.models import (
    Exists,
    OuterRef,
    Q,
    QuerySet,
)

from ..models import (
    KaStatus,
    Kernaktivitaet,
    Kompetenz,
    Resolution,
)


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
