"""Grant writers: who belongs to a KA's project group or owns a Kompetenz, kept in step with the object rights
the rights table (``rights.py``) reads."""

from collections.abc import Iterable
from typing import Any, cast

from django.db import models, transaction
from guardian.shortcuts import assign_perm, get_users_with_perms, remove_perm

from governance.models import Kernaktivitaet, Kompetenz

from .rights import OWN_KA_PERMISSIONS


def _users_with_object_perms(obj: models.Model) -> list[Any]:
    return list(cast("Iterable[Any]", get_users_with_perms(obj, with_group_users=False)))


@transaction.atomic
def kernaktivitaet_set_projektgruppe(
    *, kernaktivitaet: Kernaktivitaet, projektleitung: Any, mitglieder: list[Any]
) -> None:
    """Set lead and members of a KA's project group and keep their object rights on the KA in step."""
    members = {user.pk: user for user in [*mitglieder, *([projektleitung] if projektleitung else [])]}
    kernaktivitaet.projektleitung = projektleitung
    kernaktivitaet.save(update_fields=["projektleitung", "geaendert_am"])
    kernaktivitaet.projektgruppe.set(members.values())
    for user in _users_with_object_perms(kernaktivitaet):
        if user.pk not in members:
            for codename in OWN_KA_PERMISSIONS:
                remove_perm(codename, user, kernaktivitaet)
    for user in members.values():
        for codename in OWN_KA_PERMISSIONS:
            assign_perm(codename, user, kernaktivitaet)


@transaction.atomic
def kompetenz_set_verantwortliche(*, kompetenz: Kompetenz, users: list[Any]) -> None:
    """Name the Kompetenzverantwortliche of one Kompetenz (object right ``oversee_kompetenz``)."""
    wanted = {user.pk for user in users}
    for user in _users_with_object_perms(kompetenz):
        if user.pk not in wanted:
            remove_perm("oversee_kompetenz", user, kompetenz)
    for user in users:
        assign_perm("oversee_kompetenz", user, kompetenz)
