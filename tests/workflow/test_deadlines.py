"""The process's time limits and due dates, kept in one place (workflow/deadlines.py)."""

from datetime import date

from workflow.deadlines import (
    TASK_STATUS,
    add_months,
    decision_days,
    decision_deadline,
    next_due_date,
    resubmission_due,
    task_days,
)
from workflow.flows import HUMAN_NODES
from workflow.models import DeadlineSettings


def test_add_months_and_next_due_date_never_raise_at_the_ends_of_the_calendar() -> None:
    assert add_months(date(9999, 12, 31), 6) is None
    assert add_months(date(9999, 6, 30), 6) == date(9999, 12, 30)
    assert add_months(date(1, 1, 1), -1) is None
    assert next_due_date(date(9999, 12, 31), 6, date(2027, 3, 1)) is None
    assert next_due_date(date(1, 1, 1), 6, date(2027, 3, 1)) == date(2027, 7, 1)
    assert next_due_date(date(2027, 1, 31), 1, date(2027, 3, 1)) == date(2027, 3, 31)
    assert next_due_date(date(2027, 1, 15), 6, date(2027, 3, 1)) == date(2027, 7, 15)


def test_a_council_session_deferred_to_9999_12_31_gives_a_time_limit_that_never_runs_out() -> None:
    cfg = DeadlineSettings(frist_ratsbeschluss_tage=7)
    assert decision_deadline("council", date(2027, 3, 1), cfg, date(9999, 12, 31)) == date.max


def test_each_decision_task_has_the_time_limit_of_the_state_it_keeps_the_ka_in() -> None:
    cfg = DeadlineSettings(frist_pruefung_tage=21, frist_vorstand_tage=14, frist_ratsbeschluss_tage=7)
    assert set(TASK_STATUS) <= set(HUMAN_NODES)
    assert task_days(cfg) == {
        "zirkel_review": 21,
        "confirm_completion": 21,
        "board_decision": 14,
        "board_stop_merge": 14,
        "council_record": 7,
    }
    assert decision_days(cfg) == {"zirkel_review": 21, "board_decision": 14, "council": 7}


def test_the_council_record_counts_from_a_later_deferred_session() -> None:
    cfg = DeadlineSettings(frist_ratsbeschluss_tage=7)
    assert decision_deadline("council", date(2027, 3, 1), cfg) == date(2027, 3, 8)
    assert decision_deadline("council", date(2027, 3, 1), cfg, date(2027, 4, 1)) == date(2027, 4, 8)
    assert decision_deadline("council", date(2027, 3, 1), cfg, date(2027, 2, 1)) == date(2027, 3, 8)


def test_a_returned_report_comes_back_after_the_configured_days() -> None:
    assert resubmission_due(date(2027, 3, 1), DeadlineSettings(nachbesserung_tage=14)) == date(2027, 3, 15)
    assert resubmission_due(date(9999, 12, 30), DeadlineSettings(nachbesserung_tage=14)) == date.max
