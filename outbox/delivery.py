"""The outbox: mails written in the transaction of their cause, delivered after commit, each exactly once.

It knows no domain: a row is a unique key, a template name, a JSON context, recipients (user ids) and a
category. Delivery turns rows into mails through a builder it is given (``notifications.emails``).

Exactly once, and what is left:
- A row is inserted at most once (UNIQUE key, conflicts ignored).
- Workers claim rows in batches (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a compare-and-set update on any
  database) under a fresh claim token and a lease; every completion update matches that token, so a worker
  whose lease ran out can never mark a row another worker claimed since.
- The lease is short and renewed while the batch is sent: before each mail the worker checks that its lease
  outlasts that mail's worst-case send (``EMAIL_TIMEOUT`` for every SMTP command it can wait on: the
  connection if none is open, 3 per mail, 1 per recipient, plus a margin) and extends it when it does not.
  So a send can never outlive its lease, and the rows of a worker that died wait at most one mail's worst
  case plus ``NOTIFICATIONS_CLAIM_SECONDS`` before another worker takes them (not the whole batch's worst
  case). A renewal that finds the claim gone stops the batch: its rows are another worker's now.
- Each mail is marked right after the server accepted it; if the database connection died during the SMTP
  conversation, the update reconnects once.
- Per recipient the server's answer is kept: a 4xx recipient is retried alone, a 5xx recipient is refused
  alone (``partial``), a 5xx for the whole mail or all recipients fails at once. Transient failures past the
  retry budget are retried automatically once the server answers again (``retry_after_outage``).
- A lost broker message (Redis down) leaves the row waiting; the sweep hands it over again. A request to
  deliver carries no row id: whatever waits is claimed from the table, so redundant requests cost one query.

The window left: a worker that dies, or loses the database beyond one reconnect, after the SMTP server
accepted a mail and before that mail's completion update (one UPDATE, milliseconds). The row stays
``sending`` until its lease ends and is sent again. A process frozen beyond its lease (SIGSTOP, a suspended
VM) can send a twin as well, though it can no longer mark the row. In both cases the twin carries the same
Message-ID (derived from the key), so the receiving side can drop it. SMTP itself has the same window (an
accepted DATA whose 250 reply is lost), so no sender can close it.
"""

import contextlib
import logging
import smtplib
import uuid
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from .models import OutboxMessage, OutboxState

logger = logging.getLogger(__name__)

DELIVER_TASK = "notifications.deliver"
DELIVER_BATCH_TASK = "notifications.deliver_batch"


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


def _publish(count: int) -> int:
    """Ask ``count`` workers to drain the outbox (each claims batches until nothing waits); returns how many
    requests reached the broker. A request carries no row: whatever waits is claimed from the table, so a
    lost or redundant request costs nothing but a query."""
    published = 0
    for _ in range(count):
        try:
            current_app.send_task(
                DELIVER_BATCH_TASK,
                retry=True,
                retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
            )
        except Exception:  # broker unreachable: the sweep hands the rows over again
            logger.warning("Broker unreachable; waiting mails wait for the next sweep")
            break
        published += 1
    return published


