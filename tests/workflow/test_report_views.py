"""Status report pages: the project group submits, the Zirkel or the Kompetenzverantwortliche review."""

import datetime as dt
from typing import Any

import pytest
from guardian.shortcuts import assign_perm

from governance.models import AuditEvent, Kernaktivitaet, Statusbericht, StatusberichtState
from tests.people import People, client_for, make_ka

pytestmark = pytest.mark.django_db

VALID = {
    "op": "submit",
    "ampel_zeitplan": "gruen",
    "ampel_budget": "gelb",
    "ampel_umfang": "gruen",
    "fortschritt_prozent": "40",
    "meilensteine_erreicht": "Ausschreibung vergeben",
    "text_oeffentlich": "Die Planung ist abgeschlossen.",
    "text_intern": "Budget knapp",
}


@pytest.fixture
def running(people: People, kompetenz: Any) -> Kernaktivitaet:
    return make_ka(kompetenz, "PRF-01", lead=people.pg)


@pytest.fixture
def due(running: Kernaktivitaet) -> Statusbericht:
    return Statusbericht.objects.create(kernaktivitaet=running, faellig_am=dt.date(2026, 6, 30))


def url(bericht: Statusbericht) -> str:
    return f"/berichte/{bericht.pk}/"


def test_project_group_sees_the_report_it_owes(people: People, due: Statusbericht) -> None:
    page = client_for(people.pg).get("/berichte/")
    assert page.status_code == 200
    assert url(due) in page.content.decode()


def test_project_group_submits_and_the_report_waits_for_review(people: People, due: Statusbericht) -> None:
    response = client_for(people.pg).post(url(due), VALID)
    assert response.status_code == 302
    due.refresh_from_db()
    assert due.state == StatusberichtState.SUBMITTED
    assert due.fortschritt_prozent == 40
    assert due.eingereicht_von == people.pg
    assert url(due) in client_for(people.zirkel).get("/berichte/").content.decode()


