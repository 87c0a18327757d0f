"""Every public page passes axe-core (WCAG 2.1 A and AA) in a real browser, in German and in English."""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.e2e.conftest import axe_violations, format_violations
from tests.e2e.data import ka_history
from tests.people import make_ka, make_kompetenz, make_user
from workflow import services
from workflow.rights import Role

pytestmark = pytest.mark.browser


def assert_accessible(page: Any, path: str) -> None:
    failures = inaccessible(page, [path])
    assert not failures, failures[0]


def inaccessible(page: Any, paths: list[str]) -> list[str]:
    """What is wrong with each of the pages: an HTTP status other than 200, or axe-core's violations."""
    failures = []
    for path in paths:
        response = page.goto(path)
        if response is None or response.status != 200:
            failures.append(f"{path}: HTTP {response and response.status}")
        elif violations := axe_violations(page):
            failures.append(f"axe-core found on {path}:\n{format_violations(violations)}")
    return failures


# The pages of a list are visited in one test per language, one tab and one emptied database for all of
# them: as a test each, a page paid about a second more for the database, the strategy and the tab than
# for its check. Every page of the list is checked and reported, not only the first that fails.
PAGES_WITHOUT_DATA = [
    "/",
    "/anmelden/",
    "/kernaktivitaeten/",
    "/dashboard/",
    "/barrierefreiheit/",
    "/impressum/",
]
PAGES_WITH_THE_STRATEGY = [
    "/",
    "/kernaktivitaeten/",
    "/kernaktivitaeten/?kompetenz=2&status=running&sort=-titel",
    "/kernaktivitaeten/?q=Markthalle",
    "/kernaktivitaeten/?overdue=on",
    "/kernaktivitaeten/?status=nonsense&kompetenz=999",
    "/kernaktivitaeten/GRO-03/",
    "/kernaktivitaeten/GRO-02/",
    "/kernaktivitaeten/TAL-05/",
    "/dashboard/",
]


def test_pages_without_data_are_accessible(page: Any) -> None:
    failures = inaccessible(page, PAGES_WITHOUT_DATA)
    assert not failures, "\n".join(failures)


def test_pages_with_the_strategy_are_accessible(page: Any, strategy: None) -> None:
    ka_history("GRO-03")
    failures = inaccessible(page, PAGES_WITH_THE_STRATEGY)
    assert not failures, "\n".join(failures)


def test_login_with_errors_is_accessible(page: Any, django_user_model: Any) -> None:
    page.goto("/anmelden/")
    page.fill("#id_username", "niemand")
    page.fill("#id_password", "falsch")
    page.click("form[action='/anmelden/'] button[type=submit]")
    page.wait_for_selector("#error-summary")
    violations = axe_violations(page)
    assert not violations, format_violations(violations)


def test_ka_page_with_internal_data_is_accessible(page: Any, strategy: None, live_server: Any) -> None:
    from django.contrib.auth.models import Permission

    history = ka_history("GRO-03")
    reader = history["clerk"]
    reader.set_password("geheim-genug-123")
    reader.save()
    reader.user_permissions.add(Permission.objects.get(codename="view_internal_kernaktivitaet"))
    page.goto("/anmelden/")
    page.fill("#id_username", reader.username)
    page.fill("#id_password", "geheim-genug-123")
    page.click("form[action='/anmelden/'] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert_accessible(page, "/kernaktivitaeten/GRO-03/")
    assert page.get_by_text("Fördermittel unsicher.").is_visible()


def test_not_found_page_is_accessible(page: Any) -> None:
    response = page.goto("/gibt-es-nicht/")
    assert response is not None and response.status == 404
    violations = axe_violations(page)
    assert not violations, format_violations(violations)


def test_documents_page_is_accessible(page: Any, live_server: Any, settings: Any, tmp_path: Any) -> None:
    """The documents page of a KA with its list, its upload form and the form's error, and the KA page's
    section of documents, for a member of the project group."""
    settings.STORAGES = {
        **settings.STORAGES,
        "dokumente": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "dokumente")},
        },
    }
    lead = make_user("projektleitung_dokumente", Role.PROJEKTGRUPPE)
    ka = make_ka(make_kompetenz(), lead=lead)
    for name, public in (("Projektplan.pdf", False), ("Faltblatt.pdf", True)):
        services.dokument_upload(
            actor=lead,
            kernaktivitaet=ka,
            uploaded_file=SimpleUploadedFile(name, b"%PDF-1.7\n%%EOF\n"),
            oeffentlich=public,
        )
    client = Client()
    client.force_login(lead)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    documents = f"/kernaktivitaeten/{ka.code}/dokumente/"
    assert_accessible(page, documents)
    with page.expect_navigation():
        page.click("form[enctype='multipart/form-data'] button[type=submit]")
    page.wait_for_selector("#error-summary")
    violations = axe_violations(page)
    assert not violations, format_violations(violations)
    (tmp_path / "kein.pdf").write_bytes(b"Kein PDF")
    page.set_input_files("#id_datei", str(tmp_path / "kein.pdf"))
    with page.expect_navigation():
        page.click("form[enctype='multipart/form-data'] button[type=submit]")
    assert page.locator("#id_datei-error").count() == 1
    violations = axe_violations(page)
    assert not violations, format_violations(violations)
    assert_accessible(page, f"/kernaktivitaeten/{ka.code}/")
    assert page.locator("#documents-heading").count() == 1
