"""Every path of the lifecycle (DESIGN.md §3), walked through the task pages by the right role."""

import pytest
from viewflow.workflow.models import Task

from governance.models import (
    AgendaItem,
    Consultation,
    KaStatus,
    Meeting,
    Paper,
    Resolution,
    ResolutionResult,
)
from tests.people import make_ka, make_user, propose
from workflow.models import KaProcess
from workflow.rights import Role

from .helpers import council, decide, events, last_event, open_task, open_tasks, status_of, submit


def to_council(people, ka):
    assert submit(people.pg, ka).status_code == 302
    assert (
        decide(
            people.zirkel, open_task(ka, "zirkel_review"), "zirkel_forward", "Empfehlung: annehmen"
        ).status_code
        == 302
    )
    assert decide(people.vorstand, open_task(ka, "board_decision"), "board_approve").status_code == 302
    return open_task(ka, "council_record")


def test_proposal_to_running_step_by_step(people, proposal):
    assert events(proposal) == [("create", "", "proposed")]

    response = submit(people.pg, proposal)
    assert response.status_code == 302
    assert status_of(proposal) == KaStatus.ZIRKEL_REVIEW
    assert events(proposal)[-1] == ("submit", "proposed", "zirkel_review")
    review = open_task(proposal, "zirkel_review")

    response = decide(people.zirkel, review, "zirkel_forward", "Empfehlung: beschließen")
    assert response.status_code == 302
    assert status_of(proposal) == KaStatus.BOARD_DECISION
    event = last_event(proposal)
    assert (event.action, event.actor, event.reason) == (
        "zirkel_forward",
        people.zirkel,
        "Empfehlung: beschließen",
    )
    board = open_task(proposal, "board_decision")

    assert decide(people.vorstand, board, "board_approve").status_code == 302
    assert status_of(proposal) == KaStatus.COUNCIL
    assert events(proposal)[-1] == ("board_approve", "board_decision", "council")
    record = open_task(proposal, "council_record")

    response = council(people.ratsbuero, [record], {record.pk: {"result": ResolutionResult.ADOPTED}})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert status_of(proposal) == KaStatus.RUNNING
    event = last_event(proposal)
    assert (event.action, event.from_status, event.to_status) == ("council_record", "council", "running")
    resolution = Resolution.objects.get(kernaktivitaet=proposal)
    assert event.resolution == resolution
    assert resolution.consultation.paper.reference == "20260815"
    agenda_item = resolution.consultation.agenda_item
    assert agenda_item is not None
    assert agenda_item.result == ResolutionResult.ADOPTED
    assert open_tasks(proposal) == []
    assert KaProcess.objects.get(kernaktivitaet=proposal).status == "DONE"
    assert len(events(proposal)) == 5


def test_zirkel_return_sends_it_back_for_rework_and_resubmission(people, proposal):
    submit(people.pg, proposal)
    response = decide(
        people.zirkel, open_task(proposal, "zirkel_review"), "zirkel_return", "Ziele nicht messbar"
    )
    assert response.status_code == 302
    assert status_of(proposal) == KaStatus.PROPOSED
    assert events(proposal)[-1] == ("zirkel_return", "zirkel_review", "proposed")
    assert last_event(proposal).reason == "Ziele nicht messbar"
    open_task(proposal, "rework")

    # The rework task sends the project group to its proposal page, where it resubmits.
    assert submit(people.pg_member, proposal).status_code == 302
    assert status_of(proposal) == KaStatus.ZIRKEL_REVIEW
    assert events(proposal)[-1] == ("submit", "proposed", "zirkel_review")
    open_task(proposal, "zirkel_review")
    assert KaProcess.objects.filter(kernaktivitaet=proposal).count() == 1


