"""The documents of a KA: upload and removal, each with its audit event and never a status change.

The file goes to the storage before the row's transaction opens: in the embedded mode every transaction takes
SQLite's write lock at once, and a large file written to the disk or to an object store would hold it for
every other writer. A refused or failed transaction deletes the file again; a removal deletes it only once the
removal is committed, so that a rollback never leaves a row without its file.
"""

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from core.errors import Invalid, MovedOn, Refused
from core.uploads import OversizedUpload
from governance.documents import Dokumenttyp, clean_name, detect, extension_of
from governance.models import AuditAction, AuditEvent, Dokument, Kernaktivitaet
from governance.models.documents import dokument_storage

from .. import rights
from ..rights import DocumentAction

logger = logging.getLogger(__name__)

FIELD = "datei"


def _checked(uploaded_file: UploadedFile) -> tuple[Dokumenttyp, str, str]:
    """The file's kind, the name to keep and its sha256; refused on the file field when it is too large,
    empty, of a kind not taken or named as another kind."""
    limit = settings.DOKUMENT_MAX_BYTES
    size = uploaded_file.size or 0
    if isinstance(uploaded_file, OversizedUpload) or size > limit:
        raise Invalid(
            _("Die Datei ist zu groß (%(size)s). Erlaubt sind höchstens %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            field=FIELD,
        )
    if size == 0:
        raise Invalid(_("Die Datei ist leer."), field=FIELD)
    kind = detect(uploaded_file)
    if kind is None:
        raise Invalid(
            _(
                "Diese Art von Datei wird nicht angenommen. Erlaubt sind PDF, OpenDocument, Microsoft Office "
                "und Bilder (PNG, JPEG, GIF, WebP)."
            ),
            field=FIELD,
        )
    name = clean_name(uploaded_file.name or "", kind)
    if extension_of(name) not in kind.extensions:
        raise Invalid(
            _("Der Dateiname passt nicht zum Inhalt der Datei (%(kind)s): Der Name muss auf %(ext)s enden.")
            % {"kind": kind.label, "ext": " / ".join(f".{ext}" for ext in kind.extensions)},
            field=FIELD,
        )
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    return kind, name, digest.hexdigest()


def _delete_file(name: str | None) -> None:
    if not name:
        return
    try:
        dokument_storage().delete(name)
    except Exception:
        # The row is what counts; a file left behind is found by its name (KA id/random), removed by hand.
        logger.exception("Stored document file %s could not be deleted", name)


def dokument_upload(
    *, actor: Any, kernaktivitaet: Kernaktivitaet, uploaded_file: UploadedFile, oeffentlich: bool
) -> Dokument:
    """Attach a file to a KA as an internal or a public document."""
    ka = Kernaktivitaet.objects.select_related("kompetenz").get(pk=kernaktivitaet.pk)
    verdict = rights.may(actor, DocumentAction.UPLOAD, ka)
    if not verdict:
        raise Refused(verdict.message)
    kind, name, sha256 = _checked(uploaded_file)
    dokument = Dokument(
        kernaktivitaet=ka,
        name=name,
        content_type=kind.content_type,
        groesse=uploaded_file.size or 0,
        sha256=sha256,
        oeffentlich=oeffentlich,
        hochgeladen_von=actor,
    )
    # The storage name comes from the model's upload_to (KA id / random), never from the uploaded name.
    dokument.datei.save(name, uploaded_file, save=False)
    try:
        with transaction.atomic():
            dokument.save()
            AuditEvent.objects.create(
                kernaktivitaet=ka,
                action=AuditAction.DOCUMENT_UPLOAD,
                subject=name,
                actor=actor,
                data={
                    "dokument": dokument.pk,
                    "content_type": kind.content_type,
                    "groesse": dokument.groesse,
                    "sha256": sha256,
                    "oeffentlich": oeffentlich,
                },
            )
    except BaseException:
        _delete_file(dokument.datei.name)
        raise
    return dokument


def dokument_remove(*, actor: Any, dokument: Dokument) -> None:
    """Remove a document: its row now, its file after the commit; the audit trail keeps what it was."""
    with transaction.atomic():
        row = (
            Dokument.objects.select_for_update(of=("self",))
            .select_related("kernaktivitaet__kompetenz")
            .filter(pk=dokument.pk)
            .first()
        )
        if row is None:
            raise MovedOn(_("Dieses Dokument ist bereits entfernt."))
        verdict = rights.may_remove_document(actor, row)
        if not verdict:
            raise Refused(verdict.message)
        stored = row.datei.name
        AuditEvent.objects.create(
            kernaktivitaet=row.kernaktivitaet,
            action=AuditAction.DOCUMENT_REMOVE,
            subject=row.name,
            actor=actor,
            data={
                "dokument": row.pk,
                "content_type": row.content_type,
                "groesse": row.groesse,
                "sha256": row.sha256,
                "oeffentlich": row.oeffentlich,
                "hochgeladen_von": row.hochgeladen_von_id,
            },
        )
        row.delete()
        transaction.on_commit(lambda: _delete_file(stored))
