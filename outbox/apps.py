from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    """The e-mail outbox: rows written in the transaction of their cause, delivered after commit, each once.
    It knows no domain and imports nothing of the project; what a row's mail says is the business of the
    builder it is given."""

    name = "outbox"
    verbose_name = _("Postausgang")
    default_auto_field = "django.db.models.BigAutoField"
