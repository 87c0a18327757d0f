"""Grant writers: who belongs to a KA's project group or owns a Kompetenz, kept in step with the object rights
the rights table (``rights.py``) reads."""

from collections.abc import Iterable
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.db import models, transaction
from guardian.shortcuts import assign_perm, get_users_with_perms, remove_perm

from governance.models import Kernaktivitaet, Kompetenz, SteckbriefVersion

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


def kernaktivitaet_grant_from_version(*, kernaktivitaet: Kernaktivitaet, version: SteckbriefVersion) -> None:
    """With the council's resolution the people the adopted Steckbrief names become the project group: they
    receive its rights on the KA, and whoever held them without being named loses them. A version that names
    nobody (the lead left out) keeps the group as it is."""
    lead_id = version.inhalt.get("projektleitung_id")
    member_ids = set(version.inhalt.get("projektgruppe_ids") or [])
    if lead_id is None and not member_ids:
        return
    people = {
        user.pk: user
        for user in get_user_model().objects.filter(pk__in={*member_ids, *([lead_id] if lead_id else [])})
    }
    kernaktivitaet_set_projektgruppe(
        kernaktivitaet=kernaktivitaet,
        projektleitung=people.get(lead_id) if lead_id is not None else None,
        mitglieder=[people[pk] for pk in sorted(member_ids) if pk in people],
    )
