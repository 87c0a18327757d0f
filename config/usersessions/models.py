from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserSession(models.Model):
    """One signed-in session of a person, by its key in the session store.

    Ending a person's sessions deletes them through the session engine, so the session data stays opaque and
    the registry works with database, cache and cached_db sessions alike."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(_("Sitzungsschlüssel"), max_length=40, unique=True)
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)

    class Meta:
        verbose_name = _("Anmeldesitzung")
        verbose_name_plural = _("Anmeldesitzungen")
        indexes = [models.Index(fields=["user", "created_at"], name="usersession_user_created")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.session_key[:8]}…"
