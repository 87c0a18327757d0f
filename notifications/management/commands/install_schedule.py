from django.core.management.base import BaseCommand

from notifications.schedule import schedule_install


class Command(BaseCommand):
    help = "Trägt die periodischen Aufgaben (notifications.schedule) in django-celery-beat ein."

    def handle(self, *args: object, **options: object) -> None:
        for name in schedule_install():
            self.stdout.write(f"eingetragen: {name}")