def test_invalid_report_is_explained_on_the_form_and_nothing_is_written(
    people: People, due: Statusbericht
) -> None:
    response = client_for(people.pg).post(
        url(due), {**VALID, "fortschritt_prozent": "140", "text_oeffentlich": ""}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_fortschritt_prozent-error"' in html
    assert "Bitte beschreiben Sie den Sachstand für die Öffentlichkeit." in html
    due.refresh_from_db()
    assert due.state == StatusberichtState.DUE
    assert not AuditEvent.objects.filter(kernaktivitaet=due.kernaktivitaet).exists()


def test_other_project_group_cannot_submit(people: People, due: Statusbericht) -> None:
    response = client_for(people.pg_other).post(url(due), VALID)
    assert response.status_code == 404
    due.refresh_from_db()
    assert due.state == StatusberichtState.DUE


def test_zirkel_accepts_a_submitted_report(people: People, due: Statusbericht) -> None:
    client_for(people.pg).post(url(due), VALID)
    response = client_for(people.zirkel).post(url(due), {"op": "review", "decision": "accept"})
    assert response.status_code == 302
    due.refresh_from_db()
    assert due.state == StatusberichtState.ACCEPTED
    assert due.geprueft_von == people.zirkel


def test_return_needs_a_reason(people: People, due: Statusbericht) -> None:
    client_for(people.pg).post(url(due), VALID)
    response = client_for(people.zirkel).post(url(due), {"op": "review", "decision": "return", "reason": " "})
    assert response.status_code == 400
    assert "Bitte begründen Sie die Rückgabe." in response.content.decode()
    due.refresh_from_db()
    assert due.state == StatusberichtState.SUBMITTED


def test_returned_report_is_owed_again_with_its_reason(people: People, due: Statusbericht) -> None:
    client_for(people.pg).post(url(due), VALID)
    client_for(people.zirkel).post(url(due), {"op": "review", "decision": "return", "reason": "Budget fehlt"})
    due.refresh_from_db()
    assert due.state == StatusberichtState.RETURNED
    page = client_for(people.pg).get("/berichte/").content.decode()
    assert "Budget fehlt" in page
    form = client_for(people.pg).get(url(due)).content.decode()
    assert "Ausschreibung vergeben" in form  # the earlier answers are kept for the rework


def test_kompetenzverantwortliche_reviews_only_their_own_kompetenz(
    people: People, due: Statusbericht, kompetenz: Any
) -> None:
    client_for(people.pg).post(url(due), VALID)
    response = client_for(people.kv).post(url(due), {"op": "review", "decision": "accept"})
    assert response.status_code == 404
    assign_perm("governance.oversee_kompetenz", people.kv, kompetenz)
    response = client_for(people.kv).post(url(due), {"op": "review", "decision": "accept"})
    assert response.status_code == 302
    due.refresh_from_db()
    assert due.state == StatusberichtState.ACCEPTED


def test_project_group_cannot_review_its_own_report(people: People, due: Statusbericht) -> None:
    """Four-eyes: a Zirkel member in the KA's own project group may not accept its report."""
    from django.contrib.auth.models import Group

    people.pg.groups.add(Group.objects.get(name="Strategiezirkel"))
    client_for(people.pg).post(url(due), VALID)
    response = client_for(people.pg).post(url(due), {"op": "review", "decision": "accept"})
    assert response.status_code == 403
    assert (
        url(due)
        not in client_for(people.pg).get("/berichte/").content.decode().split("Von Ihnen zu prüfen")[1]
    )


def test_second_review_is_told_it_came_too_late(people: People, due: Statusbericht) -> None:
    client_for(people.pg).post(url(due), VALID)
    client_for(people.zirkel).post(url(due), {"op": "review", "decision": "accept"})
    response = client_for(people.zirkel2).post(url(due), {"op": "review", "decision": "accept"})
    assert response.status_code == 409
    assert AuditEvent.objects.filter(action="statusbericht_accepted").count() == 1


def test_public_cannot_read_internal_report(people: People, due: Statusbericht) -> None:
    assert client_for(people.nobody).get(url(due)).status_code == 404


def test_inbox_lists_the_report_owed_and_the_report_to_review(people: People, due: Statusbericht) -> None:
    assert url(due) in client_for(people.pg).get("/aufgaben/").content.decode()
    assert url(due) not in client_for(people.zirkel).get("/aufgaben/").content.decode()
    client_for(people.pg).post(url(due), VALID)
    assert url(due) in client_for(people.zirkel).get("/aufgaben/").content.decode()
    assert url(due) not in client_for(people.pg).get("/aufgaben/").content.decode()


def test_inbox_names_the_ten_longest_waiting_reviews_and_links_to_all(people: People, kompetenz: Any) -> None:
    from django.utils import timezone

    from workflow.views import REPORTS_IN_INBOX

    waiting = []
    for number in range(REPORTS_IN_INBOX + 2):
        ka = make_ka(kompetenz, f"PRF-{number:02d}")
        waiting.append(
            Statusbericht.objects.create(
                kernaktivitaet=ka,
                faellig_am=dt.date(2026, 6, 30),
                state=StatusberichtState.SUBMITTED,
                eingereicht_am=timezone.now() - dt.timedelta(days=30 - number),
            )
        )
    inbox = client_for(people.zirkel).get("/aufgaben/").content.decode()
    shown = [bericht for bericht in waiting if f'href="{url(bericht)}"' in inbox]
    assert shown == waiting[:REPORTS_IN_INBOX]  # the longest waiting first
    assert 'href="/berichte/">Alle Sachstandsberichte</a>' in inbox

    page = client_for(people.zirkel).get("/berichte/").content.decode()
    assert f"Von Ihnen zu prüfen ({REPORTS_IN_INBOX + 2})" in page
    assert all(url(bericht) in page for bericht in waiting)


def test_reports_page_runs_the_same_queries_for_few_and_many(people: People, kompetenz: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    def add(count: int) -> None:
        start = Statusbericht.objects.count()
        for number in range(start, start + count):
            ka = make_ka(kompetenz, f"MASSE-{number:03d}", lead=people.zirkel2)
            Statusbericht.objects.create(kernaktivitaet=ka, faellig_am=dt.date(2026, 6, 30))
            Statusbericht.objects.create(
                kernaktivitaet=ka,
                faellig_am=dt.date(2025, 12, 31),
                state=StatusberichtState.SUBMITTED,
                eingereicht_am=timezone.now(),
            )

    def queries(user: Any) -> int:
        client = client_for(user)
        client.get("/berichte/")  # content types are cached per process
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/berichte/").status_code == 200
        return len(captured)

    add(2)
    few = {user.username: queries(user) for user in (people.zirkel, people.zirkel2)}
    add(40)  # more than a page of each kind
    assert {user.username: queries(user) for user in (people.zirkel, people.zirkel2)} == few
