"""A plain viewflow flow of the same shape as ``KaDecisionFlow``: review, board decision, council record.

No lifecycle, no rights, no audit, no outbox: viewflow's own gateways and lock decide the way. It is the
baseline ``bench/decisions.py`` measures the decision engine against; the product never starts it.
"""

from typing import Any

from viewflow import this
from viewflow.workflow import flow, lock


def _outcome_is(value: str) -> Any:
    def condition(activation: Any) -> bool:
        return activation.task.data.get("outcome") == value

    return condition


def _carry_outcome(activation: Any) -> dict[str, Any]:
    return {"outcome": activation.task.data.get("outcome")}


class ReferenceFlow(flow.Flow):
    """Referenzablauf ohne Fachlogik (nur für Messungen)"""

    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle().Next(this.review)
    review = (
        flow.View(None)
        .Permission("governance.review_proposal")
        .Next(this.after_review, task_data=_carry_outcome)
    )
    after_review = flow.If(_outcome_is("return")).Then(this.review).Else(this.board)
    board = (
        flow.View(None)
        .Permission("governance.decide_kernaktivitaet")
        .Next(this.after_board, task_data=_carry_outcome)
    )
    after_board = (
        flow.Switch()
        .Case(this.council, _outcome_is("approve"))
        .Case(this.review, _outcome_is("return"))
        .Default(this.end)
    )
    council = (
        flow.View(None)
        .Permission("governance.record_resolution")
        .Next(this.after_council, task_data=_carry_outcome)
    )
    after_council = flow.If(_outcome_is("defer")).Then(this.council).Else(this.end)
    end = flow.End()
