"""Inbox and queue hold exactly the tasks a person may do; the task pages explain refusals."""

import pytest

from governance.models import KaStatus
from tests.people import client_for, complete_steckbrief, make_ka, make_user, propose
from workflow import rights, selectors, services
from workflow.flows import NODE_ACTIONS
from workflow.grants import kernaktivitaet_set_projektgruppe
from workflow.rights import Action, Role

from .helpers import decide, open_task, open_tasks, status_of, submit


def queue_ids(user):
    return {entry.task.pk for entry in selectors.task_lists(user).queue}


def inbox_ids(user):
    return {entry.task.pk for entry in selectors.task_lists(user).inbox}


@pytest.fixture
def scenario(people, kompetenz, proposal):
    """One open task of every kind, on KA with different project groups."""
    zirkel_in_group = make_user("zirkel_pg", Role.STRATEGIEZIRKEL)
    vorstand_in_group = make_user("vorstand_pg", Role.VERWALTUNGSVORSTAND)
    kernaktivitaet_set_projektgruppe(
        kernaktivitaet=proposal,
        projektleitung=people.pg,
        mitglieder=[people.pg, people.pg_member, zirkel_in_group, vorstand_in_group],
    )
    services.kernaktivitaet_submit(actor=people.pg, kernaktivitaet=proposal)  # zirkel_review

    returned = propose(actor=people.pg_other, kompetenz=kompetenz, titel="Zweite")
    services.kernaktivitaet_submit(actor=people.pg_other, kernaktivitaet=returned)
    task = open_task(returned, "zirkel_review")
    services.task_decide(actor=people.zirkel, task_id=task.pk, action=Action.ZIRKEL_RETURN, reason="mehr")

    board = propose(actor=people.pg_other, kompetenz=kompetenz, titel="Dritte")
    services.kernaktivitaet_submit(actor=people.pg_other, kernaktivitaet=board)
    task = open_task(board, "zirkel_review")
    services.task_decide(actor=people.zirkel, task_id=task.pk, action=Action.ZIRKEL_FORWARD, reason="gut")
    kernaktivitaet_set_projektgruppe(
        kernaktivitaet=board, projektleitung=people.pg_other, mitglieder=[people.pg_other, vorstand_in_group]
    )
    councilled = propose(actor=people.pg_other, kompetenz=kompetenz, titel="Vierte")
    services.kernaktivitaet_submit(actor=people.pg_other, kernaktivitaet=councilled)
    services.task_decide(
        actor=people.zirkel,
        task_id=open_task(councilled, "zirkel_review").pk,
        action=Action.ZIRKEL_FORWARD,
        reason="gut",
    )
    services.task_decide(
        actor=people.vorstand, task_id=open_task(councilled, "board_decision").pk, action=Action.BOARD_APPROVE
    )

    completing = make_ka(kompetenz, "PRF-10", lead=people.pg)
    services.kernaktivitaet_propose_completion(actor=people.pg, kernaktivitaet=completing)
    stopping = make_ka(kompetenz, "PRF-11", lead=people.pg_other)
    services.kernaktivitaet_propose_stop(actor=people.zirkel2, kernaktivitaet=stopping, reason="Doppelt")

    everybody = [
        people.pg,
        people.pg_member,
        people.pg_other,
        people.zirkel,
        people.zirkel2,
        people.vorstand,
        people.ratsbuero,
        people.kv,
        people.beirat,
        people.nobody,
        zirkel_in_group,
        vorstand_in_group,
    ]
    kas = [proposal, returned, board, councilled, completing, stopping]
    return everybody, kas


def may_do(user, task):
    process = task.process.kaprocess
    return bool(
        rights.may(
            user,
            NODE_ACTIONS[task.flow_task.name][0],
            process.kernaktivitaet,
            requester_ids=services.process_requesters(process),
        )
    )