def _drainers(rows: int) -> int:
    return min(
        max((rows + batch_size() - 1) // batch_size(), 1), _setting("NOTIFICATIONS_PARALLEL_BATCHES", 4)
    )


def drain_seconds() -> int:
    return _setting("NOTIFICATIONS_DRAIN_SECONDS", 60)


def dispatch_more() -> int:
    """A drain that spent its time budget asks for one more."""
    return _publish(1)


def _mark_enqueued_and_publish(ids: list[int]) -> int:
    if not ids:
        return 0
    OutboxMessage.objects.filter(pk__in=ids).update(enqueued_at=timezone.now())
    if not _publish(_drainers(len(ids))):
        OutboxMessage.objects.filter(pk__in=ids, state=OutboxState.PENDING).update(enqueued_at=None)
        return 0
    return len(ids)


def dispatch_keys(keys: list[str]) -> int:
    """After commit: ask a worker to deliver the rows just written."""
    ids = list(
        OutboxMessage.objects.filter(
            key__in=keys, state=OutboxState.PENDING, enqueued_at__isnull=True
        ).values_list("pk", flat=True)
    )
    return _mark_enqueued_and_publish(ids)


def dispatch_waiting() -> int:
    """Hand over every row that waits without a live request: never enqueued, enqueued long ago (request
    lost), due for a retry, or claimed by a worker whose lease ran out (worker died mid-send). No cap: one
    UPDATE marks them all, and a few drain requests (one per batch, at most NOTIFICATIONS_PARALLEL_BATCHES)
    carry them, since each drain keeps claiming batches until nothing waits."""
    now = timezone.now()
    stale = now - timedelta(seconds=requeue_seconds())
    waiting = Q(state=OutboxState.PENDING) & (
        Q(enqueued_at__isnull=True)
        | Q(enqueued_at__lt=stale)
        | Q(next_attempt_at__lte=now, enqueued_at__lt=now - timedelta(seconds=5))
    )
    abandoned = Q(state=OutboxState.SENDING, claimed_until__lt=now)
    ids = list(OutboxMessage.objects.filter(waiting | abandoned).values_list("pk", flat=True))
    return _mark_enqueued_and_publish(ids)


@dataclass(frozen=True)
class DeliveryResult:
    state: str
    retry_in: int | None = None


class Skip(Exception):
    """Raised by a builder: this mail has been replaced by a later one (a later rule or occurrence of the same
    deadline); the row ends ``skipped`` with the reason."""

    def __init__(self, reason: str) -> None:
        self.reason = str(reason)
        super().__init__(self.reason)


Builder = Callable[[OutboxMessage], EmailMessage | None]

# The claim token of the batch being built, for builders that read what a batch needs at once (see
# ``_prefetch``); empty outside a batch.
batch_scope: ContextVar[str] = ContextVar("outbox_batch_scope", default="")

# SMTP commands a worst-case send waits on, each bounded by EMAIL_TIMEOUT: connect + EHLO + (TLS, AUTH) + QUIT
# per connection, MAIL + DATA + end of data per mail, one RCPT per recipient.
_OPS_PER_CONNECTION = 5
_OPS_PER_MAIL = 3


def email_timeout() -> int:
    return int(getattr(settings, "EMAIL_TIMEOUT", None) or 30)


def worst_case_seconds(recipients: int, *, connect: bool = True) -> int:
    """The longest one mail's send can take: every SMTP command it can wait on (opening the connection when
    none is open, 3 per mail, 1 per recipient), each at most EMAIL_TIMEOUT, plus a margin."""
    ops = (_OPS_PER_CONNECTION if connect else 0) + _OPS_PER_MAIL + recipients
    return ops * email_timeout() + _setting("NOTIFICATIONS_LEASE_MARGIN_SECONDS", 30)


def lease_seconds(recipients: int) -> int:
    """How far a claim reaches when it is taken or renewed for a mail with this many recipients: that mail's
    worst case plus NOTIFICATIONS_CLAIM_SECONDS, so that a fast batch renews about once per that many
    seconds, not once per mail."""
    return worst_case_seconds(recipients) + claim_seconds()


def batch_size() -> int:
    return max(_setting("NOTIFICATIONS_BATCH_SIZE", 50), 1)


def _claimable(now: Any) -> Q:
    return (
        Q(state=OutboxState.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    ) | Q(state=OutboxState.SENDING, claimed_until__lt=now)


def _claim(ids: list[int] | None, limit: int) -> tuple[str, list[OutboxMessage]]:
    """Claim up to ``limit`` rows (these ids, or any waiting) for this worker under a fresh token. On
    PostgreSQL the rows are picked with FOR UPDATE SKIP LOCKED, so parallel workers take disjoint rows; the
    update re-checks claimability, so on any database a row goes to one claimant only."""
    token = uuid.uuid4().hex
    now = timezone.now()
    with transaction.atomic():
        candidates = OutboxMessage.objects.filter(_claimable(now))
        if ids is not None:
            candidates = candidates.filter(pk__in=ids)
        if connection.vendor == "postgresql":
            candidates = candidates.select_for_update(skip_locked=True)
        pks = list(candidates.order_by("pk").values_list("pk", flat=True)[:limit])
        if not pks:
            return token, []
        OutboxMessage.objects.filter(_claimable(now), pk__in=pks).update(
            state=OutboxState.SENDING,
            claim_token=token,
            claimed_until=now + timedelta(seconds=lease_seconds(0)),
            attempts=F("attempts") + 1,
        )
    return token, list(OutboxMessage.objects.filter(claim_token=token, state=OutboxState.SENDING))


def _mine(row: OutboxMessage, token: str) -> QuerySet[OutboxMessage]:
    """The row, only while this worker's claim holds it: an expired lease taken over by another worker
    changes the token, and then no completion update of ours matches."""
    return OutboxMessage.objects.filter(pk=row.pk, claim_token=token, state=OutboxState.SENDING)


def _reconnecting(update: Callable[[], int], what: str) -> int:
    """Run an update, reconnecting once if the database connection died during the SMTP conversation (a long
    send outlives a server restart or a killed backend)."""
    for attempt in (1, 2):
        try:
            return update()
        except (OperationalError, InterfaceError):
            if attempt == 2 or connection.in_atomic_block:
                raise
            logger.warning("Database connection lost while sending %s; reconnecting", what)
            connection.close()
    return 0


def _update(row: OutboxMessage, token: str, **values: Any) -> bool:
    """A completion update, matched to this worker's claim."""
    return bool(_reconnecting(lambda: _mine(row, token).update(**values), row.key))


class Lease:
    """This worker's claim on a batch: renewed before a mail whose worst-case send would outlive it."""

    def __init__(self, token: str, until: Any) -> None:
        self.token = token
        self.until = until
        self.renewals = 0

    def covers(self, recipients: int, *, connect: bool) -> bool:
        """True when the claim still holds for this mail's worst case (renewed if needed); False when
        another worker has taken the batch's rows over."""
        now = timezone.now()
        if self.until - now >= timedelta(seconds=worst_case_seconds(recipients, connect=connect)):
            return True
        until = now + timedelta(seconds=lease_seconds(recipients))
        held = _reconnecting(
            lambda: OutboxMessage.objects.filter(claim_token=self.token, state=OutboxState.SENDING).update(
                claimed_until=until
            ),
            f"batch {self.token}",
        )
        self.until = until
        self.renewals += 1
        return bool(held)


@dataclass
class SendOutcome:
    accepted: list[str]
    refused: dict[str, str]  # address -> the server's answer ("550 5.1.1 unknown user")
    error: str = ""
    permanent: bool = False  # the server refused the whole mail with a 5xx


def _answer(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()[:500]


def _send(backend: Any, message: EmailMessage) -> SendOutcome:
    """Send one mail over the batch's connection and tell, per recipient, what the server answered. Django's
    SMTP backend drops smtplib's refused-recipients dict; here it is kept."""
    recipients = list(message.recipients())
    if not isinstance(backend, SmtpBackend):  # file, console, locmem: no per-recipient answers
        try:
            backend.send_messages([message])
        except Exception as exc:
            return SendOutcome([], {}, error=f"{type(exc).__name__}: {exc}"[:2000])
        return SendOutcome(recipients, {})
    try:
        if backend.connection is None:
            backend.open()
        encoding = message.encoding or settings.DEFAULT_CHARSET
        sender = sanitize_address(message.from_email, encoding)
        addresses = {sanitize_address(a, encoding): a for a in recipients}
        raw = message.message().as_bytes(linesep="\r\n")  # type: ignore[call-arg]  # as Django's backend
        smtp = backend.connection
        assert smtp is not None
        try:
            refused_raw = smtp.sendmail(sender, list(addresses), raw)
        except smtplib.SMTPRecipientsRefused as exc:
            refused_raw = exc.recipients
    except smtplib.SMTPResponseException as exc:
        _reset(backend)
        return SendOutcome(
            [], {}, error=_answer(exc.smtp_code, exc.smtp_error), permanent=500 <= exc.smtp_code < 600
        )
    except Exception as exc:  # connection refused, reset, timeout: transient
        _reset(backend)
        return SendOutcome([], {}, error=f"{type(exc).__name__}: {exc}"[:2000])
    refused = {addresses.get(a, a): _answer(code, text) for a, (code, text) in refused_raw.items()}
    return SendOutcome([a for a in recipients if a not in refused], refused)


def _reset(backend: Any) -> None:
    """After an SMTP error the connection's state is unknown: the next mail of the batch opens a new one."""
    with contextlib.suppress(Exception):
        backend.close()
    backend.connection = None


def _pending_only(message: EmailMessage, row: OutboxMessage) -> None:
    """On a retry only the recipients that have no final answer yet get the mail (same Message-ID)."""
    done = {a for a, info in (row.recipients or {}).items() if info.get("state") in ("sent", "failed")}
    if not done:
        return
    message.to = [a for a in message.to if a not in done]
    message.cc = [a for a in message.cc if a not in done]
    if not message.to and message.cc:
        message.to, message.cc = message.cc, []


def _finish(row: OutboxMessage, token: str, message: EmailMessage, outcome: SendOutcome) -> DeliveryResult:
    """Record what the server answered, per recipient, and decide the row's state."""
    now = timezone.now()
    stamp = now.isoformat(timespec="seconds")
    recipients = dict(row.recipients or {})
    for address in outcome.accepted:
        recipients[address] = {"state": "sent", "answer": "250", "at": stamp}
    for address, answer in outcome.refused.items():
        final = answer.startswith("5")
        recipients[address] = {"state": "failed" if final else "retry", "answer": answer, "at": stamp}
    if outcome.error:
        for address in message.recipients():
            if recipients.get(address, {}).get("state") not in ("sent", "failed"):
                state = "failed" if outcome.permanent else "retry"
                recipients[address] = {"state": state, "answer": outcome.error[:500], "at": stamp}
    sent = [a for a, i in recipients.items() if i["state"] == "sent"]
    failed = [a for a, i in recipients.items() if i["state"] == "failed"]
    waiting = [a for a, i in recipients.items() if i["state"] == "retry"]
    if outcome.error and not message.recipients():
        # The mail could not even be built (e.g. the database connection died): nobody got it, try again,
        # or fail it for good when the error was permanent.
        if outcome.permanent:
            failed = failed or ["-"]
        else:
            waiting = waiting or ["-"]
    common: dict[str, Any] = {
        "claimed_until": None,
        "recipients": recipients,
        "recipients_sent": ", ".join(sent),
        "subject_sent": str(message.subject)[:300],
    }
    error = outcome.error or "; ".join(f"{a}: {recipients[a]['answer']}" for a in failed + waiting)
    if waiting:
        if row.attempts >= max_attempts():
            _update(row, token, state=OutboxState.FAILED, transient=True, last_error=error[:2000], **common)
            logger.warning("Mail %s failed after %d attempts: %s", row.key, row.attempts, error)
            return DeliveryResult(OutboxState.FAILED)
        wait = backoff_seconds(row.attempts)
        _update(
            row,
            token,
            state=OutboxState.PENDING,
            next_attempt_at=now + timedelta(seconds=wait),
            enqueued_at=now,
            last_error=error[:2000],
            **common,
        )
        return DeliveryResult(OutboxState.PENDING, retry_in=wait)
    if failed and not sent:
        state = OutboxState.FAILED
    elif failed:
        state = OutboxState.PARTIAL
    else:
        state = OutboxState.SENT
    _update(
        row,
        token,
        state=state,
        transient=False,
        sent_at=now if sent else None,
        last_error=error[:2000] if failed else "",
        **common,
    )
    return DeliveryResult(state)


def _deliver_claimed(rows: list[OutboxMessage], token: str, builder: Builder) -> list[DeliveryResult]:
    """Build the claimed rows' mails and send them over one SMTP connection."""
    results: list[DeliveryResult] = []
    ready: list[tuple[OutboxMessage, EmailMessage]] = []
    scope = batch_scope.set(token)
    try:
        _prefetch(builder, rows)
        _build_all(rows, token, builder, results, ready)
    finally:
        batch_scope.reset(scope)
    if not ready:
        return results
    claimed_until = min((row.claimed_until for row in rows if row.claimed_until), default=timezone.now())
    _send_all(ready, Lease(token, claimed_until), results)
    return results


def _prefetch(builder: Builder, rows: list[OutboxMessage]) -> None:
    """A builder may load what the whole batch reads at once (a ``prefetch(rows)`` method). If that fails,
    each row is built on its own and fails or succeeds alone."""
    prefetch = getattr(builder, "prefetch", None)
    if prefetch is None:
        return
    try:
        prefetch(rows)
    except Exception:
        logger.exception("Loading the batch's data at once failed; building its mails one by one")


def _build_all(
    rows: list[OutboxMessage],
    token: str,
    builder: Builder,
    results: list[DeliveryResult],
    ready: list[tuple[OutboxMessage, EmailMessage]],
) -> None:
    for row in rows:
        if row.attempts > max_attempts():  # claimed again and again by workers that died mid-send
            _update(
                row,
                token,
                state=OutboxState.FAILED,
                claimed_until=None,
                last_error=row.last_error
                or "Zustellung abgebrochen: der Worker endete mehrfach während des Versands",
            )
            results.append(DeliveryResult(OutboxState.FAILED))
            continue
        try:
            message = builder(row)
        except Skip as skip:
            _update(row, token, state=OutboxState.SKIPPED, claimed_until=None, skip_reason=skip.reason[:300])
            results.append(DeliveryResult(OutboxState.SKIPPED))
            continue
        except Exception as exc:  # a row whose mail cannot be built is retried, then failed, alone
            error = f"{type(exc).__name__}: {exc}"
            logger.exception("Mail %s could not be built", row.key)
            results.append(_finish(row, token, EmailMessage(), SendOutcome([], {}, error=error)))
            continue
        if message is None:
            _update(row, token, state=OutboxState.CANCELLED, claimed_until=None)
            results.append(DeliveryResult(OutboxState.CANCELLED))
            continue
        _pending_only(message, row)
        ready.append((row, message))


def _send_all(
    ready: list[tuple[OutboxMessage, EmailMessage]], lease: Lease, results: list[DeliveryResult]
) -> None:
    token = lease.token
    backend = get_connection(fail_silently=False)
    relaxed = _relaxed_commits()
    try:
        for row, message in ready:
            message.connection = backend
            if not message.recipients():
                results.append(_finish(row, token, message, SendOutcome([], {})))
                continue
            connect = getattr(backend, "connection", None) is None
            if not lease.covers(len(message.recipients()), connect=connect):
                logger.warning("Claim %s was taken over by another worker; its rows are theirs", token)
                return
            results.append(_finish(row, token, message, _send(backend, message)))
    finally:
        _reset(backend)
        if relaxed:
            _strict_commits()


def _relaxed_commits() -> bool:
    """Completion updates without waiting for the disk (PostgreSQL ``synchronous_commit = off``): each mail is
    marked right after the server accepted it and visible to every worker at once; only a crash of the
    database server itself could lose the last fraction of a second of marks (their rows are sent again, with
    the same Message-ID). A worker's death loses none. It makes a mail's mark cost no disk flush."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    return True


def _strict_commits() -> None:
    with contextlib.suppress(Exception), connection.cursor() as cursor:
        cursor.execute("RESET synchronous_commit")


def deliver_batch(*, builder: Builder, limit: int | None = None) -> list[DeliveryResult]:
    """Claim up to ``limit`` waiting rows and deliver them; an empty list when nothing waits."""
    token, rows = _claim(None, limit or batch_size())
    return _deliver_claimed(rows, token, builder) if rows else []


def deliver(pk: int, *, builder: Builder) -> DeliveryResult:
    """Claim this one row, build and send its mail, record the outcome. Safe to call any number of times."""
    token, rows = _claim([pk], 1)
    if not rows:
        return DeliveryResult("skipped")
    (result,) = _deliver_claimed(rows, token, builder)
    return result


def retry_failed(ids: Iterable[int]) -> int:
    """Put failed rows back in the queue (admin action); recipients that already got the mail do not get it
    again, refused ones are tried again."""
    count = 0
    for row in OutboxMessage.objects.filter(pk__in=list(ids), state=OutboxState.FAILED):
        kept = {a: i for a, i in (row.recipients or {}).items() if i.get("state") == "sent"}
        count += OutboxMessage.objects.filter(pk=row.pk, state=OutboxState.FAILED).update(
            state=OutboxState.PENDING,
            attempts=0,
            next_attempt_at=None,
            enqueued_at=None,
            transient=False,
            recipients=kept,
        )
    transaction.on_commit(dispatch_waiting)
    return count


@dataclass(frozen=True)
class OutageCheck:
    """What ``retry_after_outage`` found: how many rows wait for the server, and its error while down."""

    waiting: int = 0
    requeued: int = 0
    error: str = ""


def retry_after_outage() -> OutageCheck:
    """Rows that failed for transient reasons (the server unreachable or answering 4xx longer than the retry
    budget) go back to the queue once the server answers again; until then the caller is told the server's
    error (the sweep shows it to the admin). Costs one query while nothing failed."""
    failed = list(
        OutboxMessage.objects.filter(state=OutboxState.FAILED, transient=True).values_list("pk", flat=True)
    )
    if not failed:
        return OutageCheck()
    backend = get_connection(fail_silently=False)
    try:
        backend.open()
    except Exception as exc:
        return OutageCheck(waiting=len(failed), error=f"{type(exc).__name__}: {exc}")
    finally:
        with contextlib.suppress(Exception):
            backend.close()
    requeued = OutboxMessage.objects.filter(pk__in=failed, state=OutboxState.FAILED, transient=True).update(
        state=OutboxState.PENDING, attempts=0, next_attempt_at=None, enqueued_at=None, transient=False
    )
    return OutageCheck(waiting=len(failed), requeued=requeued)
