"""The one mail builder: an outbox row becomes a German plain-text and HTML mail from
``templates/notifications/<template>{_subject.txt,.txt,.html}``."""

import hashlib
from datetime import date
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from governance.models import KaStatus
from outbox.models import OutboxMessage
from workflow.rights import Role

from . import audiences, batch, links
from .kinds import PREPARERS, Prepared
from .rules import local_today


def message_id(key: str) -> str:
    """A Message-ID derived from the outbox key: the same mail always carries the same id."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@bochum-strategie.invalid>"


class _Absent:
    pass


_ABSENT = _Absent()


def _prepare(row: OutboxMessage, today: date, reads: batch.Batch) -> Prepared | None:
    return PREPARERS[row.template](row, today, reads)


def _prepare_outcome(row: OutboxMessage, today: date, reads: batch.Batch) -> Any:
    """What preparing the row gave, an exception included (raised again when the row's mail is built, so
    that the outbox fails or skips that row alone)."""
    try:
        return _prepare(row, today, reads)
    except Exception as exc:
        return exc


class MailBuilder:
    """Turns outbox rows into mails. ``prefetch`` loads what a whole batch reads with a fixed number of
    queries (``notifications.batch``); building one row alone gives the same mail."""

    def prefetch(self, rows: list[OutboxMessage]) -> None:
        reads = batch.current()
        today = local_today()
        contexts = [row.context for row in rows]
        reads.berichte.load(c.get("statusbericht") for c in contexts)
        reads.kas.load(c.get("kernaktivitaet") for c in contexts)
        reads.entries.load((ka.pk, ka.status) for ka in reads.kas.values.values() if ka is not None)
        reads.kommentare.load(c.get("kommentar") for c in contexts)
        reads.events.load(
            [c.get("event") for c in contexts]
            + [pk for pk in reads.entries.values.values() if pk is not None]
        )
        kas = [b.kernaktivitaet for b in reads.berichte.values.values() if b is not None]
        kas += [ka for ka in reads.kas.values.values() if ka is not None]
        kas += [e.kernaktivitaet for e in reads.events.values.values() if e is not None and e.kernaktivitaet]
        kas += [k.kernaktivitaet for k in reads.kommentare.values.values() if k is not None]
        reads.projektgruppen.load(ka.pk for ka in kas)
        reads.kompetenz_people.load(ka.kompetenz_id for ka in kas)
        reads.sessions.load(ka.pk for ka in kas if ka.status == KaStatus.COUNCIL)
        reads.roles.load(role.value for role in Role)
        people: set[int] = set()
        for row in rows:
            outcome = _prepare_outcome(row, today, reads)
            reads.prepared[row.pk] = outcome
            if isinstance(outcome, Prepared):
                people |= outcome.to_ids | outcome.cc_ids
        everyone = audiences.with_deputies(reads, people, today)
        reads.addresses.load(everyone)
        reads.opt_outs.load(everyone)

    def __call__(self, row: OutboxMessage) -> EmailMultiAlternatives | None:
        """The mail of an outbox row, or None when it has become pointless or nobody is left to receive it."""
        reads = batch.current()
        today = local_today()
        prepared = reads.prepared.pop(row.pk, _ABSENT)
        if prepared is _ABSENT:
            prepared = _prepare(row, today, reads)
        if isinstance(prepared, Exception):
            raise prepared
        if prepared is None:
            return None
        to, cc = audiences.resolve(
            reads, prepared.to_ids, prepared.cc_ids, row.category, today, prepared.exclude_ids
        )
        if not to:
            return None
        return _render(row, prepared, to, cc, today, reads.settings.sender)


def _render(
    row: OutboxMessage, prepared: Prepared, to: list[str], cc: list[str], today: date, sender: str
) -> EmailMultiAlternatives:
    context = {
        **prepared.context,
        "site_url": settings.SITE_URL,
        "heute": today,
        "einstellungen_link": links.preferences_url(),
        "abbestellbar": row.category in audiences.OPTIONAL_CATEGORIES,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"notifications/{row.template}_subject.txt", context).split())
        context["subject"] = subject
        text = render_to_string(f"notifications/{row.template}.txt", context)
        html = render_to_string(f"notifications/{row.template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=sender,
        to=to,
        cc=cc,
        headers={"Message-ID": message_id(row.key), "Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    return message


build_message = MailBuilder()
