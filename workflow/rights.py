"""Roles and rights: the one place that answers "may X do Y to Z?".

Roles are Django groups with global permissions; "own" KA or Kompetenz is a django-guardian object permission.
"""

from django.contrib.auth.models import Group, Permission
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PROJEKTGRUPPE = "Projektgruppe", _("Projektgruppe")
    KOMPETENZVERANTWORTLICHE = "Kompetenzverantwortliche", _("Kompetenzverantwortliche")
    STRATEGIEZIRKEL = "Strategiezirkel", _("Strategiezirkel")
    VERWALTUNGSVORSTAND = "Verwaltungsvorstand", _("Verwaltungsvorstand")
    RATSBUERO = "Ratsbuero", _("Ratsbüro")
    STRATEGIEBEIRAT = "Strategiebeirat", _("Strategiebeirat")


# Global permissions per role (app_label.codename). Object rights ("own") are granted per KA or Kompetenz.
ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.PROJEKTGRUPPE: ("governance.view_kernaktivitaet", "governance.add_kernaktivitaet"),
    Role.KOMPETENZVERANTWORTLICHE: ("governance.view_kernaktivitaet", "governance.add_kernaktivitaet"),
    Role.STRATEGIEZIRKEL: (
        "governance.view_kernaktivitaet",
        "governance.add_kernaktivitaet",
        "governance.edit_proposal",
        "governance.review_proposal",
        "governance.accept_statusbericht",
        "governance.confirm_completion",
        "governance.propose_stop",
        "governance.view_internal_kernaktivitaet",
    ),
    Role.VERWALTUNGSVORSTAND: (
        "governance.view_kernaktivitaet",
        "governance.decide_kernaktivitaet",
        "governance.view_internal_kernaktivitaet",
    ),
    Role.RATSBUERO: (
        "governance.view_kernaktivitaet",
        "governance.record_resolution",
        "governance.view_internal_kernaktivitaet",
    ),
    Role.STRATEGIEBEIRAT: ("governance.view_kernaktivitaet", "governance.view_internal_kernaktivitaet"),
}

# Object permissions a project group member holds on their own KA.
OWN_KA_PERMISSIONS = (
    "edit_proposal",
    "report_kernaktivitaet",
    "view_internal_kernaktivitaet",
    "propose_stop",
)


def role_groups_ensure(using: str = "default") -> None:
    """Create the role groups with their global permissions (runs after every migrate)."""
    with transaction.atomic(using=using):
        for role, perms in ROLE_PERMISSIONS.items():
            group, _created = Group.objects.using(using).get_or_create(name=role.value)
            wanted = []
            for dotted in perms:
                app_label, codename = dotted.split(".")
                wanted.extend(
                    Permission.objects.using(using).filter(
                        content_type__app_label=app_label, codename=codename
                    )
                )
            group.permissions.add(*wanted)