def test_board_reject_is_terminal(people, proposal):
    submit(people.pg, proposal)
    decide(people.zirkel, open_task(proposal, "zirkel_review"), "zirkel_forward", "Empfehlung")
    response = decide(
        people.vorstand, open_task(proposal, "board_decision"), "board_reject", "Nicht finanzierbar"
    )
    assert response.status_code == 302
    assert status_of(proposal) == KaStatus.REJECTED
    assert events(proposal)[-1] == ("board_reject", "board_decision", "rejected")
    assert open_tasks(proposal) == []


def test_board_return_goes_back_to_the_zirkel(people, proposal):
    submit(people.pg, proposal)
    decide(people.zirkel, open_task(proposal, "zirkel_review"), "zirkel_forward", "Empfehlung")
    response = decide(people.vorstand, open_task(proposal, "board_decision"), "board_return", "Kosten klären")
    assert response.status_code == 302
    assert status_of(proposal) == KaStatus.ZIRKEL_REVIEW
    assert events(proposal)[-1] == ("board_return", "board_decision", "zirkel_review")
    open_task(proposal, "zirkel_review")


def test_council_adopts_amended_with_text(people, proposal):
    record = to_council(people, proposal)
    response = council(
        people.ratsbuero,
        [record],
        {record.pk: {"result": ResolutionResult.ADOPTED_AMENDED, "text": "Mit Bürgerbeteiligung"}},
    )
    assert response.status_code == 302
    assert status_of(proposal) == KaStatus.RUNNING
    assert Resolution.objects.get(kernaktivitaet=proposal).resolution_text == "Mit Bürgerbeteiligung"
    assert last_event(proposal).data["result"] == ResolutionResult.ADOPTED_AMENDED


def test_council_rejects(people, proposal):
    record = to_council(people, proposal)
    council(people.ratsbuero, [record], {record.pk: {"result": ResolutionResult.REJECTED}})
    assert status_of(proposal) == KaStatus.REJECTED
    assert events(proposal)[-1] == ("council_record", "council", "rejected")
    assert open_tasks(proposal) == []


def test_council_defers_then_adopts_in_the_next_session(people, proposal):
    record = to_council(people, proposal)
    response = council(
        people.ratsbuero,
        [record],
        {record.pk: {"result": ResolutionResult.DEFERRED, "deferred_to": "2026-10-15"}},
    )
    assert response.status_code == 302
    assert status_of(proposal) == KaStatus.COUNCIL
    assert events(proposal)[-1] == ("council_record", "council", "council")
    again = open_task(proposal, "council_record")
    assert again.pk != record.pk

    council(
        people.ratsbuero,
        [again],
        {again.pk: {"result": ResolutionResult.ADOPTED}},
        session_date="2026-10-15",
    )
    assert status_of(proposal) == KaStatus.RUNNING
    assert Consultation.objects.filter(paper__reference="20260815").count() == 2
    assert Meeting.objects.count() == 2


def test_amended_without_text_is_refused_on_the_form(people, proposal):
    record = to_council(people, proposal)
    response = council(people.ratsbuero, [record], {record.pk: {"result": ResolutionResult.ADOPTED_AMENDED}})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Bitte geben Sie den geänderten Beschlusstext an." in body
    assert f'id="id_t{record.pk}_text"' in body and 'aria-invalid="true"' in body
    assert f'aria-describedby="id_t{record.pk}_text-hint id_t{record.pk}_text-error"' in body
    assert f'href="#id_t{record.pk}_text"' in body
    assert status_of(proposal) == KaStatus.COUNCIL
    assert not Paper.objects.exists()


def test_tranche_moves_all_ka_together(people, kompetenz):

    kas = [propose(actor=people.pg, kompetenz=kompetenz, titel=f"Tranche {i}") for i in range(3)]
    records = [to_council(people, ka) for ka in kas]
    rows: dict[int, dict[str, str]] = {
        records[0].pk: {"result": ResolutionResult.ADOPTED},
        records[1].pk: {"result": ResolutionResult.REJECTED},
        records[2].pk: {"result": ResolutionResult.DEFERRED, "deferred_to": "2026-11-20"},
    }
    response = council(people.ratsbuero, records, rows)
    assert response.status_code == 302
    assert [status_of(ka) for ka in kas] == [KaStatus.RUNNING, KaStatus.REJECTED, KaStatus.COUNCIL]
    assert Paper.objects.count() == 1 and AgendaItem.objects.count() == 1
    assert Resolution.objects.filter(consultation__paper__reference="20260815").count() == 3


