from datetime import date, timedelta

import time_machine

from notifications.sweep import deadlines_write
from outbox.models import OutboxMessage

from .conftest import morning


def sweep_days(start: date, end: date, hours: tuple[int, ...] = (8,)) -> dict[str, date]:
    """Run the reminder sweep every day from ``start`` to ``end`` at the given hours (Europe/Berlin) and
    return, for each outbox key, the day its row was written."""
    written: dict[str, date] = dict.fromkeys(OutboxMessage.objects.values_list("key", flat=True), start)
    day = start
    while day <= end:
        for hour in hours:
            with time_machine.travel(morning(day, hour), tick=False):
                deadlines_write()
        for key in OutboxMessage.objects.exclude(key__in=list(written)).values_list("key", flat=True):
            written[key] = day
        day += timedelta(days=1)
    return written


def report_rule_days(written: dict[str, date], bericht_pk: int, runde: int = 0) -> dict[str, list[date]]:
    """rule key → days the rule fired for this report and round."""
    days: dict[str, list[date]] = {}
    prefix = f"bericht:{bericht_pk}:{runde}:"
    for key, day in written.items():
        if key.startswith(prefix):
            rule = key[len(prefix) :].rsplit(":", 1)[0]
            days.setdefault(rule, []).append(day)
    return {rule: sorted(d) for rule, d in days.items()}
