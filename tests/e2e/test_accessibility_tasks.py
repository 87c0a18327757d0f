"""The pages people work in (tasks, proposals, council record, reports) pass axe-core (WCAG 2.1 A/AA) empty,
filled and with form errors, in German and in English."""

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from viewflow.workflow.models import Task

from governance.models import Kernaktivitaet, Kompetenz, Statusbericht
from tests.e2e.conftest import axe_violations, format_violations
from tests.people import People, propose
from workflow import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, live_server: Any, user: Any) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def assert_accessible(page: Any, what: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe-core found on {what}:\n{format_violations(violations)}"


def visit(page: Any, path: str, status: int = 200) -> None:
    response = page.goto(path)
    assert response is not None and response.status == status, f"{path}: HTTP {response and response.status}"


@pytest.fixture
def world(strategy: None, people: People) -> dict[str, Any]:
    lead, zirkel, vorstand, rat = people.pg, people.zirkel, people.vorstand, people.ratsbuero
    kompetenz = Kompetenz.objects.get(key="vorreiterin")
    ka = propose(actor=lead, kompetenz=kompetenz, titel="Stadtteilbüros")
    services.kernaktivitaet_submit(actor=lead, kernaktivitaet=ka)
    return {"lead": lead, "zirkel": zirkel, "vorstand": vorstand, "rat": rat, "ka": ka}


def open_task_of(ka: Kernaktivitaet) -> Task:
    return Task.objects.filter(process__kaprocess__kernaktivitaet=ka, status="NEW").latest("pk")


def test_inbox_empty_and_filled(page: Any, live_server: Any, world: dict[str, Any]) -> None:
    sign_in(page, live_server, world["vorstand"])
    visit(page, "/aufgaben/")
    assert_accessible(page, "empty inbox")
    page.context.clear_cookies()
    sign_in(page, live_server, world["zirkel"])
    visit(page, "/aufgaben/")
    assert page.locator(f"a[href='/aufgaben/{open_task_of(world['ka']).pk}/']").count() == 1
    assert_accessible(page, "filled inbox")


def test_task_form_and_its_errors(page: Any, live_server: Any, world: dict[str, Any]) -> None:
    sign_in(page, live_server, world["zirkel"])
    visit(page, f"/aufgaben/{open_task_of(world['ka']).pk}/")
    assert_accessible(page, "task form")
    with page.expect_navigation():
        page.locator("input[name=op][value=decide]").locator("xpath=..").locator(
            "button[type=submit]"
        ).click()
    assert page.locator("#error-summary").count() == 1
    assert page.locator("[aria-invalid=true]").count() >= 1
    assert_accessible(page, "task form with errors")


def test_proposal_form_and_its_errors(page: Any, live_server: Any, world: dict[str, Any]) -> None:
    sign_in(page, live_server, world["lead"])
    visit(page, "/vorschlaege/neu/")
    assert_accessible(page, "new proposal")
    with page.expect_navigation():
        page.locator("form button[name=op][value=save]").click()
    assert page.locator("#error-summary").count() == 1
    assert_accessible(page, "proposal with errors")


def test_council_form_filled_and_with_errors(page: Any, live_server: Any, world: dict[str, Any]) -> None:
    ka = world["ka"]
    services.task_decide(
        actor=world["zirkel"],
        task_id=open_task_of(ka).pk,
        action="zirkel_forward",
        reason="Zustimmung empfohlen",
    )
    services.task_decide(actor=world["vorstand"], task_id=open_task_of(ka).pk, action="board_approve")
    sign_in(page, live_server, world["rat"])
    visit(page, "/aufgaben/ratsbeschluss/")
    assert_accessible(page, "council record form")
    with page.expect_navigation():
        page.locator("form:has(input[name=reference]) button[type=submit]").click()
    assert page.locator("#error-summary").count() == 1
    assert_accessible(page, "council record with errors")


def test_report_pages_empty_filled_and_with_errors(
    page: Any, live_server: Any, world: dict[str, Any]
) -> None:
    lead = world["lead"]
    sign_in(page, live_server, lead)
    visit(page, "/berichte/")
    assert_accessible(page, "no reports")
    running = Kernaktivitaet.objects.get(code="VOR-11")
    from workflow.grants import kernaktivitaet_set_projektgruppe

    kernaktivitaet_set_projektgruppe(kernaktivitaet=running, projektleitung=lead, mitglieder=[lead])
    bericht = Statusbericht.objects.create(kernaktivitaet=running, faellig_am=dt.date(2026, 6, 30))
    visit(page, "/berichte/")
    assert_accessible(page, "reports owed")
    visit(page, f"/berichte/{bericht.pk}/")
    assert_accessible(page, "report form")
    with page.expect_navigation():
        page.locator("form:has(input[name=op][value=submit]) button[type=submit]").click()
    assert page.locator("#error-summary").count() == 1
    assert page.locator("[aria-invalid=true]").count() >= 3
    assert_accessible(page, "report form with errors")


def test_inbox_with_search_filters_and_sort(page: Any, live_server: Any, world: dict[str, Any]) -> None:
    sign_in(page, live_server, world["zirkel"])
    kompetenz = world["ka"].kompetenz_id
    visit(page, f"/aufgaben/?q=Stadtteil&kompetenz={kompetenz}&sortierung=ueberfaellig")
    assert page.locator(f"a[href='/aufgaben/{open_task_of(world['ka']).pk}/']").count() == 1
    assert_accessible(page, "inbox with search, filter and sort")
    visit(page, "/aufgaben/?faellig=ueberfaellig")
    assert page.locator(f"a[href='/aufgaben/{open_task_of(world['ka']).pk}/']").count() == 0
    assert_accessible(page, "inbox filtered to overdue tasks, none found")
    visit(page, "/aufgaben/?kompetenz=99999999&faellig=morgen&q=nichts")
    assert page.locator("[aria-invalid='true']").count() == 2
    assert_accessible(page, "inbox with invalid filters and no result")


def test_claim_puts_the_focus_on_the_decision(page: Any, live_server: Any, world: dict[str, Any]) -> None:
    sign_in(page, live_server, world["zirkel"])
    task = open_task_of(world["ka"])
    visit(page, f"/aufgaben/{task.pk}/")
    page.locator("form:has(input[name='op'][value='claim']) button[type='submit']").click()
    page.wait_for_url(f"**/aufgaben/{task.pk}/#aufgabe")
    assert page.evaluate("document.activeElement && document.activeElement.id") == "aufgabe"
    assert_accessible(page, "task page after a claim")


def test_discussion_empty_filled_with_errors_and_after_a_comment(
    page: Any, live_server: Any, world: dict[str, Any]
) -> None:
    ka = world["ka"]
    sign_in(page, live_server, world["zirkel"])
    ka_page = f"/kernaktivitaeten/{ka.code}/"
    visit(page, ka_page)
    assert page.locator("#diskussion").count() == 1
    assert_accessible(page, "KA page with an empty discussion")
    services.kommentar_add(
        actor=world["lead"], kernaktivitaet=ka, text="Die Kennzahlen folgen.\nBis Freitag."
    )
    services.kommentar_add(
        actor=world["vorstand"], kernaktivitaet=ka, text="<b>Bitte</b> die Risiken nennen."
    )
    visit(page, ka_page)
    assert page.locator("#diskussion ~ ol .timeline__item").count() == 2
    assert_accessible(page, "KA page with comments")
    send = page.locator("form[action$='/diskussion/'] button[type=submit]")
    with page.expect_navigation():
        send.click()
    assert page.locator("#error-summary").count() == 1
    assert page.locator("[aria-invalid=true]").count() == 1
    assert_accessible(page, "discussion with an error")
    page.locator("textarea[name='kommentar-text']").fill("Einverstanden.")
    with page.expect_navigation():
        page.locator("form[action$='/diskussion/'] button[type=submit]").click()
    assert page.url.endswith(f"{ka_page}#diskussion")
    assert page.locator("#diskussion ~ ol .timeline__item").count() == 3
    assert_accessible(page, "KA page after a comment")
