from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from governance.models import KaStatus, Kernaktivitaet, Kompetenz
from governance.services import kernaktivitaet_set_projektgruppe, kompetenz_set_verantwortliche
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
    help = "Legt je Rolle ein Demo-Konto an (nur mit DEBUG=true)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "Demo-Konten gibt es nur im Entwicklungsmodus (DEBUG=true). Es wurde nichts angelegt."
            )
        kompetenz = Kompetenz.objects.order_by("position").first()
        if kompetenz is None:
            raise CommandError("Erst die Strategie laden: python manage.py load_strategy")
        User = get_user_model()
        with transaction.atomic():
            users = {}
            for role, username in DEMO_USERNAMES.items():
                user, _created = User.objects.get_or_create(
                    username=username, defaults={"email": f"{username}@bochum.example"}
                )
                user.set_password(DEMO_PASSWORD)
                user.save()
                user.groups.add(Group.objects.get(name=role.value))
                users[role] = user
            admin, _created = User.objects.get_or_create(
                username="admin", defaults={"email": "admin@bochum.example"}
            )
            admin.is_staff = admin.is_superuser = True
            admin.set_password(DEMO_PASSWORD)
            admin.save()

            own = Kernaktivitaet.objects.filter(kompetenz=kompetenz, status=KaStatus.RUNNING).order_by("code")
            for ka in own[:DEMO_KA_COUNT]:
                lead = users[Role.PROJEKTGRUPPE]
                kernaktivitaet_set_projektgruppe(kernaktivitaet=ka, projektleitung=lead, mitglieder=[lead])
            kompetenz_set_verantwortliche(kompetenz=kompetenz, users=[users[Role.KOMPETENZVERANTWORTLICHE]])

        self.stdout.write(f"Demo-Konten (Passwort für alle: {DEMO_PASSWORD}):")
        for role, username in DEMO_USERNAMES.items():
            self.stdout.write(f"  {username:<26} {role.label}")
        self.stdout.write(f"  {'admin':<26} Administration")
        self.stdout.write(
            f"Projektgruppe der KA {', '.join(ka.code for ka in own[:DEMO_KA_COUNT])}; "
            f"Kompetenzverantwortliche für „{kompetenz.name}“."
        )
