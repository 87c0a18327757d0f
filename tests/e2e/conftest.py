"""A real browser for the UI tests: Debian's Chromium driven by Playwright (never a downloaded browser)."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_JS = Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Every page of a browser test runs under the product's Content-Security-Policy (a response header of the live
# server); a violation in any document the test opens fails the test. The listener is installed before any
# script of the page and reports through a binding, so violations of earlier pages of a test count too.
CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolation({
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    where: `${event.sourceFile || event.documentURI}:${event.lineNumber}`,
    sample: event.sample,
  });
});
"""


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the browser must be there)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)) and not shutil.which(str(CHROMIUM)):
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    if not AXE_JS.exists():
        _unavailable(f"axe-core missing at {AXE_JS} (make frontend)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in the test thread; the ORM calls of the tests (and of the
    # database fixtures) stay synchronous. Set only while the browser runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser_settings(django_test_environment: None) -> Iterator[None]:
    """Plain HTTP on loopback and static files from the finders (no collected manifest in tests).

    Session-wide and before the live server starts: the server loads its middleware once."""
    from django.conf import settings
    from django.test.utils import override_settings

    override = override_settings(
        SECURE_SSL_REDIRECT=False,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
        SECURE_HSTS_SECONDS=0,
        WHITENOISE_USE_FINDERS=True,
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    )
    override.enable()
    yield
    override.disable()


@pytest.fixture(params=["de", "en"])
def language(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def page(browser: Any, browser_settings: None, live_server: Any, language: str) -> Iterator[Any]:
    context = browser.new_context(locale=language, base_url=live_server.url)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    violations = watch_csp(context)
    tab = context.new_page()
    yield tab
    if not tab.is_closed():
        # Let events queued by the last action reach the listener.
        tab.evaluate("() => new Promise((resolve) => setTimeout(resolve, 0))")
    context.close()
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(map(str, violations)), pytrace=False)


def watch_csp(context: Any) -> list[Any]:
    """Record every CSP violation of the context's pages (event and console report)."""
    violations: list[Any] = []
    context.expose_function("__cspViolation", lambda report: violations.append(report))
    context.add_init_script(CSP_LISTENER)
    context.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    return violations


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core on the current page against WCAG 2.1 A and AA."""
    # Evaluated through the DevTools protocol: a <script> tag with the source inline is refused by the CSP.
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    # Only the violations are collected and sent back: with the passing and inapplicable checks' nodes as
    # well (axe's default) a run took about half as long again, for results no test reads.
    violations = page.evaluate(
        """async (tags) => (await axe.run(document, {
            runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
        })).violations""",
        AXE_TAGS,
    )
    return list(violations)


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {node['target']}: {node['failureSummary']}" for node in violation["nodes"][:5])
    return "\n".join(lines)
