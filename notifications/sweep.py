"""The sweep: a beat task every few minutes (its steps are listed on ``sweep``). Set-based: whatever the
number of deadlines, it runs the same few SQL statements — one INSERT … SELECT … ON CONFLICT DO NOTHING
per kind of deadline writes one outbox row per (deadline, rule, occurrence); the UNIQUE key makes a second
sweep (or two at once) write nothing new. Then it hands waiting rows to the workers (new ones, lost ones,
retries due, abandoned claims).

One sweep at a time: a PostgreSQL advisory lock (on SQLite a file lock), a second sweep at the same moment
returns at once. Even without it no KA gets a second open report (partial unique constraint
``bericht_one_open_per_ka``), since two sweeps on both sides of midnight compute different due dates."""

import fcntl
import hashlib
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.models import (
    AuditEvent,
    KaStatus,
    Kernaktivitaet,
    Resolution,
    Statusbericht,
)
from outbox.delivery import dispatch_waiting, retry_after_outage
from outbox.models import OutboxMessage
from workflow import deadlines
from workflow.models import DeadlineSettings
from workflow.reports.services import statusberichte_schedule_run

from .models import ReminderRule, RuleKind, SweepProblem, SweepProblemStage
from .problems import problem_record, problems_clear
from .rules import BERLIN, RuleWindow, rule_windows, sending_time

logger = logging.getLogger(__name__)

OUTBOX_COLUMNS = (
    "key, template, context, to_users, cc_users, category, state, attempts, "
    "recipients_sent, subject_sent, last_error, claim_token, recipients, transient, skip_reason"
)


@dataclass(frozen=True)
class SweepResult:
    reports_created: int
    reminders: int
    digests: int
    dispatched: int


def _sql_dialect() -> dict[str, str]:
    if connection.vendor == "postgresql":
        return {
            "json": "jsonb_build_object",
            "empty": "'[]'::jsonb",
            "obj": "'{}'::jsonb",
            "diff_date": "(CAST(%s AS date) - {col})",
            "diff_ts": "(CAST(%s AS date) - GREATEST(CAST(({col} AT TIME ZONE 'Europe/Berlin') AS date), "
            "COALESCE({session}, DATE '1900-01-01')))",
        }
    return {
        "json": "json_object",
        "empty": "'[]'",
        "obj": "'{}'",
        "diff_date": "CAST(julianday(%s) - julianday({col}) AS INTEGER)",
        "diff_ts": "CAST(julianday(%s) - julianday(MAX(date({col}), COALESCE({session}, '1900-01-01'))) "
        "AS INTEGER)",
    }


def _windows_cte(windows: list[RuleWindow]) -> tuple[str, list[Any]]:
    rows = ", ".join(
        [
            "(CAST(%s AS integer), CAST(%s AS varchar(40)), CAST(%s AS integer), CAST(%s AS integer), "
            "CAST(%s AS integer), CAST(%s AS varchar(20)))"
        ]
        * len(windows)
    )
    params: list[Any] = []
    for w in windows:
        params += [w.rule.pk, w.rule.key, w.low, w.high, w.repeat, "pflicht" if w.rule.pflicht else "vorab"]
    return f"w(rule_id, rule_key, low, high, rep, category) AS (VALUES {rows})", params


