"""The lifecycle against a model of DESIGN.md §3, driven by hypothesis with any sequence of actions.

Invariants: the status is always one of §3 and the one the model expects, terminal states absorb, and there is
exactly one audit event per applied transition (none for refused ones).
"""

import itertools
from datetime import date, datetime, timedelta
from typing import TypedDict

from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from core.errors import Invalid, MovedOn, Refused
from governance.models import (
    AgendaItem,
    AuditEvent,
    Consultation,
    Gremium,
    KaStatus,
    Kernaktivitaet,
    Meeting,
    Paper,
    Resolution,
    ResolutionResult,
)
from tests.people import complete_steckbrief, make_ka
from workflow import lifecycle
from workflow.grants import kernaktivitaet_set_projektgruppe
from workflow.rights import REPORT_ACTIONS, Action

S = KaStatus
# The model: §3 written out independently of workflow.lifecycle.
SIMPLE = {
    Action.SUBMIT: (S.PROPOSED, S.ZIRKEL_REVIEW, False),
    Action.ZIRKEL_RETURN: (S.ZIRKEL_REVIEW, S.PROPOSED, True),
    Action.ZIRKEL_FORWARD: (S.ZIRKEL_REVIEW, S.BOARD_DECISION, True),
    Action.BOARD_APPROVE: (S.BOARD_DECISION, S.COUNCIL, False),
    Action.BOARD_REJECT: (S.BOARD_DECISION, S.REJECTED, True),
    Action.BOARD_RETURN: (S.BOARD_DECISION, S.ZIRKEL_REVIEW, True),
}
# Keyed by str: the rules below take the resolution result as a str.
COUNCIL: dict[str, KaStatus] = {
    ResolutionResult.ADOPTED: S.RUNNING,
    ResolutionResult.ADOPTED_AMENDED: S.RUNNING,
    ResolutionResult.REJECTED: S.REJECTED,
    ResolutionResult.DEFERRED: S.COUNCIL,
}
# Requests on a running KA: action -> (pending before, pending after, target status, reason required).
REQUESTS = {
    Action.PROPOSE_COMPLETION: (None, "completion", S.RUNNING, False),
    Action.CONFIRM_COMPLETION: ("completion", None, S.DONE, False),
    Action.DECLINE_COMPLETION: ("completion", None, S.RUNNING, True),
    Action.PROPOSE_STOP: (None, "stop", S.RUNNING, True),
    Action.PROPOSE_MERGE: (None, "stop", S.RUNNING, True),
    Action.BOARD_STOP: ("stop", None, S.STOPPED, True),
    Action.BOARD_MERGE: ("stop", None, S.MERGED, True),
    Action.BOARD_KEEP: ("stop", None, S.RUNNING, False),
}


class ApplyExtras(TypedDict, total=False):
    """The optional keyword arguments of lifecycle.apply that the machine passes."""

    result: str
    resolution: Resolution
    merge_target: Kernaktivitaet


ACTOR_OF = {
    Action.SUBMIT: "pg",
    Action.PROPOSE_COMPLETION: "pg",
    Action.PROPOSE_STOP: "pg",
    Action.PROPOSE_MERGE: "pg",
    Action.ZIRKEL_RETURN: "zirkel",
    Action.ZIRKEL_FORWARD: "zirkel",
    Action.CONFIRM_COMPLETION: "zirkel",
    Action.DECLINE_COMPLETION: "zirkel",
    Action.COUNCIL_RECORD: "ratsbuero",
}
ALL_ACTIONS = [a for a in Action if a not in (Action.CREATE, Action.EDIT, *REPORT_ACTIONS)]


