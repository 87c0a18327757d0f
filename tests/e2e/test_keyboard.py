"""Keyboard use: the skip link comes first and moves focus to the main content."""

from typing import Any

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path", ["/", "/kernaktivitaeten/", "/dashboard/"])
def test_tab_reaches_skip_link_first_and_it_moves_focus_to_main(page: Any, path: str) -> None:
    page.goto(path)
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => [document.activeElement.className, document.activeElement.getAttribute('href')]"
    )
    assert focused == ["skip-link kern-link", "#main"]
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


def test_sort_link_is_reached_by_keyboard_and_sorts(page: Any, strategy: None) -> None:
    page.goto("/kernaktivitaeten/")
    link = page.locator("th[aria-sort] a").nth(1)  # Titel
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**sort=titel**")
    assert page.locator("th[aria-sort='ascending']").count() == 1