def _execute(sql: str, params: list[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def insert_report_reminders(today: date, windows: list[RuleWindow], ka_id: int | None = None) -> int:
    """One outbox row per (owed report, rule window it is in today, occurrence); one statement (for one KA
    only with ``ka_id``: the fallback that keeps one KA's failure apart)."""
    if not windows:
        return 0
    d = _sql_dialect()
    cte, params = _windows_cte(windows)
    diff = d["diff_date"].format(col="COALESCE(sb.nachreichen_bis, sb.faellig_am)")
    owed, owed_params = Statusbericht.owed_sql("sb", "ka")
    sql = f"""
        WITH {cte},
        owed AS (
            SELECT sb.id AS id, sb.runde AS runde, {diff} AS diff
            FROM {Statusbericht._meta.db_table} sb
            JOIN {Kernaktivitaet._meta.db_table} ka ON ka.id = sb.kernaktivitaet_id
            WHERE {owed}
              AND (CAST(%s AS integer) IS NULL OR ka.id = CAST(%s AS integer))
        ),
        hits AS (
            SELECT owed.id, owed.runde, w.rule_id, w.rule_key, w.category,
                   CASE WHEN w.rep > 0 THEN (owed.diff - w.low) / w.rep ELSE 0 END AS occ
            FROM owed JOIN w ON owed.diff >= w.low AND (w.high IS NULL OR owed.diff < w.high)
        )
        INSERT INTO {OutboxMessage._meta.db_table} ({OUTBOX_COLUMNS})
        SELECT 'bericht:' || hits.id || ':' || hits.runde || ':' || hits.rule_key || ':' || hits.occ,
               'bericht_erinnerung',
               {d["json"]}('statusbericht', hits.id, 'runde', hits.runde, 'rule', hits.rule_id,
                           'occurrence', hits.occ),
               {d["empty"]}, {d["empty"]}, hits.category, 'pending', 0, '', '', '', '', {d["obj"]}, FALSE, ''
        FROM hits WHERE 1 = 1
        ON CONFLICT (key) DO NOTHING
    """
    params += [today, *owed_params, ka_id, ka_id]
    return _execute(sql, params)


def insert_decision_reminders(
    today: date, windows: list[RuleWindow], cfg: DeadlineSettings, ka_id: int | None = None
) -> int:
    """One outbox row per (KA waiting for a decision past its time limit, rule window, occurrence).

    The time limit runs from the day the KA entered its state; for the council record from the later of
    that day and the session it was deferred to."""
    if not windows:
        return 0
    d = _sql_dialect()
    cte, params = _windows_cte(windows)
    limits = list(deadlines.decision_days(cfg).items())
    for status, days in limits:
        params += [str(status), days]
    lim_rows = ", ".join(["(CAST(%s AS varchar(20)), CAST(%s AS integer))"] * len(limits))
    diff = d["diff_ts"].format(col="ae.created_at", session="sessions.session")
    ka_table, ae_table = Kernaktivitaet._meta.db_table, AuditEvent._meta.db_table
    res_table = Resolution._meta.db_table
    sql = f"""
        WITH {cte},
        lim(status, days) AS (VALUES {lim_rows}),
        entered AS (
            SELECT ka.id AS ka_id, ka.status AS status, MAX(ae.id) AS event_id
            FROM {ka_table} ka JOIN {ae_table} ae ON ae.kernaktivitaet_id = ka.id AND ae.to_status = ka.status
            WHERE ka.status IN (%s, %s, %s)
              AND (CAST(%s AS integer) IS NULL OR ka.id = CAST(%s AS integer))
            GROUP BY ka.id, ka.status
        ),
        waiting AS (
            SELECT entered.ka_id, entered.status, entered.event_id, {diff} - lim.days AS diff
            FROM entered JOIN {ae_table} ae ON ae.id = entered.event_id
            JOIN lim ON lim.status = entered.status
            LEFT JOIN (
                SELECT kernaktivitaet_id, MAX(deferred_to) AS session FROM {res_table}
                WHERE deferred_to IS NOT NULL GROUP BY kernaktivitaet_id
            ) sessions ON sessions.kernaktivitaet_id = entered.ka_id AND entered.status = %s
        ),
        hits AS (
            SELECT waiting.ka_id, waiting.status, waiting.event_id, w.rule_id, w.rule_key, w.category,
                   CASE WHEN w.rep > 0 THEN (waiting.diff - w.low) / w.rep ELSE 0 END AS occ
            FROM waiting JOIN w ON waiting.diff >= w.low AND (w.high IS NULL OR waiting.diff < w.high)
        )
        INSERT INTO {OutboxMessage._meta.db_table} ({OUTBOX_COLUMNS})
        SELECT 'entscheidung:' || hits.ka_id || ':' || hits.status || ':' || hits.event_id || ':'
                   || hits.rule_key || ':' || hits.occ,
               'entscheidung_erinnerung',
               {d["json"]}('kernaktivitaet', hits.ka_id, 'status', hits.status, 'event', hits.event_id,
                           'rule', hits.rule_id, 'occurrence', hits.occ),
               {d["empty"]}, {d["empty"]}, hits.category, 'pending', 0, '', '', '', '', {d["obj"]}, FALSE, ''
        FROM hits WHERE 1 = 1
        ON CONFLICT (key) DO NOTHING
    """
    params += [str(s) for s, _days in limits]
    params += [ka_id, ka_id, today, str(KaStatus.COUNCIL)]
    return _execute(sql, params)


def insert_digest(today: date) -> int:
    """The weekly overview for the Strategiezirkel: one row per ISO week, on its first sending day."""
    year, week, _weekday = today.isocalendar()
    label = f"{year}-W{week:02d}"
    d = _sql_dialect()
    sql = f"""
        INSERT INTO {OutboxMessage._meta.db_table} ({OUTBOX_COLUMNS})
        VALUES (%s, 'wochenuebersicht', {d["json"]}('woche', CAST(%s AS varchar(10))), {d["empty"]},
                {d["empty"]}, 'digest', 'pending', 0, '', '', '', '', {d["obj"]}, FALSE, '')
        ON CONFLICT (key) DO NOTHING
    """
    return _execute(sql, [f"wochenuebersicht:{label}", label])


def _reminders_per_ka(
    today: date, report_windows: list[RuleWindow], decision_windows: list[RuleWindow], cfg: DeadlineSettings
) -> int:
    """The fallback after the set-based insert failed: each KA with a deadline alone in a savepoint, so that
    the one whose data breaks the statement is recorded for the admin and all others get their reminders."""
    report_kas = set(
        Statusbericht.objects.filter(Statusbericht.owed_q()).values_list("kernaktivitaet_id", flat=True)
    )
    decision_kas = set(
        Kernaktivitaet.objects.filter(status__in=KaStatus.awaiting_decision()).values_list("pk", flat=True)
    )
    written, failed = 0, []
    for ka_id in sorted(report_kas | decision_kas):
        try:
            with transaction.atomic():
                if ka_id in report_kas:
                    written += insert_report_reminders(today, report_windows, ka_id)
                if ka_id in decision_kas:
                    written += insert_decision_reminders(today, decision_windows, cfg, ka_id)
        except Exception as exc:
            failed.append(ka_id)
            problem_record(
                SweepProblemStage.REMINDERS,
                _("Erinnerungen dieser Kernaktivität konnten nicht geschrieben werden: %(error)s")
                % {"error": f"{type(exc).__name__}: {exc}"},
                ka_id,
            )
    problems_clear(SweepProblemStage.REMINDERS, keep_kernaktivitaet_ids=failed)
    return written


def reports_schedule(today: date, noted: set[str]) -> int:
    """Step 1: create the status reports now due; a KA that cannot get one is noted for the admin, the
    others get theirs."""
    try:
        result = statusberichte_schedule_run(today=today)
    except Exception as exc:
        logger.exception("Scheduling reports failed")
        problem_record(SweepProblemStage.SCHEDULE, f"{type(exc).__name__}: {exc}")
        return 0
    for problem in result.problems:
        problem_record(SweepProblemStage.SCHEDULE, problem.message, problem.kernaktivitaet_id)
    if SweepProblemStage.SCHEDULE in noted:
        problems_clear(
            SweepProblemStage.SCHEDULE, keep_kernaktivitaet_ids=[p.kernaktivitaet_id for p in result.problems]
        )
    return result.created


def reminders_insert(now: datetime, cfg: DeadlineSettings, noted: set[str]) -> tuple[int, int]:
    """Step 2: write today's reminders and the weekly digest (at sending time on working days); a fixed
    number of statements. No KA's data can stop the others: a failing statement is redone KA by KA and the
    failing KA is noted (``SweepProblem``). Returns (reminders, digests) written."""
    if not sending_time(now, cfg.versandstunde):
        return 0, 0
    today = now.astimezone(BERLIN).date()
    rules = list(ReminderRule.objects.filter(aktiv=True))
    report_windows = rule_windows([r for r in rules if r.kind == RuleKind.REPORT])
    decision_windows = rule_windows([r for r in rules if r.kind == RuleKind.DECISION])
    try:
        with transaction.atomic():
            reminders = insert_report_reminders(today, report_windows)
            reminders += insert_decision_reminders(today, decision_windows, cfg)
    except Exception:
        logger.exception("Writing the reminders in one statement failed; writing them KA by KA")
        reminders = _reminders_per_ka(today, report_windows, decision_windows, cfg)
    else:
        if SweepProblemStage.REMINDERS in noted:
            problems_clear(SweepProblemStage.REMINDERS)
    try:
        digests = insert_digest(today)
    except Exception as exc:
        problem_record(SweepProblemStage.REMINDERS, f"{type(exc).__name__}: {exc}")
        digests = 0
    return reminders, digests


def deadlines_write(now: datetime | None = None) -> tuple[int, int, int]:
    """Steps 1 and 2 of the sweep, everything it writes: the reports now due, then today's reminders.
    Returns (reports created, reminders, digests)."""
    now = now or timezone.now()
    cfg = DeadlineSettings.get()
    noted = set(SweepProblem.objects.order_by().values_list("stage", flat=True).distinct())
    created = reports_schedule(now.astimezone(BERLIN).date(), noted)
    reminders, digests = reminders_insert(now, cfg, noted)
    return created, reminders, digests


# The key of the PostgreSQL advisory lock that lets one sweep run at a time (any fixed 64-bit number).
SWEEP_LOCK_KEY = 0x5357_4545_5031  # "SWEEP1"


def _lock_file() -> Path:
    """SQLite has no advisory locks; the sweeps of one SQLite database run on one machine, so an exclusive
    lock on a file named after the database does the same (released by the system when a process dies)."""
    name = str(connection.settings_dict["NAME"])
    digest = hashlib.sha256(name.encode()).hexdigest()[:16]
    folder = Path(getattr(settings, "VAR_DIR", tempfile.gettempdir()))
    if not folder.is_dir():
        folder = Path(tempfile.gettempdir())
    return folder / f"sweep-{digest}.lock"


@contextmanager
def sweep_lock() -> Iterator[bool]:
    """Yield True to the one sweep that holds the lock, False to any other at the same time. PostgreSQL: a
    session advisory lock (released at the end, or when the connection dies with its worker)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [SWEEP_LOCK_KEY])
            got = bool(cursor.fetchone()[0])
        try:
            yield got
        finally:
            if got:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [SWEEP_LOCK_KEY])
        return
    with _lock_file().open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sweep(now: datetime | None = None) -> SweepResult | None:
    """One run, or None when another sweep is running (the beat comes again in a few minutes). The steps, in
    order; each runs even when an earlier one failed (the failure is noted for the admin):

    1. ``reports_schedule``: create the status reports now due;
    2. ``reminders_insert``: write today's reminders and the weekly digest into the outbox;
    3. ``retry_after_outage``: mails that failed while the SMTP server was down go back to the queue once it
       answers again (until then the outage is noted);
    4. ``dispatch_waiting``: hand every waiting mail to the workers (new, lost, due for a retry, abandoned).
    """
    with sweep_lock() as got:
        if not got:
            logger.info("Sweep skipped: another sweep is running")
            return None
        created, reminders, digests = deadlines_write(now)
        try:
            outage = retry_after_outage()
            if outage.error:
                problem_record(
                    SweepProblemStage.SMTP,
                    f"Der Mailserver antwortet nicht ({outage.error}); {outage.waiting} Mails warten und "
                    "gehen automatisch hinaus, sobald er wieder antwortet.",
                )
            elif outage.waiting:
                problems_clear(SweepProblemStage.SMTP)
        except Exception as exc:
            logger.exception("Checking the mail server after an outage failed")
            problem_record(SweepProblemStage.SMTP, f"{type(exc).__name__}: {exc}")
        try:
            dispatched = dispatch_waiting()
        except Exception as exc:
            logger.exception("Handing waiting mails to the workers failed")
            problem_record(SweepProblemStage.DISPATCH, f"{type(exc).__name__}: {exc}")
            dispatched = 0
    result = SweepResult(created, reminders, digests, dispatched)
    logger.info("Sweep: %s", result)
    return result
