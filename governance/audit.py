"""Audit events of administrative changes: the admin's edits of KA texts, reports, council papers and rights.

The decision process writes its own events (workflow/lifecycle.py); what the admin changes by hand is recorded
here, in the same transaction as the change, with the changed fields and their old and new values."""

import datetime
import decimal
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from .models import AuditAction, AuditEvent, Kernaktivitaet

# Longer values are kept as their beginning and a checksum of the whole: the trail shows what changed
# without one edit of a long text becoming a row of megabytes.
VALUE_LIMIT = 4000


class AdminAction:
    ADD = AuditAction.ADMIN_ADD.value
    CHANGE = AuditAction.ADMIN_CHANGE.value
    DELETE = AuditAction.ADMIN_DELETE.value
    RIGHTS = AuditAction.ADMIN_RIGHTS.value


def plain(value: Any) -> Any:
    """A field value as JSON the audit row can carry."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, models.Model):
        return f"{value._meta.label_lower}:{value.pk} {value}"[:VALUE_LIMIT]
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(plain(item) for item in value)
    text = str(value)
    if len(text) > VALUE_LIMIT:
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        return f"{text[:VALUE_LIMIT]}… [{len(text)} Zeichen, sha256={digest}]"
    return text


def snapshot(obj: models.Model, names: Iterable[str]) -> dict[str, Any]:
    """The stored values of the named fields (many-to-many as the sorted list of related objects)."""
    values: dict[str, Any] = {}
    for name in names:
        field = obj._meta.get_field(name)
        if field.many_to_many:
            values[name] = plain(list(getattr(obj, name).all())) if obj.pk else []
        elif getattr(field, "concrete", False):
            values[name] = plain(getattr(obj, name))
    return values


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {name: [before.get(name), after[name]] for name in after if before.get(name) != after[name]}


def subject_of(obj: models.Model) -> str:
    return f"{obj._meta.verbose_name} #{obj.pk}: {obj}"[:200]


def admin_change_record(
    *,
    actor: Any,
    obj: models.Model,
    action: str,
    changed: Mapping[str, Any],
    kernaktivitaet: Kernaktivitaet | None = None,
) -> AuditEvent | None:
    """One audit event for one object changed in the admin; nothing when nothing changed."""
    if action == AdminAction.CHANGE and not changed:
        return None
    return AuditEvent.objects.create(
        kernaktivitaet=kernaktivitaet,
        subject=subject_of(obj),
        action=action,
        actor=actor,
        data={"model": obj._meta.label_lower, "pk": plain(obj.pk), "changes": dict(changed)},
    )
