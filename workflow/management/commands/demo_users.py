from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from guardian.shortcuts import get_objects_for_user, get_users_with_perms

from governance.models import KaStatus, Kernaktivitaet, Kompetenz
from workflow import services
from workflow.examples import EXAMPLE_TITLE, example_proposal
from workflow.grants import kernaktivitaet_set_projektgruppe, kompetenz_set_verantwortliche
from workflow.rights import Role

DEMO_PASSWORD = "strategie2030"
DEMO_USERNAMES = {
    Role.PROJEKTGRUPPE: "projektgruppe",
    Role.KOMPETENZVERANTWORTLICHE: "kompetenzverantwortliche",
    Role.STRATEGIEZIRKEL: "strategiezirkel",
    Role.VERWALTUNGSVORSTAND: "verwaltungsvorstand",
    Role.RATSBUERO: "ratsbuero",
    Role.STRATEGIEBEIRAT: "strategiebeirat",
}
DEMO_KA_COUNT = 3


class Command(BaseCommand):
    help = (
        "Legt je Rolle ein Demo-Konto an (nur mit DEBUG=true). Ein zweiter Lauf ändert nichts: vorhandene "
        "Konten behalten Passwort und Sitzungen, vorhandene Zuordnungen bleiben."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "Demo-Konten gibt es nur im Entwicklungsmodus (DEBUG=true). Es wurde nichts angelegt."
            )
        kompetenz = Kompetenz.objects.order_by("position").first()
        if kompetenz is None:
            raise CommandError("Erst die Strategie laden: python manage.py load_strategy")
        with transaction.atomic():
            changes = self.create_missing_accounts()
            users = {
                role: get_user_model().objects.get(username=username)
                for role, username in DEMO_USERNAMES.items()
            }
            changes += self.assign_demo_project_group(users[Role.PROJEKTGRUPPE], kompetenz)
            changes += self.assign_demo_kompetenz(users[Role.KOMPETENZVERANTWORTLICHE], kompetenz)
            changes += self.create_demo_proposal(users[Role.PROJEKTGRUPPE], kompetenz)

        if not changes:
            self.stdout.write("Demo-Konten bestehen bereits; nichts geändert.")
        for line in changes:
            self.stdout.write(line)
        self.stdout.write(f"Demo-Konten (Passwort beim Anlegen: {DEMO_PASSWORD}):")
        for role, username in DEMO_USERNAMES.items():
            self.stdout.write(f"  {username:<26} {role.label}")
        self.stdout.write(f"  {'admin':<26} Administration")

    def create_missing_accounts(self) -> list[str]:
        """Create the accounts that do not exist; an existing one keeps its password (and so its sessions)."""
        User = get_user_model()
        changes = []
        for role, username in DEMO_USERNAMES.items():
            if User.objects.filter(username=username).exists():
                continue
            user = User.objects.create_user(
                username=username, email=f"{username}@bochum.example", password=DEMO_PASSWORD
            )
            user.groups.add(Group.objects.get(name=role.value))
            changes.append(f"Konto {username} angelegt.")
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser(
                username="admin", email="admin@bochum.example", password=DEMO_PASSWORD
            )
            changes.append("Konto admin angelegt.")
        return changes

    def assign_demo_project_group(self, lead: Any, kompetenz: Kompetenz) -> list[str]:
        """Make the demo account lead of running KA only while it leads none, and only of KA with no group."""
        if Kernaktivitaet.objects.filter(projektleitung=lead).exists():
            return []
        free = Kernaktivitaet.objects.filter(
            kompetenz=kompetenz,
            status=KaStatus.RUNNING,
            projektleitung__isnull=True,
            projektgruppe__isnull=True,
        ).order_by("code")[:DEMO_KA_COUNT]
        codes = []
        for ka in free:
            kernaktivitaet_set_projektgruppe(kernaktivitaet=ka, projektleitung=lead, mitglieder=[lead])
            codes.append(ka.code)
        return [f"{lead.username} leitet die Projektgruppe der KA {', '.join(codes)}."] if codes else []

    def assign_demo_kompetenz(self, user: Any, kompetenz: Kompetenz) -> list[str]:
        """Name the demo account Kompetenzverantwortliche only while it oversees no Kompetenz; others stay."""
        if get_objects_for_user(user, "governance.oversee_kompetenz", accept_global_perms=False).exists():
            return []
        others = get_users_with_perms(
            kompetenz, only_with_perms_in=["oversee_kompetenz"], with_group_users=False
        )
        kompetenz_set_verantwortliche(kompetenz=kompetenz, users=[*others, user])
        return [f"{user.username} ist Kompetenzverantwortliche für „{kompetenz.name}“."]

    def create_demo_proposal(self, lead: Any, kompetenz: Kompetenz) -> list[str]:
        """One proposal with a complete Steckbrief, marked as demo data, as its project group would write
        it: a newcomer sees a full Steckbrief and can submit it. Made once; a second run leaves it alone."""
        if Kernaktivitaet.objects.filter(demo=True).exists():
            return []
        ka = services.kernaktivitaet_create_proposal(actor=lead, kompetenz=kompetenz, titel=EXAMPLE_TITLE)
        # The mark is data of the example, not a step of the process: written once, beside the services.
        Kernaktivitaet.objects.filter(pk=ka.pk).update(demo=True)
        values, steckbrief = example_proposal(kompetenz=kompetenz, lead=lead, today=date.today())
        services.proposal_save(actor=lead, kernaktivitaet=ka, values=values, steckbrief=steckbrief)
        return [f"Beispielvorschlag {ka.code} mit vollständigem Steckbrief angelegt (Demo-Daten)."]
