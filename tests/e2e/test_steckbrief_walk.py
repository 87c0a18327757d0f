"""A proposal's Projektsteckbrief through the pages in a real browser: written half-way and saved, what is
missing listed and linked, a refused submission that writes nothing, completed and submitted, returned by
the Strategiezirkel with a reason and a comment, changed (a text, and one member fewer) and resubmitted,
exactly those changes shown to the Zirkel field by field, approved and adopted, the adopted version on the
KA page, and the project group's rights with the people that version names.

The walk runs in German. Every state it reaches (the empty draft, the list of what is missing, the error
summary of a refused submission, the discussion with comments, the review page with the changes, the KA page
with the version opened) passes axe-core in German and, in a second tab signed in as the same person, in
English: one walk instead of one per language.
"""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from governance.models import (
    KaStatus,
    Kernaktivitaet,
    Kompetenz,
    Organisationseinheit,
    Querschnittsthema,
    Schwerpunkt,
    Steckbrief,
    SteckbriefVersion,
)
from tests.e2e.conftest import axe_violations, format_violations, watch_csp
from tests.e2e.test_walk import Mouse, open_task
from tests.people import People, make_user
from workflow import rights
from workflow.rights import Action, Role, User

# The longest walk of the suite (about 45 s): CI runs it on PostgreSQL, a developer with RUN_SLOW=1.
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TITLE = "Fahrradparkhäuser an den Bahnhöfen"
REASON = "Die Risiken sind unvollständig."
COMMENT = "Bitte die Baupreise als Risiko nennen."
RISKS = "Lieferzeiten."
RISKS_CHANGED = "Lieferzeiten, Baupreise."


@pytest.fixture(params=["de"])
def language(request: pytest.FixtureRequest) -> str:
    """The walk in German; English is checked at each state in the second tab (``english``)."""
    return str(request.param)


def sign_in(page: Any, live_server: Any, person: User) -> None:
    """The person's session in the tab (signing in by form is test_walk.py's; a walk of four people paid
    about a second a sign-in for it)."""
    client = Client()
    client.force_login(person)
    name = settings.SESSION_COOKIE_NAME
    page.context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": live_server.url}])


class English:
    """A tab in English that opens each state of the walk as the person signed in in the German tab."""

    def __init__(self, browser: Any, live_server: Any) -> None:
        self.url = live_server.url
        self.context = browser.new_context(locale="en", base_url=live_server.url)
        self.csp_violations = watch_csp(self.context)
        self.page = self.context.new_page()
        self.page.set_default_timeout(30_000)

    def sign_in_as(self, german: Any) -> None:
        self.context.clear_cookies()
        cookies = [cookie for cookie in german.context.cookies() if cookie["name"] != "django_language"]
        self.context.add_cookies([*cookies, {"name": "django_language", "value": "en", "url": self.url}])

    def open(self, german: Any, path: str | None = None) -> Any:
        """The page the German tab shows (or ``path``), in English."""
        self.sign_in_as(german)
        path = path or german.url.split("#")[0]  # a fragment of the page already open would not load it
        response = self.page.goto(path)
        assert response is not None and response.status == 200, f"{path}: HTTP {response and response.status}"
        assert self.page.locator("html").get_attribute("lang") == "en"
        return self.page


@pytest.fixture
def english(browser: Any, browser_settings: None, live_server: Any) -> Iterator[English]:
    tab = English(browser, live_server)
    yield tab
    tab.context.close()
    if tab.csp_violations:
        pytest.fail(
            "Content-Security-Policy violations (English tab):\n" + "\n".join(map(str, tab.csp_violations))
        )


DUPLICATE_IDS = """() => {
  const ids = [...document.querySelectorAll('[id]')].map((element) => element.id);
  return ids.filter((id, index) => ids.indexOf(id) !== index);
}"""


def assert_accessible(page: Any, what: str) -> None:
    """axe-core's WCAG 2.1 A/AA rules, and no id twice: a link of a summary or a label would reach the first
    only (axe checks only the ids ARIA attributes refer to)."""
    language = page.locator("html").get_attribute("lang")
    violations = axe_violations(page)
    assert not violations, f"axe-core found on {what} ({language}):\n{format_violations(violations)}"
    assert page.evaluate(DUPLICATE_IDS) == [], f"an id twice on {what} ({language})"


