"""Every public page passes axe-core (WCAG 2.1 A and AA) in a real browser, in German and in English."""

from typing import Any

import pytest

from tests.e2e.conftest import axe_violations, format_violations
from tests.e2e.data import ka_history

pytestmark = pytest.mark.browser


def assert_accessible(page: Any, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, f"{path}: HTTP {response and response.status}"
    violations = axe_violations(page)
    assert not violations, f"axe-core found on {path}:\n{format_violations(violations)}"


@pytest.mark.parametrize(
    "path",
    ["/", "/anmelden/", "/kernaktivitaeten/", "/dashboard/", "/barrierefreiheit/", "/impressum/"],
)
def test_page_without_data_is_accessible(page: Any, path: str) -> None:
    assert_accessible(page, path)


@pytest.mark.parametrize(
    "path",
    [
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
    ],
)
def test_page_with_the_strategy_is_accessible(page: Any, strategy: None, path: str) -> None:
    ka_history("GRO-03")
    assert_accessible(page, path)


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
