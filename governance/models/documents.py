"""Documents attached to a KA: the file in the storage the settings name (``STORAGES["dokumente"]``), its
name, kind, size and checksum here.

A document is internal unless marked public; a public one is seen by the public only while the KA itself is
public (``governance.selectors.documents``). The file's name in the storage is a random one per document,
never the name it was uploaded with: nothing a person types becomes a path.
"""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.storage import AliasedStorage

from ..documents import BY_CONTENT_TYPE, NAME_MAX
from .kernaktivitaet import Kernaktivitaet

STORAGE_ALIAS = "dokumente"


def dokument_storage() -> AliasedStorage:
    """The documents' storage, looked up in the settings at every use (a callable, so that the migration
    names this function and not a backend)."""
    return AliasedStorage(STORAGE_ALIAS)


def dokument_path(instance: "Dokument", filename: str) -> str:
    """``<KA id>/<random>``: unguessable, and the uploaded name plays no part."""
    return f"{instance.kernaktivitaet_id}/{uuid.uuid4().hex}"


class Dokument(models.Model):
    # KA are never deleted; a KA with documents is kept from it as with its audit trail.
    kernaktivitaet = models.ForeignKey(
        Kernaktivitaet, models.PROTECT, related_name="dokumente", verbose_name=_("Kernaktivität")
    )
    datei = models.FileField(_("Datei"), storage=dokument_storage, upload_to=dokument_path, max_length=200)
    name = models.CharField(_("Dateiname"), max_length=NAME_MAX)
    content_type = models.CharField(_("Art"), max_length=100)
    groesse = models.PositiveBigIntegerField(_("Größe in Bytes"))
    sha256 = models.CharField(_("Prüfsumme (SHA-256)"), max_length=64)
    oeffentlich = models.BooleanField(
        _("öffentlich"),
        default=False,
        help_text=_("Öffentliche Dokumente sieht jeder, sobald die Kernaktivität öffentlich ist."),
    )
    hochgeladen_von = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        verbose_name=_("hochgeladen von"),
    )
    hochgeladen_am = models.DateTimeField(_("hochgeladen am"), default=timezone.now)

    class Meta:
        verbose_name = _("Dokument")
        verbose_name_plural = _("Dokumente")
        ordering = ["kernaktivitaet", "-hochgeladen_am", "-pk"]
        indexes = [models.Index(fields=["kernaktivitaet", "oeffentlich"], name="dokument_ka_public_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_label(self) -> Any:
        """The kind in words ("PDF-Dokument"), or the content type where the kind is no longer taken."""
        kind = BY_CONTENT_TYPE.get(self.content_type)
        return kind.label if kind is not None else self.content_type
