"""The outbox: mails written in the transaction of their cause, delivered after commit, each exactly once.

It knows no domain: a row is a unique key, a template name, a JSON context, recipients (user ids) and a
category. ``deliver`` turns a row into a mail through a builder it is given (``notifications.emails``).

Exactly once: a row is inserted at most once (UNIQUE key, conflicts ignored); delivery first claims the row
by compare-and-set (pending → sending with a lease), so duplicate task deliveries, two workers or a beat
firing twice find nothing to do; a worker killed mid-send leaves the row ``sending`` until its lease ends,
then the sweep enqueues it again. A lost broker message (Redis down) leaves the row ``pending``; the sweep
enqueues it again. The one remaining window is a crash after the SMTP server accepted the mail and before
the row is marked sent; the Message-ID derived from the key lets the receiving side drop such a twin.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import OutboxMessage, OutboxState

logger = logging.getLogger(__name__)

DELIVER_TASK = "notifications.deliver"


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def claim_seconds() -> int:
    """How long a claimed row stays reserved for the worker that claimed it."""
    return _setting("NOTIFICATIONS_CLAIM_SECONDS", 600)


def requeue_seconds() -> int:
    """After this long without delivery, the sweep enqueues a waiting row again."""
    return _setting("NOTIFICATIONS_REQUEUE_SECONDS", 600)


def max_attempts() -> int:
    return _setting("NOTIFICATIONS_MAX_ATTEMPTS", 5)


def backoff_seconds(attempt: int) -> int:
    """Exponential backoff after the ``attempt``-th failure, capped at one hour."""
    base = _setting("NOTIFICATIONS_RETRY_BASE_SECONDS", 60)
    return int(min(base * 2 ** max(attempt - 1, 0), 3600))


def dispatch_batch() -> int:
    return _setting("NOTIFICATIONS_DISPATCH_BATCH", 2000)


@dataclass(frozen=True)
class Mail:
    """What to write into the outbox."""

    key: str
    template: str
    context: dict[str, Any]
    to_users: list[int]
    cc_users: list[int] | None = None
    category: str = "pflicht"

    def row(self) -> OutboxMessage:
        return OutboxMessage(
            key=self.key[:200],
            template=self.template,
            context=self.context,
            to_users=sorted(set(self.to_users)),
            cc_users=sorted(set(self.cc_users or []) - set(self.to_users)),
            category=self.category,
        )


def enqueue(mails: Iterable[Mail]) -> None:
    """Write the mails in the current transaction (a key seen before is ignored); after commit they are
    handed to the workers."""
    rows = [mail.row() for mail in mails]
    if not rows:
        return
    OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
    keys = [row.key for row in rows]
    transaction.on_commit(lambda: dispatch_keys(keys))


def _publish(ids: list[int]) -> list[int]:
    """Hand the rows to the broker; returns the ids whose message could not be published."""
    failed = []
    for index, pk in enumerate(ids):
        try:
            current_app.send_task(
                DELIVER_TASK,
                args=[pk],
                retry=True,
                retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
            )
        except Exception:  # broker unreachable: the sweep enqueues these rows again
            logger.warning("Broker unreachable; %d mails wait for the next sweep", len(ids) - index)
            failed = ids[index:]
            break
    return failed


def _mark_enqueued_and_publish(ids: list[int]) -> int:
    if not ids:
        return 0
    OutboxMessage.objects.filter(pk__in=ids).update(enqueued_at=timezone.now())
    failed = _publish(ids)
    if failed:
        OutboxMessage.objects.filter(pk__in=failed, state=OutboxState.PENDING).update(enqueued_at=None)
    return len(ids) - len(failed)


def dispatch_keys(keys: list[str]) -> int:
    """After commit: enqueue delivery of the rows just written."""
    ids = list(
        OutboxMessage.objects.filter(
            key__in=keys, state=OutboxState.PENDING, enqueued_at__isnull=True
        ).values_list("pk", flat=True)
    )
    return _mark_enqueued_and_publish(ids)


def dispatch_waiting() -> int:
    """Enqueue rows that wait without a live broker message: never enqueued, enqueued long ago (message
    lost), due for a retry, or claimed by a worker whose lease ran out (worker died mid-send)."""
    now = timezone.now()
    stale = now - timedelta(seconds=requeue_seconds())
    waiting = Q(state=OutboxState.PENDING) & (
        Q(enqueued_at__isnull=True)
        | Q(enqueued_at__lt=stale)
        | Q(next_attempt_at__lte=now, enqueued_at__lt=now - timedelta(seconds=5))
    )
    abandoned = Q(state=OutboxState.SENDING, claimed_until__lt=now)
    ids = list(
        OutboxMessage.objects.filter(waiting | abandoned)
        .order_by("pk")
        .values_list("pk", flat=True)[: dispatch_batch()]
    )
    return _mark_enqueued_and_publish(ids)


@dataclass(frozen=True)
class DeliveryResult:
    state: str
    retry_in: int | None = None


def _claim(pk: int) -> bool:
    now = timezone.now()
    claimable = (
        Q(state=OutboxState.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    ) | Q(state=OutboxState.SENDING, claimed_until__lt=now)

    return bool(
        OutboxMessage.objects.filter(claimable, pk=pk).update(
            state=OutboxState.SENDING,
            claimed_until=now + timedelta(seconds=claim_seconds()),
            attempts=F("attempts") + 1,
        )
    )


Builder = Callable[[OutboxMessage], EmailMessage | None]


def deliver(pk: int, *, builder: Builder) -> DeliveryResult:
    """Claim the row, build and send its mail, mark it sent. Safe to call any number of times."""
    if not _claim(pk):
        return DeliveryResult("skipped")
    row = OutboxMessage.objects.get(pk=pk)
    if row.attempts > max_attempts():  # claimed again and again by workers that died mid-send
        OutboxMessage.objects.filter(pk=pk, state=OutboxState.SENDING).update(
            state=OutboxState.FAILED,
            claimed_until=None,
            last_error=row.last_error
            or "Zustellung abgebrochen: der Worker endete mehrfach während des Versands",
        )
        return DeliveryResult(OutboxState.FAILED)
    try:
        message = builder(row)
        if message is None:
            OutboxMessage.objects.filter(pk=pk, state=OutboxState.SENDING).update(
                state=OutboxState.CANCELLED, claimed_until=None
            )
            return DeliveryResult(OutboxState.CANCELLED)
        message.send(fail_silently=False)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        logger.warning("Mail %s failed (attempt %d): %s", row.key, row.attempts, error)
        if row.attempts >= max_attempts():
            OutboxMessage.objects.filter(pk=pk, state=OutboxState.SENDING).update(
                state=OutboxState.FAILED, claimed_until=None, last_error=error
            )
            return DeliveryResult(OutboxState.FAILED)
        wait = backoff_seconds(row.attempts)
        now = timezone.now()
        OutboxMessage.objects.filter(pk=pk, state=OutboxState.SENDING).update(
            state=OutboxState.PENDING,
            claimed_until=None,
            next_attempt_at=now + timedelta(seconds=wait),
            enqueued_at=now,
            last_error=error,
        )
        return DeliveryResult(OutboxState.PENDING, retry_in=wait)
    OutboxMessage.objects.filter(pk=pk, state=OutboxState.SENDING).update(
        state=OutboxState.SENT,
        sent_at=timezone.now(),
        claimed_until=None,
        subject_sent=str(message.subject)[:300],
        recipients_sent=", ".join([*message.to, *message.cc]),
        last_error="",
    )
    return DeliveryResult(OutboxState.SENT)


def retry_failed(ids: Iterable[int]) -> int:
    """Put failed rows back in the queue (admin action)."""
    ids = list(ids)
    count = OutboxMessage.objects.filter(pk__in=ids, state=OutboxState.FAILED).update(
        state=OutboxState.PENDING, attempts=0, next_attempt_at=None, enqueued_at=None
    )
    transaction.on_commit(dispatch_waiting)
    return count
