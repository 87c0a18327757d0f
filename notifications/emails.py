"""The one mail builder: an outbox row becomes a German plain-text and HTML mail from
``templates/notifications/<template>{_subject.txt,.txt,.html}``."""

import hashlib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from . import audiences, links
from .messages import PREPARERS
from .models import DeadlineSettings, OutboxMessage
from .outbox import batch_scope
from .rules import local_today


def message_id(key: str) -> str:
    """A Message-ID derived from the outbox key: the same mail always carries the same id."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@bochum-strategie.invalid>"


_sender_cache: dict[str, str] = {}


def _sender() -> str:
    """The configured sender, read once per batch of mails (outbox.batch_scope), not once per mail."""
    scope = batch_scope.get()
    if not scope:
        return DeadlineSettings.get().sender
    if scope not in _sender_cache:
        _sender_cache.clear()
        _sender_cache[scope] = DeadlineSettings.get().sender
    return _sender_cache[scope]


def build_message(row: OutboxMessage) -> EmailMultiAlternatives | None:
    """The mail of an outbox row, or None when it has become pointless or nobody is left to receive it."""
    prepare = PREPARERS[row.template]
    today = local_today()
    prepared = prepare(row, today)
    if prepared is None:
        return None
    to, cc = audiences.resolve(prepared.to_ids, prepared.cc_ids, row.category, today)
    if not to:
        return None
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
        from_email=_sender(),
        to=to,
        cc=cc,
        headers={"Message-ID": message_id(row.key), "Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    return message
