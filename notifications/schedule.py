"""Every periodic task of the product, declared once; ``schedule_install`` writes them into
django-celery-beat (after every migrate and by ``manage.py install_schedule``), where the admin may
change intervals without losing them on the next deploy."""

from dataclasses import dataclass

from django.db import transaction


@dataclass(frozen=True)
class Periodic:
    name: str
    task: str
    every_seconds: int
    description: str


PERIODIC_TASKS: tuple[Periodic, ...] = (
    Periodic(
        name="Fristen und Erinnerungen (Sweep)",
        task="notifications.sweep",
        every_seconds=300,
        description="Legt fällige Sachstandsberichte an, schreibt Erinnerungen in den Postausgang und "
        "reicht wartende Mails an die Worker weiter.",
    ),
)


def schedule_install(using: str = "default") -> list[str]:
    """Create missing periodic tasks; an existing task keeps the interval set in the admin."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    installed = []
    with transaction.atomic(using=using):
        for periodic in PERIODIC_TASKS:
            if PeriodicTask.objects.using(using).filter(name=periodic.name).exists():
                continue
            interval, _created = IntervalSchedule.objects.using(using).get_or_create(
                every=periodic.every_seconds, period=IntervalSchedule.SECONDS
            )
            PeriodicTask.objects.using(using).create(
                name=periodic.name, task=periodic.task, interval=interval, description=periodic.description
            )
            installed.append(periodic.name)
    return installed