def test_tranche_with_one_bad_row_moves_none(people, kompetenz):

    kas = [propose(actor=people.pg, kompetenz=kompetenz, titel=f"Tranche {i}") for i in range(3)]
    records = [to_council(people, ka) for ka in kas]
    rows: dict[int, dict[str, str]] = {
        records[0].pk: {"result": ResolutionResult.ADOPTED},
        records[1].pk: {"result": ResolutionResult.ADOPTED},
        records[2].pk: {"result": ResolutionResult.DEFERRED},
    }
    response = council(people.ratsbuero, records, rows)
    assert response.status_code == 400
    assert [status_of(ka) for ka in kas] == [KaStatus.COUNCIL] * 3
    assert not Resolution.objects.exists()


def test_tranche_service_rolls_back_everything_when_one_ka_refuses(people, kompetenz):
    """The third KA has moved on (rejected) behind the clerk's back: nothing of the paper is written."""
    from workflow import services

    kas = [propose(actor=people.pg, kompetenz=kompetenz, titel=f"Tranche {i}") for i in range(3)]
    records = [to_council(people, ka) for ka in kas]
    rows = {r.pk: {"result": ResolutionResult.ADOPTED} for r in records}
    # Someone records the third one alone first.
    council(
        people.ratsbuero,
        [records[2]],
        {records[2].pk: {"result": ResolutionResult.REJECTED}},
        reference="X-1",
    )
    outcomes = [services.Outcome(kernaktivitaet=ka, result=ResolutionResult.ADOPTED) for ka in kas]
    from datetime import date, datetime

    from django.utils import timezone

    from workflow.lifecycle import MovedOn

    with pytest.raises(MovedOn):
        services.paper_record_resolution(
            actor=people.ratsbuero,
            reference="20260815",
            name="Tranche",
            paper_date=date(2026, 8, 1),
            session_start=timezone.make_aware(datetime(2026, 9, 10, 15)),
            outcomes=outcomes,
        )
    assert [status_of(ka) for ka in kas] == [KaStatus.COUNCIL, KaStatus.COUNCIL, KaStatus.REJECTED]
    assert not Paper.objects.filter(reference="20260815").exists()
    assert rows  # the form rows were built for all three


def test_loaded_running_ka_completion_confirmed(people, running, client):
    assert events(running) == []  # loaded without made-up history
    client.force_login(people.pg)
    response = client.post(
        f"/kernaktivitaeten/{running.code}/antrag/",
        {"kind": "propose_completion", "reason": "Alles erreicht"},
    )
    assert response.status_code == 302
    assert status_of(running) == KaStatus.RUNNING
    assert events(running) == [("propose_completion", "running", "running")]
    task = open_task(running, "confirm_completion")

    assert decide(people.zirkel, task, "confirm_completion").status_code == 302
    assert status_of(running) == KaStatus.DONE
    assert events(running)[-1] == ("confirm_completion", "running", "done")


def test_completion_declined_keeps_it_running(people, running):
    from workflow import services

    services.kernaktivitaet_propose_completion(actor=people.pg, kernaktivitaet=running)
    task = open_task(running, "confirm_completion")
    assert decide(people.zirkel, task, "decline_completion", "Ziel 3 fehlt").status_code == 302
    assert status_of(running) == KaStatus.RUNNING
    assert events(running)[-1] == ("decline_completion", "running", "running")
    assert open_tasks(running) == []
    # A new proposal is possible after the decline.
    services.kernaktivitaet_propose_completion(actor=people.pg, kernaktivitaet=running)
    open_task(running, "confirm_completion")


