"""Sixteen board members claim, release or decide one task at the same moment, through the pages (PostgreSQL).

After waiting for the winner's row lock, a loser must see the task as the winner left it: a clear German
refusal (409), never a server error and never a false "Sie haben die Aufgabe übernommen". The rules a loser
meets after the lock (someone else holds the task; it is back in the queue) are also checked one at a time.
"""

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from core.errors import MovedOn
from governance.models import AuditEvent, KaStatus, Kernaktivitaet
from tests.people import client_for, make_user
from workflow import services
from workflow.models import Vertretung
from workflow.rights import Action, Role

from .helpers import open_task, status_of

# The races need real row locks and a connection per thread; the rules after the lock run anywhere.
race = pytest.mark.django_db(transaction=True)

PEOPLE = 16
ROUNDS = 4


def race_posts(clients: dict[int, Client], url: str, data: dict[str, str]) -> dict[int, Any]:
    """POST ``data`` to ``url`` from every client at the same moment; the responses by user id."""
    barrier = threading.Barrier(len(clients))
    responses: dict[int, Any] = {}
    failures: list[BaseException] = []
    lock = threading.Lock()

    def run(user_id: int, client: Client) -> None:
        try:
            barrier.wait(timeout=20)
            response = client.post(url, data)
            with lock:
                responses[user_id] = response
        except BaseException as exc:
            with lock:
                failures.append(exc)
        finally:
            # Each thread has its own database connection; a left-open one blocks the flush.
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in clients.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert not failures, failures
    return responses


def statuses(responses: dict[int, Any]) -> dict[int, list[int]]:
    by_status: dict[int, list[int]] = {}
    for user_id, response in responses.items():
        by_status.setdefault(response.status_code, []).append(user_id)
    return by_status


def assert_one_winner(responses: dict[int, Any], moved_on: str = "Schon erledigt") -> int:
    by_status = statuses(responses)
    assert set(by_status) == {302, 409}, (
        {code: len(ids) for code, ids in by_status.items()},
        [r.get("Location") for r in responses.values() if r.status_code == 302],
    )
    assert len(by_status[302]) == 1
    for user_id in by_status[409]:
        body = responses[user_id].content.decode()
        assert moved_on in body
        assert "Sie haben die Aufgabe übernommen" not in body
    return by_status[302][0]


@pytest.fixture
def board(people: Any) -> list[Any]:
    return [make_user(f"vorstand{i:02d}", Role.VERWALTUNGSVORSTAND) for i in range(PEOPLE)]


def board_task(people: Any, proposal: Kernaktivitaet) -> Task:
    services.kernaktivitaet_submit(actor=people.pg, kernaktivitaet=proposal)
    review = open_task(proposal, "zirkel_review")
    services.task_decide(
        actor=people.zirkel, task_id=review.pk, action=Action.ZIRKEL_FORWARD, reason="Empfohlen"
    )
    return open_task(proposal, "board_decision")


@pytest.mark.postgres
@race
def test_simultaneous_claims_over_http_have_one_winner(people, proposal, board):
    task = board_task(people, proposal)
    clients = {member.pk: client_for(member, raise_request_exception=False) for member in board}
    for _round in range(ROUNDS):
        responses = race_posts(clients, f"/aufgaben/{task.pk}/", {"op": "claim"})

        winner = assert_one_winner(responses)
        claimed = Task.objects.get(pk=task.pk)
        assert claimed.status == STATUS.ASSIGNED
        assert claimed.owner_id == winner
        assert responses[winner]["Location"] == f"/aufgaben/{task.pk}/#aufgabe"
        # The winner's next page confirms the claim (and uses up the message before the next round).
        assert (
            "Sie haben die Aufgabe übernommen"
            in clients[winner].get(f"/aufgaben/{task.pk}/").content.decode()
        )
        # Back into the queue for the next round.
        services.task_release(actor=claimed.owner, task_id=task.pk)


