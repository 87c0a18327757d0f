"""The overview filters update the results in place (htmx), stay accessible and work without script."""

from typing import Any

import pytest

from tests.e2e.conftest import axe_violations, format_violations

pytestmark = pytest.mark.browser


def test_changing_a_filter_updates_results_url_title_and_announcement(page: Any, strategy: None) -> None:
    from governance.models import Kernaktivitaet, Kompetenz

    kompetenz = Kompetenz.objects.get(code="HOT")
    expected = Kernaktivitaet.objects.filter(kompetenz=kompetenz).count()
    page.goto("/kernaktivitaeten/")
    page.wait_for_function("() => window.htmx !== undefined")
    page.focus("#id_kompetenz")
    page.select_option("#id_kompetenz", str(kompetenz.pk))
    page.wait_for_url(f"**kompetenz={kompetenz.pk}**")
    page.wait_for_function(
        "(n) => document.querySelector('#ka-results-status').textContent.trim().startsWith(String(n))",
        arg=expected,
    )
    assert page.locator("#ka-results tbody tr").count() == min(expected, 25)
    assert page.title().startswith(("Kernaktivitäten: ", "Core activities: "))
    assert page.evaluate("() => document.activeElement.id") == "id_kompetenz"
    assert page.locator("#ka-results-status[role=status]").count() == 1
    violations = axe_violations(page)
    assert not violations, format_violations(violations)


def test_filters_work_without_script(
    browser: Any, browser_settings: None, live_server: Any, strategy: None
) -> None:
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    tab = context.new_page()
    try:
        tab.goto("/kernaktivitaeten/")
        tab.select_option("#id_status", "merged")
        tab.click("form.ka-filter button[type=submit]")
        tab.wait_for_url("**status=merged**")
        assert tab.locator("#ka-results tbody tr").count() == 1
    finally:
        context.close()