def field(page: Any, name: str) -> Any:
    """A control by its name: the rows of the lists repeat their labels."""
    return page.locator(f"[name='{name}']")


def link_targets(page: Any, container: str) -> set[str]:
    return set(
        page.locator(f"{container} a").evaluate_all("(links) => links.map((a) => a.getAttribute('href'))")
    )


def test_steckbrief_from_the_draft_to_the_adopted_version(
    page: Any, english: English, strategy: None, people: People, live_server: Any
) -> None:
    driver = Mouse(page)
    kompetenz = Kompetenz.objects.order_by("position").first()
    assert kompetenz is not None
    schwerpunkt = Schwerpunkt.objects.filter(kompetenz=kompetenz).order_by("position").first()
    office = Organisationseinheit.objects.order_by("art", "name").first()
    themen = list(Querschnittsthema.objects.order_by("position"))
    assert schwerpunkt is not None and office is not None and len(themen) == 5
    # A colleague the first version names in the project group and the second no longer does.
    colleague = make_user("kollege", Role.PROJEKTGRUPPE)

    # 1. The project group creates the proposal: an empty Steckbrief, everything still missing.
    sign_in(page, live_server, people.pg)
    page.goto("/vorschlaege/neu/")
    driver.select("Kompetenz", kompetenz.name)
    driver.fill("Titel", TITLE)
    driver.fill("SMARTe Ziele", "Vier Fahrradparkhäuser mit 2.000 Plätzen bis Ende 2028")
    driver.press("Vorschlag anlegen")
    ka = Kernaktivitaet.objects.get(titel=TITLE)
    assert page.url.endswith(f"/vorschlaege/{ka.pk}/")
    proposal_url = page.url
    assert_accessible(page, "the proposal page with an empty draft")
    assert_accessible(english.open(page), "the proposal page with an empty draft")

    # 2. Half of the Steckbrief, saved as a draft: kept, and what is missing listed with links to the fields.
    driver.select("Schwerpunkt", schwerpunkt.name)
    driver.fill("Ausgangslage", "An den Bahnhöfen fehlen sichere Abstellplätze.")
    driver.fill("Geplantes Ende", "2028-12-31")
    for name, value in {
        "kennzahlen-0-name": "Abstellplätze",
        "kennzahlen-0-einheit": "Plätze",
        "kennzahlen-0-ausgangswert": "0",
        "kennzahlen-0-ausgangsdatum": "2025-01-01",
        "kennzahlen-0-zielwert": "2000",
        "kennzahlen-0-zieldatum": "2028-12-31",
        "kennzahlen-0-datenquelle": "Tiefbauamt",
    }.items():
        field(page, name).fill(value)
    driver.press("Entwurf speichern")
    assert "Der Entwurf ist gespeichert." in page.content()
    page.reload()
    assert driver.page.get_by_label("Ausgangslage").input_value().startswith("An den Bahnhöfen")
    assert field(page, "geplantes_ende").input_value() == "2028-12-31"
    assert field(page, "kennzahlen-0-name").input_value() == "Abstellplätze"
    assert field(page, "kennzahlen-0-zielwert").input_value() in {"2000", "2000.0000"}
    assert (
        field(page, "schwerpunkt").evaluate("(select) => select.selectedOptions[0].text") == schwerpunkt.name
    )
    missing = page.locator(".steckbrief-missing")
    expect(missing).to_contain_text("Im gespeicherten Entwurf fehlen noch")
    assert link_targets(page, ".steckbrief-missing") == {
        "#id_massnahmen",
        "#id_risiken",
        "#querschnittswirkungen",
        "#meilensteine",
        "#ressourcen",
        "#id_linienverantwortung",
        "#id_projektleitung",
    }
    assert missing.locator("a", has_text="Querschnittsthemen").count() == len(themen)
    missing.get_by_role("link", name=re.compile("^Maßnahmen:")).click()
    page.wait_for_url(re.compile("#id_massnahmen$"))
    expect(page.locator("#id_massnahmen")).to_be_focused()
    expect(page.locator("#id_massnahmen")).to_be_in_viewport()
    missing.get_by_role("link", name=re.compile("^Meilensteine:")).click()
    expect(page.locator("#meilensteine")).to_be_focused()
    expect(page.locator("#meilensteine-heading")).to_be_in_viewport()
    assert_accessible(page, "the proposal page with the list of what is missing")
    assert_accessible(english.open(page), "the proposal page with the list of what is missing")

    # 3. A submission of the incomplete draft is refused at the fields it lacks and writes nothing.
    driver.fill("Maßnahmen", "Erst planen.")
    driver.press("Speichern und beim Strategiezirkel einreichen")
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    assert page.url.split("#")[0] == proposal_url
    assert {"#meilensteine", "#ressourcen", "#id_linienverantwortung", "#id_projektleitung"} <= link_targets(
        page, "#error-summary"
    )
    expect(summary).to_contain_text("Bitte nennen Sie mindestens einen Meilenstein.")
    assert driver.page.get_by_label("Maßnahmen").input_value() == "Erst planen."  # kept on the page
    ka.refresh_from_db()
    assert ka.status == KaStatus.PROPOSED
    assert Steckbrief.objects.get(kernaktivitaet=ka).massnahmen == ""
    assert not SteckbriefVersion.objects.filter(kernaktivitaet=ka).exists()
    assert_accessible(page, "the proposal page with the error summary of a refused submission")
    english.open(page, proposal_url)
    with english.page.expect_navigation():
        english.page.locator("button[name=op][value=submit]").click()
    expect(english.page.locator("#error-summary")).to_be_visible()
    assert_accessible(english.page, "the proposal page with the error summary of a refused submission")

    # 4. Completed and submitted: version 1.
    driver.fill("Maßnahmen", "Standorte prüfen, planen, bauen.")
    driver.fill("Risiken", RISKS)
    for thema in themen:
        page.locator(f"input[name='wirkung_{thema.pk}'][value='positiv']").check()
        driver.fill(f"Begründung zu „{thema.name}“ in einem Satz", "Mehr Wege mit dem Rad.")
    for name, value in {
        "meilensteine-0-name": "Standorte festgelegt",
        "meilensteine-0-geplant_am": "2027-06-30",
        "ressourcen-0-jahr": "2027",
        "ressourcen-0-kosten_eur": "1500000",
        "ressourcen-0-haushalt_eur": "500000",
        "ressourcen-0-foerdermittel_eur": "1000000",
    }.items():
        field(page, name).fill(value)
    driver.select("Linienverantwortung", office.name)
    driver.select("Projektleitung", people.pg.get_username())
    page.get_by_label(re.compile("^Mitglieder der Projektgruppe")).select_option(
        label=[people.pg.get_username(), people.pg_member.get_username(), colleague.get_username()]
    )
    driver.press("Speichern und beim Strategiezirkel einreichen")
    ka.refresh_from_db()
    assert ka.status == KaStatus.ZIRKEL_REVIEW, page.locator("main").inner_text()
    first = SteckbriefVersion.objects.get(kernaktivitaet=ka)
    assert first.nummer == 1 and first.inhalt["risiken"] == RISKS
    assert len(first.inhalt["querschnittswirkungen"]) == len(themen)

    # 5. The Zirkel claims the review, returns the proposal with a reason and writes a comment.
    sign_in(page, live_server, people.zirkel)
    open_task(driver, "Vorschlag prüfen")
    expect(page.locator("#steckbrief-heading")).to_have_text("Projektsteckbrief, Fassung 1")
    assert page.locator("#changes-heading").count() == 0
    driver.press("Aufgabe übernehmen")
    driver.choose("an die Projektgruppe zurückgeben")
    driver.fill("Beschlussempfehlung oder Grund der Rückgabe", REASON)
    driver.press("Entscheidung speichern")
    ka.refresh_from_db()
    assert ka.status == KaStatus.PROPOSED
    page.goto(f"/kernaktivitaeten/{ka.code}/")
    driver.fill("Ihr Kommentar", COMMENT)
    driver.press("Kommentar senden")
    expect(page.locator("#diskussion ~ ol .timeline__item")).to_have_count(1)

    # 6. The project group reads reason and comment on the proposal page, changes the risks and resubmits.
    sign_in(page, live_server, people.pg)
    page.goto(proposal_url)
    expect(page.locator("main")).to_contain_text(REASON)
    expect(page.locator("#diskussion ~ ol")).to_contain_text(COMMENT)
    assert_accessible(page, "the proposal page after a return, with a comment")
    assert_accessible(english.open(page), "the proposal page after a return, with a comment")
    assert driver.page.get_by_label("Risiken").input_value() == RISKS
    driver.fill("Risiken", RISKS_CHANGED)
    page.get_by_label(re.compile("^Mitglieder der Projektgruppe")).select_option(
        label=[people.pg.get_username(), people.pg_member.get_username()]
    )
    driver.press("Speichern und beim Strategiezirkel einreichen")
    ka.refresh_from_db()
    assert ka.status == KaStatus.ZIRKEL_REVIEW, page.locator("main").inner_text()
    assert list(
        SteckbriefVersion.objects.filter(kernaktivitaet=ka)
        .order_by("nummer")
        .values_list("nummer", flat=True)
    ) == [1, 2]

    # 7. The Zirkel sees version 2 and exactly the one field that changed; it forwards the proposal.
    sign_in(page, live_server, people.zirkel)
    open_task(driver, "Vorschlag prüfen")
    expect(page.locator("#steckbrief-heading")).to_have_text("Projektsteckbrief, Fassung 2")
    expect(page.locator("#changes-heading")).to_have_text("Geändert gegenüber Fassung 1")
    changes = page.locator(".steckbrief-changes > li")
    expect(changes).to_have_count(2)
    expect(changes.locator("> .kern-label")).to_have_text(["Risiken", "Mitglieder der Projektgruppe"])
    risks, members = changes.nth(0), changes.nth(1)
    expect(risks.locator("del")).to_have_text(f"entfernt: {RISKS}")
    expect(risks.locator("ins")).to_have_text(f"neu: {RISKS_CHANGED}")
    expect(members.locator("del")).to_have_text(f"entfernt: {colleague.get_username()}")
    expect(members.locator("ins")).to_have_count(0)
    expect(page.locator("#diskussion ~ ol")).to_contain_text(COMMENT)
    assert_accessible(page, "the review page with the changes and the discussion")
    assert_accessible(english.open(page), "the review page with the changes and the discussion")
    driver.press("Aufgabe übernehmen")
    driver.choose("an den Verwaltungsvorstand weiterleiten")
    driver.fill("Beschlussempfehlung oder Grund der Rückgabe", "Zustimmung empfohlen")
    driver.press("Entscheidung speichern")
    ka.refresh_from_db()
    assert ka.status == KaStatus.BOARD_DECISION

    # 8. The board approves, the Ratsbüro records the council's resolution.
    sign_in(page, live_server, people.vorstand)
    open_task(driver, "Über den Vorschlag entscheiden")
    driver.choose("dem Rat zur Entscheidung vorlegen")
    driver.press("Entscheidung speichern")
    ka.refresh_from_db()
    assert ka.status == KaStatus.COUNCIL
    sign_in(page, live_server, people.ratsbuero)
    open_task(driver, "Ratsbeschluss erfassen")
    driver.fill("Drucksachennummer", "20261235")
    driver.fill("Titel der Drucksache", TITLE)
    driver.fill("Datum der Drucksache", "2026-10-01")
    driver.fill("Datum der Ratssitzung", "2026-11-12")
    driver.select(f"Ergebnis für {ka.code}", "Unverändert beschlossen")
    driver.press("Ratsbeschluss speichern")
    ka.refresh_from_db()
    assert ka.status == KaStatus.RUNNING
    # The people of the adopted version hold the project group's rights; the colleague removed does not.
    for member in (people.pg, people.pg_member):
        assert rights.may(member, Action.SUBMIT_REPORT, ka), member
    assert not rights.may(colleague, Action.SUBMIT_REPORT, ka)

    # 9. The KA page shows the adopted version, its whole text behind a summary.
    page.goto(f"/kernaktivitaeten/{ka.code}/")
    expect(page.locator("#steckbrief-heading")).to_have_text("Projektsteckbrief, Fassung 2")
    details = page.locator("#steckbrief details")
    page.locator("#steckbrief summary").click()
    expect(details).to_have_attribute("open", "")
    expect(details).to_contain_text(RISKS_CHANGED)
    assert_accessible(page, "the KA page with the version opened")
    english.open(page)
    english.page.locator("#steckbrief summary").click()
    expect(english.page.locator("#steckbrief details")).to_have_attribute("open", "")
    assert_accessible(english.page, "the KA page with the version opened")
