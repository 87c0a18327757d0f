"""Nobody learns from a status code or a message that something exists which they may not see.

A KA in the administration's preparation, its tasks, proposals and reports are answered with 404 for whoever
may not read them, before any state is looked at; the council form exists only for the Ratsbüro; the public
start page, overview and dashboard count the same KA.
"""

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from governance.models import KaStatus, Kernaktivitaet, Statusbericht
from governance.selectors import kernaktivitaet_public_q
from tests.people import People, client_for, make_ka
from workflow.models import Vertretung

from .helpers import open_task, submit


def status(user: Any, url: str) -> int:
    return client_for(user).get(url).status_code


def test_request_page_of_an_internal_ka_is_404_for_outsiders_whatever_its_state(
    people: People, proposal: Kernaktivitaet
) -> None:
    url = f"/kernaktivitaeten/{proposal.code}/antrag/"
    for outsider in (people.pg_other, people.nobody, people.kv):
        response = client_for(outsider).get(url)
        assert response.status_code == 404
        assert "Vorgeschlagen" not in response.content.decode()
    # Who reads the KA's internal data is told why there is nothing to request.
    assert status(people.zirkel, url) == 409


def test_proposal_of_another_group_is_404_not_403(people: People, proposal: Kernaktivitaet) -> None:
    url = f"/vorschlaege/{proposal.pk}/"
    assert status(people.pg_other, url) == 404
    assert status(people.nobody, url) == 404
    assert status(people.pg_other, "/vorschlaege/999999/") == 404
    # Someone who reads every KA but may not edit is refused, which tells them nothing new.
    assert status(people.beirat, url) == 403
    assert status(people.pg, url) == 200


def test_task_of_an_internal_ka_is_404_for_who_may_not_read_it(
    people: People, proposal: Kernaktivitaet
) -> None:
    assert submit(people.pg, proposal).status_code == 302
    task = open_task(proposal, "zirkel_review")
    for outsider in (people.pg_other, people.nobody, people.kv):
        assert status(outsider, f"/aufgaben/{task.pk}/") == 404
    assert status(people.pg_other, "/aufgaben/9999999/") == 404
    # The board reads every KA: it is told the task is not theirs.
    assert status(people.vorstand, f"/aufgaben/{task.pk}/") == 403
    assert status(people.zirkel, f"/aufgaben/{task.pk}/") == 200


def test_report_is_404_for_who_may_not_read_it(people: People, kompetenz: Any) -> None:
    ka = make_ka(kompetenz, "PRF-21", lead=people.pg)
    bericht = Statusbericht.objects.create(kernaktivitaet=ka, faellig_am=dt.date(2026, 6, 30))
    for outsider in (people.pg_other, people.nobody):
        assert status(outsider, f"/berichte/{bericht.pk}/") == 404
    assert status(people.pg_other, "/berichte/999999/") == 404
    assert status(people.pg, f"/berichte/{bericht.pk}/") == 200


@pytest.mark.parametrize("role", ["pg", "zirkel", "vorstand", "kv", "beirat", "nobody"])
def test_council_form_is_404_for_every_role_but_the_ratsbuero(people: People, role: str) -> None:
    response = client_for(getattr(people, role)).get("/aufgaben/ratsbeschluss/")
    assert response.status_code == 404
    assert "Drucksachennummer" not in response.content.decode()


def test_council_form_is_there_for_the_ratsbuero_and_its_deputy(people: People) -> None:
    assert status(people.ratsbuero, "/aufgaben/ratsbeschluss/") == 200
    today = timezone.localdate()
    Vertretung.objects.create(
        vertretene_person=people.ratsbuero,
        vertretung=people.nobody,
        von=today - dt.timedelta(days=1),
        bis=today + dt.timedelta(days=1),
    )
    assert status(people.nobody, "/aufgaben/ratsbeschluss/") == 200


@pytest.mark.parametrize("task", ["²", "٣", "-1", "abc", "9223372036854775808", "1" * 5000, "1\x00"])
def test_council_form_reads_the_task_strictly(people: People, task: str) -> None:
    response = client_for(people.ratsbuero).get("/aufgaben/ratsbeschluss/", {"task": task})
    assert response.status_code == 404


def test_council_form_tells_the_ratsbuero_only_about_council_tasks(
    people: People, proposal: Kernaktivitaet
) -> None:
    """A finished task of another kind is not a council resolution „already recorded“."""
    submit(people.pg, proposal)
    review = open_task(proposal, "zirkel_review")
    client_for(people.zirkel).post(
        f"/aufgaben/{review.pk}/", {"op": "decide", "action": "zirkel_forward", "reason": "Empfehlung"}
    )
    assert status(people.ratsbuero, f"/aufgaben/ratsbeschluss/?task={review.pk}") == 404


def _counts(client: Client) -> tuple[int, int, int]:
    home = client.get("/")
    overview = client.get("/kernaktivitaeten/")
    dashboard = client.get("/dashboard/")
    assert {home.status_code, overview.status_code, dashboard.status_code} == {200}
    dashboard_total = sum(k.ka_total for k in dashboard.context["kompetenzen"])
    return home.context["ka_total"], overview.context["page"].paginator.count, dashboard_total


def test_public_start_page_overview_and_dashboard_count_the_same_ka(strategy: None, people: People) -> None:
    kompetenz = Kernaktivitaet.objects.first().kompetenz  # type: ignore[union-attr]
    for number, state in enumerate((KaStatus.PROPOSED, KaStatus.ZIRKEL_REVIEW, KaStatus.BOARD_DECISION)):
        make_ka(kompetenz, f"{kompetenz.code}-V9{number}", status=state)
    public = Kernaktivitaet.objects.filter(kernaktivitaet_public_q()).count()
    assert public < Kernaktivitaet.objects.count()
    assert _counts(Client()) == (public, public, public)


def test_internal_readers_count_every_ka_on_all_three_pages(strategy: None, people: People) -> None:
    kompetenz = Kernaktivitaet.objects.first().kompetenz  # type: ignore[union-attr]
    make_ka(kompetenz, f"{kompetenz.code}-V90", status=KaStatus.PROPOSED)
    every = Kernaktivitaet.objects.count()
    assert _counts(client_for(people.beirat)) == (every, every, every)
