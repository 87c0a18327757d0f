"""The KA page offers each person exactly the next steps they may take on that KA."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from governance.models import Kernaktivitaet, Statusbericht
from tests.people import People, client_for, make_ka
from workflow import services

from .helpers import open_task

pytestmark = pytest.mark.django_db


def page(user: Any, ka: Kernaktivitaet) -> str:
    client = client_for(user) if user is not None else Client()
    response = client.get(f"/kernaktivitaeten/{ka.code}/")
    assert response.status_code == 200
    return response.content.decode()


def test_project_group_is_offered_to_edit_and_submit_its_proposal(
    people: People, proposal: Kernaktivitaet
) -> None:
    assert f"/vorschlaege/{proposal.pk}/" in page(people.pg, proposal)
    assert f"/vorschlaege/{proposal.pk}/" not in page(people.beirat, proposal)


def test_zirkel_is_offered_the_review_task_and_the_project_group_is_not(
    people: People, proposal: Kernaktivitaet
) -> None:
    services.kernaktivitaet_submit(actor=people.pg, kernaktivitaet=proposal)
    task = open_task(proposal, "zirkel_review")
    assert f"/aufgaben/{task.pk}/" in page(people.zirkel, proposal)
    assert f"/aufgaben/{task.pk}/" not in page(people.pg, proposal)
    assert f"/aufgaben/{task.pk}/" not in page(people.vorstand, proposal)


def test_running_ka_offers_requests_and_the_owed_report_to_its_project_group(
    people: People, kompetenz: Any
) -> None:
    ka = make_ka(kompetenz, "PRF-07", lead=people.pg)
    bericht = Statusbericht.objects.create(kernaktivitaet=ka, faellig_am=dt.date(2026, 12, 31))
    html = page(people.pg, ka)
    assert f"/kernaktivitaeten/{ka.code}/antrag/" in html
    assert f"/berichte/{bericht.pk}/" in html
    assert f"/berichte/{bericht.pk}/" not in page(people.beirat, ka)
    assert f"/kernaktivitaeten/{ka.code}/antrag/" not in page(people.beirat, ka)