def test_queue_holds_exactly_the_tasks_each_person_may_do(scenario):
    everybody, kas = scenario
    tasks = [task for ka in kas for task in open_tasks(ka)]
    assert sorted(t.flow_task.name for t in tasks) == sorted(
        [
            "zirkel_review",
            "rework",
            "board_decision",
            "council_record",
            "confirm_completion",
            "board_stop_merge",
        ]
    )
    for user in everybody:
        expected = {task.pk for task in tasks if may_do(user, task)}
        assert queue_ids(user) == expected, user.username


def test_queue_by_role(scenario):
    everybody, _kas = scenario
    names = {
        user.username: sorted(e.task.flow_task.name for e in selectors.task_lists(user).queue)
        for user in everybody
    }
    assert names["zirkel"] == ["confirm_completion", "zirkel_review"]
    # zirkel2 asked for the stop, which is the board's anyway; the Zirkel member of the group sees no review.
    assert names["zirkel_pg"] == ["confirm_completion"]
    assert names["vorstand"] == ["board_decision", "board_stop_merge"]
    assert names["vorstand_pg"] == ["board_stop_merge"]
    assert names["ratsbuero"] == ["council_record"]
    assert names["pg_other"] == ["rework"]
    assert names["pg_lead"] == names["pg_member"] == names["beirat"] == names["kv"] == names["nobody"] == []


def test_claim_moves_a_task_from_the_queue_into_the_inbox(scenario, people):
    _everybody, kas = scenario
    task = open_task(kas[0], "zirkel_review")
    response = client_for(people.zirkel).post(f"/aufgaben/{task.pk}/", {"op": "claim"})
    assert response.status_code == 302
    assert task.pk in inbox_ids(people.zirkel)
    assert task.pk not in queue_ids(people.zirkel)
    assert task.pk not in queue_ids(people.zirkel2) | inbox_ids(people.zirkel2)
    # The other Zirkel member is told who has it.
    response = client_for(people.zirkel2).get(f"/aufgaben/{task.pk}/")
    assert response.status_code == 409
    assert "zirkel" in response.content.decode()

    client_for(people.zirkel).post(f"/aufgaben/{task.pk}/", {"op": "release"})
    assert task.pk in queue_ids(people.zirkel2)


def test_inbox_page_lists_and_done_list_follows(scenario, people):
    _everybody, kas = scenario
    response = client_for(people.vorstand).get("/aufgaben/")
    assert response.status_code == 200
    body = response.content.decode()
    assert kas[2].code in body and kas[5].code in body
    assert kas[0].code not in body
    decide(people.vorstand, open_task(kas[2], "board_decision"), "board_reject", "nein")
    done = selectors.task_lists(people.vorstand).done
    assert [e.kernaktivitaet.code for e in done] == [kas[2].code, kas[3].code]  # newest first


def test_task_page_explains_a_missing_right(scenario, people):
    _everybody, kas = scenario
    task = open_task(kas[0], "zirkel_review")
    response = client_for(people.vorstand).get(f"/aufgaben/{task.pk}/")
    assert response.status_code == 403
    assert "Strategiezirkel" in response.content.decode()
    response = client_for(people.vorstand).post(
        f"/aufgaben/{task.pk}/", {"op": "decide", "action": "zirkel_forward", "reason": "x"}
    )
    assert response.status_code == 403
    assert status_of(kas[0]) == KaStatus.ZIRKEL_REVIEW


def test_four_eyes_page_explanation(scenario):
    everybody, kas = scenario
    zirkel_in_group = next(u for u in everybody if u.username == "zirkel_pg")
    task = open_task(kas[0], "zirkel_review")
    response = client_for(zirkel_in_group).get(f"/aufgaben/{task.pk}/")
    assert response.status_code == 403
    assert "Vier-Augen-Prinzip" in response.content.decode()


