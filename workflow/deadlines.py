"""Every time limit and due date of the process, once: how long each decision may take and when it is due,
when a status report falls due and when a returned one must come back. The sweep's SQL, the reminder mails,
the task lists, the new-task mails and the report services all read them from here."""

import calendar
from datetime import date

from governance.inputs import add_days
from governance.models import KaStatus

from .models import DeadlineSettings

# The state each decision task keeps a KA in while it waits, for the time limit that applies.
TASK_STATUS = {
    "zirkel_review": KaStatus.ZIRKEL_REVIEW,
    "confirm_completion": KaStatus.ZIRKEL_REVIEW,
    "board_decision": KaStatus.BOARD_DECISION,
    "board_stop_merge": KaStatus.BOARD_DECISION,
    "council_record": KaStatus.COUNCIL,
}


def decision_days(cfg: DeadlineSettings) -> dict[str, int]:
    """Days a KA may wait for a decision in each state that needs one (the admin's settings), by status."""
    return {
        KaStatus.ZIRKEL_REVIEW.value: cfg.frist_pruefung_tage,
        KaStatus.BOARD_DECISION.value: cfg.frist_vorstand_tage,
        KaStatus.COUNCIL.value: cfg.frist_ratsbeschluss_tage,
    }


def task_days(cfg: DeadlineSettings) -> dict[str, int]:
    """The same time limits by decision task (node name)."""
    days = decision_days(cfg)
    return {node: days[status.value] for node, status in TASK_STATUS.items()}


def decision_deadline(
    ka_status: str, entered: date, cfg: DeadlineSettings, session: date | None = None
) -> date:
    """Entry into the state plus its time limit; the council record counts from a later deferred session.
    A session deferred to 9999-12-31 gives a time limit that never runs out (the last representable day)."""
    if ka_status == KaStatus.COUNCIL and session and session > entered:
        entered = session
    return add_days(entered, decision_days(cfg)[str(ka_status)])


def resubmission_due(today: date, cfg: DeadlineSettings) -> date:
    """When a report returned today must come back."""
    return add_days(today, cfg.nachbesserung_tage)


def add_months(day: date, months: int) -> date | None:
    """``day`` moved by whole months (the day clamped to the month's end); None when the result lies outside
    the years 1..9999 that a date can hold (a planned start of 9999-12-31 plus a period)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    if not date.min.year <= year <= date.max.year:
        return None
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_due_date(base: date, months: int, today: date) -> date | None:
    """The first date ``base + k * months`` (k >= 1) on or after ``today``; None when it cannot be
    represented. A few steps whatever the distance: a start in the year 1 does not loop 24,000 times."""
    months = max(int(months), 1)
    elapsed = (today.year - base.year) * 12 + today.month - base.month
    steps = max(1, elapsed // months)
    due = add_months(base, months * steps)
    while due is not None and due < today:
        steps += 1
        due = add_months(base, months * steps)
    return due
