from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "workflow"
    verbose_name = _("Entscheidungsprozess")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(role_groups_ensure_after_migrate, sender=self)


def role_groups_ensure_after_migrate(sender: AppConfig, **kwargs: object) -> None:
    # apps.py is imported before the models are loaded; the rights table needs them.
    from .rights import role_groups_ensure

    role_groups_ensure(using=str(kwargs.get("using", "default")))
