from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UserSessionsConfig(AppConfig):
    name = "config.usersessions"
    label = "usersessions"
    verbose_name = _("Anmeldesitzungen")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        # apps.py is imported before the models are loaded; the receivers need them.
        from . import receivers

        user_logged_in.connect(receivers.signed_in, dispatch_uid="usersessions-signed-in")
        user_logged_out.connect(receivers.signed_out, dispatch_uid="usersessions-signed-out")