def test_stop_proposed_by_project_group_decided_by_board(people, running, client):
    client.force_login(people.pg)
    response = client.post(
        f"/kernaktivitaeten/{running.code}/antrag/", {"kind": "propose_stop", "reason": "Förderung entfallen"}
    )
    assert response.status_code == 302
    task = open_task(running, "board_stop_merge")
    assert decide(people.vorstand, task, "board_stop", "Förderung entfallen").status_code == 302
    assert status_of(running) == KaStatus.STOPPED
    assert events(running)[-1] == ("board_stop", "running", "stopped")


def test_merge_proposed_by_zirkel_decided_by_board(people, running, kompetenz, client):
    target = make_ka(kompetenz, "PRF-02")
    client.force_login(people.zirkel)
    response = client.post(
        f"/kernaktivitaeten/{running.code}/antrag/",
        {"kind": "propose_merge", "reason": "Gleiches Ziel", "merge_target": target.pk},
    )
    assert response.status_code == 302
    task = open_task(running, "board_stop_merge")
    response = decide(people.vorstand, task, "board_merge", "Zusammenlegen", merge_target=target.pk)
    assert response.status_code == 302
    running.refresh_from_db()
    assert (running.status, running.ueberfuehrt_in) == (KaStatus.MERGED, target)
    assert events(running)[-1] == ("board_merge", "running", "merged")
    assert last_event(running).data["merge_target"] == "PRF-02"


def test_board_keeps_it_running(people, running):
    from workflow import services

    services.kernaktivitaet_propose_stop(actor=people.pg, kernaktivitaet=running, reason="zu teuer")
    task = open_task(running, "board_stop_merge")
    assert decide(people.vorstand, task, "board_keep").status_code == 302
    assert status_of(running) == KaStatus.RUNNING
    assert events(running)[-1] == ("board_keep", "running", "running")
    assert Task.objects.filter(
        process__kaprocess__kernaktivitaet=running, status="DONE", flow_task_type="END"
    ).exists()


@pytest.mark.django_db(transaction=True)
def test_the_mails_of_a_decision_are_written_inside_its_transaction(people, proposal, monkeypatch):
    # A transactional test: outside the service there is no open transaction, so "atomic" is the service's.
    from django.db import connection

    from workflow import notices, services

    seen = []
    decision_notice, tasks_notice = notices.decision_notice, notices.tasks_notice

    def on_decision(kernaktivitaet, event):
        seen.append(("decision", event.action, event.actor, connection.in_atomic_block))
        decision_notice(kernaktivitaet, event)

    def on_tasks(tasks, reason=""):
        seen.append(("tasks", [t.flow_task.name for t in tasks], reason, connection.in_atomic_block))
        tasks_notice(tasks, reason)

    monkeypatch.setattr(notices, "decision_notice", on_decision)
    monkeypatch.setattr(notices, "tasks_notice", on_tasks)
    services.kernaktivitaet_submit(actor=people.pg, kernaktivitaet=proposal)
    assert seen == [
        ("decision", "submit", people.pg, True),
        ("tasks", ["zirkel_review"], "Vorschlag prüfen", True),
    ]


def test_second_clerk_recording_the_same_resolution_gets_409(people, proposal):
    record = to_council(people, proposal)
    other_clerk = make_user("ratsbuero2", Role.RATSBUERO)
    first = council(people.ratsbuero, [record], {record.pk: {"result": ResolutionResult.ADOPTED}})
    assert first.status_code == 302
    second = council(
        other_clerk, [record], {record.pk: {"result": ResolutionResult.REJECTED}}, reference="X-2"
    )
    assert second.status_code == 409
    assert "bereits erfasst" in second.content.decode()
    assert status_of(proposal) == KaStatus.RUNNING
    assert Resolution.objects.filter(kernaktivitaet=proposal).count() == 1
    assert not Paper.objects.filter(reference="X-2").exists()
