from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Benachrichtigungen")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(schedule_install_after_migrate, sender=self)


def schedule_install_after_migrate(sender: AppConfig, **kwargs: object) -> None:
    # apps.py is imported before the models are loaded; the schedule needs them.
    from .schedule import schedule_install

    schedule_install(using=str(kwargs.get("using", "default")))
