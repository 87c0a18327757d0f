"""Labels of the decision forms and focus after a claim (issue 11, point 9): a reason is marked optional only
where no choice needs it; the council form stays the Ratsbüro's; a claim lands on the decision."""

import pytest

from tests.people import client_for, make_ka
from workflow import services

from .helpers import open_task

pytestmark = pytest.mark.django_db


def reason_label(body: str) -> str:
    return body.split('for="id_reason"', 1)[1].split("</label>", 1)[0]


def at_board(people, proposal):
    services.kernaktivitaet_submit(actor=people.pg, kernaktivitaet=proposal)
    client_for(people.zirkel).post(
        f"/aufgaben/{open_task(proposal, 'zirkel_review').pk}/",
        {"op": "decide", "action": "zirkel_forward", "reason": "Empfehlung: zustimmen"},
    )
    return open_task(proposal, "board_decision")


def test_zirkel_review_reason_is_not_labelled_optional(people, proposal):
    services.kernaktivitaet_submit(actor=people.pg, kernaktivitaet=proposal)
    body = (
        client_for(people.zirkel)
        .get(f"/aufgaben/{open_task(proposal, 'zirkel_review').pk}/")
        .content.decode()
    )
    assert "(optional)" not in reason_label(body)
    assert 'aria-required="true"' in body


def test_board_reason_names_when_it_is_required_and_is_checked(people, proposal):
    task = at_board(people, proposal)
    client = client_for(people.vorstand)
    body = client.get(f"/aufgaben/{task.pk}/").content.decode()
    assert "(optional)" not in reason_label(body)
    assert "Pflichtangabe, wenn Sie „ablehnen“ oder „an den Strategiezirkel zurückgeben“ wählen." in body
    refused = client.post(f"/aufgaben/{task.pk}/", {"op": "decide", "action": "board_reject", "reason": "  "})
    assert refused.status_code == 400 or "Bitte begründen Sie die Ablehnung." in refused.content.decode()
    assert "Bitte begründen Sie die Ablehnung." in refused.content.decode()
    assert open_task(proposal, "board_decision").pk == task.pk  # nothing decided


def test_completion_request_reason_names_when_it_is_required(people, kompetenz):
    ka = make_ka(kompetenz, "PRF-77", lead=people.pg)
    body = client_for(people.pg).get(f"/kernaktivitaeten/{ka.code}/antrag/").content.decode()
    assert "(optional)" not in reason_label(body)
    assert "Pflichtangabe, wenn Sie" in body


def test_claim_lands_on_the_decision_heading(people, proposal):
    services.kernaktivitaet_submit(actor=people.pg, kernaktivitaet=proposal)
    task = open_task(proposal, "zirkel_review")
    client = client_for(people.zirkel)
    response = client.post(f"/aufgaben/{task.pk}/", {"op": "claim"})
    assert response.status_code == 302
    assert response["Location"] == f"/aufgaben/{task.pk}/#aufgabe"
    body = client.get(f"/aufgaben/{task.pk}/").content.decode()
    assert 'id="aufgabe" tabindex="-1"' in body
    assert "<script>" not in body and "<script " not in body.replace('<script src="', "")


def test_beirat_gets_no_council_form_and_no_link_to_it(people):
    client = client_for(people.beirat)
    assert client.get("/aufgaben/ratsbeschluss/").status_code == 404
    for page in ("/", "/aufgaben/", "/dashboard/", "/kernaktivitaeten/"):
        assert "/aufgaben/ratsbeschluss/" not in client.get(page).content.decode()
    assert client_for(people.ratsbuero).get("/aufgaben/ratsbeschluss/").status_code == 200