def test_second_decision_on_the_same_task_gets_409(scenario, people):
    _everybody, kas = scenario
    task = open_task(kas[0], "zirkel_review")
    first = client_for(people.zirkel)
    second = client_for(people.zirkel2)
    assert second.get(f"/aufgaben/{task.pk}/").status_code == 200  # both have the form open
    assert (
        first.post(
            f"/aufgaben/{task.pk}/", {"op": "decide", "action": "zirkel_forward", "reason": "gut"}
        ).status_code
        == 302
    )
    response = second.post(
        f"/aufgaben/{task.pk}/", {"op": "decide", "action": "zirkel_return", "reason": "schlecht"}
    )
    assert response.status_code == 409
    assert "bereits erledigt" in response.content.decode()
    assert status_of(kas[0]) == KaStatus.BOARD_DECISION


def test_invalid_decision_form_links_errors_and_changes_nothing(scenario, people):
    _everybody, kas = scenario
    task = open_task(kas[0], "zirkel_review")
    response = client_for(people.zirkel).post(
        f"/aufgaben/{task.pk}/", {"op": "decide", "action": "zirkel_return"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="error-summary"' in body
    assert 'href="#id_reason"' in body
    assert 'aria-invalid="true"' in body and "id_reason-error" in body
    assert status_of(kas[0]) == KaStatus.ZIRKEL_REVIEW
    assert open_task(kas[0], "zirkel_review").status == "NEW"


def test_unknown_action_is_a_form_error_not_a_500(scenario, people):
    _everybody, kas = scenario
    task = open_task(kas[0], "zirkel_review")
    response = client_for(people.zirkel).post(
        f"/aufgaben/{task.pk}/", {"op": "decide", "action": "board_approve"}
    )
    assert response.status_code == 400
    assert status_of(kas[0]) == KaStatus.ZIRKEL_REVIEW


def test_proposal_create_and_edit_pages(people, kompetenz):
    client = client_for(people.pg_other)
    response = client.post(
        "/vorschlaege/neu/",
        {
            "kompetenz": kompetenz.pk,
            "titel": "",
            "geplanter_start": "2027-01-01",
            "geplantes_ende": "2026-01-01",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'href="#id_titel"' in body and 'href="#id_geplantes_ende"' in body
    response = client.post("/vorschlaege/neu/", {"kompetenz": kompetenz.pk, "titel": "Stadtbäume"})
    assert response.status_code == 302
    ka = kompetenz.kernaktivitaeten.get(titel="Stadtbäume")
    assert ka.projektleitung == people.pg_other
    assert client_for(people.vorstand).get(f"/vorschlaege/{ka.pk}/").status_code == 403
    assert client_for(people.vorstand).get("/vorschlaege/neu/").status_code == 403
    complete_steckbrief(ka)
    assert submit(people.pg_other, ka, titel="Stadtbäume 2").status_code == 302
    ka.refresh_from_db()
    assert (ka.titel, ka.status) == ("Stadtbäume 2", KaStatus.ZIRKEL_REVIEW)
    # Submitted: the project group can no longer change it.
    response = client.post(f"/vorschlaege/{ka.pk}/", {"op": "save", "titel": "Noch anders"})
    assert response.status_code == 409


def test_opening_a_task_page_changes_nothing(scenario, people):
    """viewflow's own views start a task on GET; these pages only read until the person decides."""
    _everybody, kas = scenario
    task = open_task(kas[0], "zirkel_review")
    before = (task.status, task.owner_id, task.started)
    assert client_for(people.zirkel).get(f"/aufgaben/{task.pk}/").status_code == 200
    task.refresh_from_db()
    assert (task.status, task.owner_id, task.started) == before


def test_every_role_may_view_the_decision_processes(people):
    from django.contrib.auth.models import Group

    for role in Role:
        perms = Group.objects.get(name=role.value).permissions.filter(
            content_type__app_label="workflow", codename="view_kaprocess"
        )
        assert perms.exists(), role


def test_inbox_offers_a_new_proposal_only_to_those_who_may_create_one(people):
    assert "/vorschlaege/neu/" in client_for(people.pg_other).get("/aufgaben/").content.decode()
    assert "/vorschlaege/neu/" not in client_for(people.vorstand).get("/aufgaben/").content.decode()