def test_lifecycle_state_machine(people, kompetenz):
    codes = itertools.count(1)
    target = make_ka(kompetenz, "PRF-TARGET")
    council_body = Gremium.objects.create(name="Rat (Test)", art=Gremium.Art.RAT)
    paper = Paper.objects.create(reference="M-1", name="Vorlage", date=date(2026, 1, 1))
    meetings = itertools.count(1)
    actors = {"pg": people.pg, "zirkel": people.zirkel, "ratsbuero": people.ratsbuero}

    def resolution_for(ka: Kernaktivitaet, result: str) -> Resolution:
        meeting = Meeting.objects.create(
            name="Sitzung",
            start=timezone.make_aware(datetime(2026, 1, 1, 15)) + timedelta(days=next(meetings)),
            organization=council_body,
        )
        item = AgendaItem.objects.create(meeting=meeting, name="TOP")
        consultation = Consultation.objects.create(
            paper=paper, meeting=meeting, agenda_item=item, organization=council_body
        )
        return Resolution.objects.create(
            consultation=consultation,
            kernaktivitaet=ka,
            result=result,
            resolution_text="geändert" if result == ResolutionResult.ADOPTED_AMENDED else "",
            deferred_to=date(2027, 1, 1) if result == ResolutionResult.DEFERRED else None,
            recorded_by=people.ratsbuero,
        )

    class Lifecycle(RuleBasedStateMachine):
        @initialize(start=st.sampled_from([S.PROPOSED, S.RUNNING]))
        def create(self, start: str) -> None:
            self.ka = Kernaktivitaet.objects.create(
                code=f"HYP-{next(codes)}", titel="Hypothese", kompetenz=kompetenz, status=start
            )
            kernaktivitaet_set_projektgruppe(
                kernaktivitaet=self.ka, projektleitung=people.pg, mitglieder=[people.pg]
            )
            complete_steckbrief(self.ka)
            self.status = start
            self.pending: str | None = None
            self.applied = 0
            self.terminal_at: str | None = None

        @rule(
            action=st.sampled_from(ALL_ACTIONS),
            reason=st.sampled_from(["", "Begründung"]),
            result=st.sampled_from(list(ResolutionResult)),
        )
        def act(self, action: Action, reason: str, result: str) -> None:
            expected, needs_reason = self.expect(action, result)
            kwargs: ApplyExtras = {}
            if action == Action.COUNCIL_RECORD and self.status == S.COUNCIL:
                kwargs = {"result": result, "resolution": resolution_for(self.ka, result)}
            if action in (Action.BOARD_MERGE, Action.PROPOSE_MERGE):
                kwargs["merge_target"] = target
            actor = actors.get(ACTOR_OF.get(action, ""), people.vorstand)
            try:
                # The lifecycle joins the caller's transaction; a refusal rolls back only this savepoint.
                with transaction.atomic():
                    applied = lifecycle.apply(
                        actor=actor, action=action, kernaktivitaet=self.ka, reason=reason, **kwargs
                    )
            except Invalid:
                assert expected is not None and needs_reason and not reason, (action, self.status)
                return
            except MovedOn:
                assert expected is None, (action, self.status, self.pending)
                return
            except Refused as exc:  # pragma: no cover - rights are right in this model
                raise AssertionError(exc.message) from exc
            assert expected is not None, (action, self.status, self.pending)
            assert not (needs_reason and not reason)
            self.applied += 1
            assert applied.event.from_status == self.status
            self.status, self.pending = expected
            assert applied.event.to_status == self.status

        def expect(self, action: Action, result: str) -> tuple[tuple[str, str | None] | None, bool]:
            if action in SIMPLE:
                source, target_status, needs_reason = SIMPLE[action]
                return ((target_status, None) if self.status == source else None), needs_reason
            if action == Action.COUNCIL_RECORD:
                return ((COUNCIL[result], None) if self.status == S.COUNCIL else None), False
            before, after, target_status, needs_reason = REQUESTS[action]
            if self.status != S.RUNNING or self.pending != before:
                return None, needs_reason
            return (target_status, after), needs_reason

        @invariant()
        def status_is_legal_and_expected(self) -> None:
            if not hasattr(self, "ka"):
                return
            status = Kernaktivitaet.objects.values_list("status", flat=True).get(pk=self.ka.pk)
            assert status in S.values
            assert status == self.status

        @invariant()
        def terminal_absorbs(self) -> None:
            if not hasattr(self, "ka"):
                return
            if self.terminal_at is not None:
                assert self.status == self.terminal_at
            elif self.status in S.terminal():
                self.terminal_at = self.status

        @invariant()
        def one_audit_event_per_applied_transition(self) -> None:
            if not hasattr(self, "ka"):
                return
            assert AuditEvent.objects.filter(kernaktivitaet=self.ka).count() == self.applied

    run_state_machine_as_test(
        Lifecycle,
        settings=settings(
            max_examples=60,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
