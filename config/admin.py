"""Admin of the sign-in: locked sign-ins (django-axes) can be released here."""

from axes.admin import AccessAttemptAdmin
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class LockoutAdmin(AccessAttemptAdmin):
    """Failed sign-ins (django-axes); "Sperre aufheben" releases the account and the client of a row."""

    actions = ["unlock", "cleanup_expired_attempts"]

    @admin.action(description=_("Sperre aufheben (Konto und Rechner der gewählten Zeilen)"))
    def unlock(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        handler = AxesDatabaseHandler()
        released = 0
        for username, ip_address in set(queryset.values_list("username", "ip_address")):
            # One at a time: reset_attempts() with neither given would release everyone.
            if username:
                released += handler.reset_attempts(username=username)
            if ip_address:
                released += handler.reset_attempts(ip_address=ip_address)
        self.message_user(
            request,
            ngettext(
                "Die Sperre ist aufgehoben (%(count)d Eintrag gelöscht).",
                "Die Sperre ist aufgehoben (%(count)d Einträge gelöscht).",
                released,
            )
            % {"count": released},
            messages.SUCCESS,
        )


def register_lockout_admin() -> None:
    if admin.site.is_registered(AccessAttempt):
        admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, LockoutAdmin)