@pytest.mark.postgres
@race
def test_simultaneous_releases_over_http_have_one_winner(people, proposal, board):
    """The owner presses "release" in many tabs at once: one tab releases, the others are told so."""
    task = board_task(people, proposal)
    owner = board[0]
    tabs = {i: client_for(owner, raise_request_exception=False) for i in range(PEOPLE)}
    for _round in range(ROUNDS):
        services.task_claim(actor=owner, task_id=task.pk)
        responses = race_posts(tabs, f"/aufgaben/{task.pk}/", {"op": "release"})

        assert_one_winner(responses, moved_on="Diese Aufgabe steht bereits wieder allen Berechtigten offen.")
        released = Task.objects.get(pk=task.pk)
        assert released.status == STATUS.NEW and released.owner_id is None


@pytest.mark.postgres
@race
def test_simultaneous_decisions_over_http_have_one_winner(people, proposal, board):
    """Each member decides straight from the queue (claim and decide in one step)."""
    task = board_task(people, proposal)
    clients = {member.pk: client_for(member, raise_request_exception=False) for member in board}

    responses = race_posts(
        clients, f"/aufgaben/{task.pk}/", {"op": "decide", "action": Action.BOARD_APPROVE, "reason": ""}
    )

    winner = assert_one_winner(responses)
    assert status_of(proposal) == KaStatus.COUNCIL
    decisions = AuditEvent.objects.filter(kernaktivitaet=proposal, action=Action.BOARD_APPROVE)
    assert list(decisions.values_list("actor_id", flat=True)) == [winner]
    done = Task.objects.get(pk=task.pk)
    assert done.status == STATUS.DONE and done.owner_id == winner


# ------------------------------------------------------------------ the rules the losers meet, one at a time


@pytest.fixture
def claimed(people: Any, proposal: Kernaktivitaet, board: list[Any]) -> Task:
    task = board_task(people, proposal)
    services.task_claim(actor=board[0], task_id=task.pk)
    return task


def unchanged(task: Task) -> tuple[Any, ...]:
    return tuple(Task.objects.values_list("status", "owner_id").get(pk=task.pk))


@pytest.mark.django_db
def test_claiming_a_task_someone_else_holds_is_refused_with_their_name(claimed, board):
    before = unchanged(claimed)
    with pytest.raises(MovedOn, match=f"bereits {board[0].username} übernommen"):
        services.task_claim(actor=board[1], task_id=claimed.pk)
    assert unchanged(claimed) == before


@pytest.mark.django_db
def test_deciding_a_task_someone_else_holds_is_refused_as_moved_on(claimed, board, proposal):
    with pytest.raises(MovedOn, match=f"bereits {board[0].username} übernommen"):
        services.task_decide(actor=board[1], task_id=claimed.pk, action=Action.BOARD_APPROVE)
    assert status_of(proposal) == KaStatus.BOARD_DECISION


@pytest.mark.django_db
def test_releasing_a_task_someone_else_holds_is_refused(claimed, board):
    before = unchanged(claimed)
    with pytest.raises(MovedOn, match=f"bereits {board[0].username} übernommen"):
        services.task_release(actor=board[1], task_id=claimed.pk)
    assert unchanged(claimed) == before


@pytest.mark.django_db
def test_releasing_a_task_already_back_in_the_queue_says_so(claimed, board):
    services.task_release(actor=board[0], task_id=claimed.pk)
    with pytest.raises(MovedOn, match="wieder allen Berechtigten offen"):
        services.task_release(actor=board[0], task_id=claimed.pk)


@pytest.mark.django_db
def test_the_owners_deputy_for_today_still_acts_on_the_claimed_task(claimed, board, proposal):
    Vertretung.objects.create(
        vertretene_person=board[0],
        vertretung=board[1],
        von=timezone.localdate() - timedelta(days=1),
        bis=timezone.localdate() + timedelta(days=1),
    )
    services.task_claim(actor=board[1], task_id=claimed.pk)
    assert unchanged(claimed) == (STATUS.ASSIGNED, board[0].pk)
    services.task_decide(actor=board[1], task_id=claimed.pk, action=Action.BOARD_APPROVE)
    event = AuditEvent.objects.filter(kernaktivitaet=proposal).order_by("-pk").first()
    assert event is not None
    assert (event.actor_id, event.on_behalf_of_id) == (board[1].pk, board[0].pk)
