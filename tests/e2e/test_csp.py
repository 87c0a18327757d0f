"""The strict Content-Security-Policy in the browser: the listener catches violations, and the product's pages
and the admin (with its actions, the object rights page and the periodic task form) run without one.

Every test using the ``page`` fixture fails on a violation (tests/e2e/conftest.py); these add the admin."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from governance.models import Kompetenz
from tests.otp import verify_second_factor

from .conftest import watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(params=["de"])
def language(request: pytest.FixtureRequest) -> str:
    """The policy and the scripts are the same in every language: one is enough here."""
    return str(request.param)


def test_pages_come_with_the_strict_policy(page: Any) -> None:
    response = page.goto("/")
    header = response.headers["content-security-policy"]
    assert "unsafe-inline" not in header
    assert "frame-ancestors 'none'" in header
    assert "script-src 'self'" in header


def test_the_listener_reports_inline_script_and_style(
    browser: Any, browser_settings: None, live_server: Any
) -> None:
    context = browser.new_context(base_url=live_server.url)
    violations = watch_csp(context)
    tab = context.new_page()
    tab.goto("/")
    tab.evaluate(
        """() => {
            const box = document.createElement('div');
            box.innerHTML = '<span style="color: red">rot</span>';
            document.body.append(box);
            const script = document.createElement('script');
            script.textContent = 'window.__ran = true';
            document.head.append(script);
        }"""
    )
    tab.evaluate("() => new Promise((resolve) => setTimeout(resolve, 0))")
    ran = tab.evaluate("() => window.__ran === true")
    context.close()
    assert not ran
    directives = {report["directive"] for report in violations if isinstance(report, dict)}
    assert {"style-src-attr", "script-src-elem"} <= directives, violations


def sign_in_admin(page: Any, live_server: Any) -> Any:
    """A superuser whose session passed the second factor, handed to the browser as its session cookie."""
    admin = get_user_model().objects.create_superuser("verwaltung", password="geheim-und-lang-2030")
    client = Client()
    client.force_login(admin)
    verify_second_factor(client, admin)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return admin


def test_admin_pages_run_under_the_policy(page: Any, live_server: Any, strategy: None) -> None:
    admin = sign_in_admin(page, live_server)
    kompetenz = Kompetenz.objects.order_by("pk").first()
    assert kompetenz is not None
    for path in (
        "/admin/",
        "/admin/governance/kernaktivitaet/",
        "/admin/governance/kernaktivitaet/add/",
        f"/admin/governance/kompetenz/{kompetenz.pk}/permissions/",
        f"/admin/auth/user/{admin.pk}/change/",
        "/admin/django_celery_beat/periodictask/add/",
        "/admin/outbox/outboxmessage/",
    ):
        response = page.goto(path)
        assert response.status == 200, path
        assert "unsafe-inline" not in response.headers["content-security-policy"]
    # The periodic task form's crontab hint, moved from an inline script to a file, still works.
    from django_celery_beat.models import CrontabSchedule

    crontab = CrontabSchedule.objects.create(minute="0", hour="7", day_of_week="1-5")
    page.goto("/admin/django_celery_beat/periodictask/add/")
    page.select_option("#id_crontab", str(crontab.pk))
    assert "Translation:" in page.locator(".field-crontab .help").inner_text()
    # The admin's own scripts work: the action bar of the user list ("Überall abmelden").
    target = get_user_model().objects.create_user("mitglied", password="geheim-und-lang-2030")
    page.goto("/admin/auth/user/")
    page.locator(f"input[name=_selected_action][value='{target.pk}']").check()
    assert page.locator(".action-counter").inner_text().startswith("1")
    page.select_option("select[name=action]", "logout_everywhere")
    page.locator("button[name=index]").click()
    page.wait_for_load_state()
    assert page.locator(".messagelist .success").count() == 1
