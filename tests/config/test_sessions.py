"""Session limits (30 minutes idle, 8 hours at most) and "Überall abmelden" from the admin."""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from config.security import REGISTERED_KEY
from config.usersessions.models import UserSession
from tests.otp import verify_second_factor

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 8, 0, tzinfo=ZoneInfo("Europe/Berlin"))
INBOX = "/aufgaben/"


@pytest.fixture(autouse=True)
def plain_http(settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def person(name: str) -> Any:
    return get_user_model().objects.create_user(name, password="geheim-und-lang-2030")


def signed_in_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def is_signed_in(client: Client) -> bool:
    response = client.get(INBOX)
    if response.status_code == 200:
        return True
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/anmelden/")
    return False


def session_writes(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(INBOX).status_code == 200
    return sum(
        1
        for query in queries.captured_queries
        if "django_session" in query["sql"] and query["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    )


def test_signed_out_after_30_minutes_without_activity() -> None:
    with time_machine.travel(START, tick=False) as clock:
        client = signed_in_client(person("mitglied"))
        clock.shift(timedelta(minutes=29))
        assert is_signed_in(client)
        clock.shift(timedelta(minutes=29))  # 58 minutes after sign-in, 29 after the last request
        assert is_signed_in(client)
        clock.shift(timedelta(minutes=30))
        response = client.get(INBOX, follow=True)
    assert response.redirect_chain[0] == (f"/anmelden/?next={INBOX}", 302)
    assert "Sie wurden nach 30 Minuten ohne Aktivität abgemeldet." in response.content.decode()
    assert SESSION_KEY not in client.session
    assert not is_signed_in(client)


def test_idle_time_comes_from_the_settings(settings: Any) -> None:
    settings.SESSION_IDLE_SECONDS = 5 * 60
    with time_machine.travel(START, tick=False) as clock:
        client = signed_in_client(person("mitglied"))
        clock.shift(timedelta(minutes=4))
        assert is_signed_in(client)
        clock.shift(timedelta(minutes=5))
        assert not is_signed_in(client)


def test_signed_out_8_hours_after_sign_in_however_active() -> None:
    with time_machine.travel(START, tick=False) as clock:
        client = signed_in_client(person("mitglied"))
        for _ in range(19):  # a request every 25 minutes: 7 h 55 min
            clock.shift(timedelta(minutes=25))
            assert is_signed_in(client)
        clock.shift(timedelta(minutes=5))
        response = client.get(INBOX, follow=True)
    assert response.redirect_chain[0][0].startswith("/anmelden/")
    assert "Ihre Anmeldung gilt höchstens 8 Stunden." in response.content.decode()
    assert not is_signed_in(client)


def test_session_storage_ends_after_8_hours_too(settings: Any) -> None:
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    with time_machine.travel(START, tick=False) as clock:
        client = signed_in_client(person("mitglied"))
        clock.shift(timedelta(minutes=5))
        response = client.get(INBOX)
    # The activity stamp was written: cookie and stored session last 8 hours from that write at most.
    assert response.cookies["sessionid"]["max-age"] == 8 * 3600
    assert Session.objects.get().expire_date == START + timedelta(minutes=5, hours=8)


def test_activity_is_written_at_most_once_a_minute() -> None:
    with time_machine.travel(START, tick=False) as clock:
        client = signed_in_client(person("mitglied"))
        clock.shift(timedelta(seconds=2))
        assert session_writes(client) == 0
        clock.shift(timedelta(seconds=30))
        assert session_writes(client) == 0
        clock.shift(timedelta(minutes=2))
        assert session_writes(client) == 1
        clock.shift(timedelta(seconds=10))
        assert session_writes(client) == 0


def test_htmx_request_after_idle_time_loads_the_sign_in_page() -> None:
    with time_machine.travel(START, tick=False) as clock:
        client = signed_in_client(person("mitglied"))
        clock.shift(timedelta(minutes=31))
        response = client.get("/kernaktivitaeten/?q=x", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/anmelden/?next=")


def test_anonymous_requests_carry_no_session() -> None:
    client = Client()
    assert client.get("/").status_code == 200
    assert "sessionid" not in client.cookies
    assert not Session.objects.exists()


def admin_client() -> Client:
    admin = get_user_model().objects.create_superuser("verwaltung", password="geheim-und-lang-2030")
    client = signed_in_client(admin)
    verify_second_factor(client, admin)
    return client


def logout_everywhere(admin: Client, *users: Any) -> Any:
    return admin.post(
        "/admin/auth/user/",
        {"action": "logout_everywhere", "_selected_action": [str(user.pk) for user in users]},
        follow=True,
    )


def test_logout_everywhere_from_the_admin_ends_every_session_of_that_person() -> None:
    target = person("mitglied")
    other = person("kollegin")
    office_pc, laptop, colleague = signed_in_client(target), signed_in_client(target), signed_in_client(other)
    assert is_signed_in(office_pc) and is_signed_in(laptop) and is_signed_in(colleague)
    admin = admin_client()

    listing = admin.get("/admin/auth/user/")
    assert "Überall abmelden" in listing.content.decode()
    response = logout_everywhere(admin, target)

    assert response.status_code == 200
    assert "1 Person überall abgemeldet (2 Sitzungen beendet)." in response.content.decode()
    assert not is_signed_in(office_pc)
    assert not is_signed_in(laptop)
    assert is_signed_in(colleague)
    assert admin.get("/admin/").status_code == 200
    assert not UserSession.objects.filter(user=target).exists()


def test_a_session_from_before_the_registry_is_ended_too() -> None:
    target = person("mitglied")
    client = signed_in_client(target)
    # As if signed in before the registry existed: no row, no mark in the session.
    UserSession.objects.all().delete()
    session = client.session
    del session[REGISTERED_KEY]
    session.save()
    assert is_signed_in(client)  # the first request registers it
    logout_everywhere(admin_client(), target)
    assert not is_signed_in(client)


def test_a_new_session_key_replaces_the_registered_one() -> None:
    target = person("mitglied")
    client = signed_in_client(target)
    session = client.session
    old_key = session.session_key
    session.cycle_key()  # what a password change or a repeated sign-in does
    session.save()
    client.cookies["sessionid"] = str(session.session_key)
    assert is_signed_in(client)
    keys = set(UserSession.objects.filter(user=target).values_list("session_key", flat=True))
    assert keys == {session.session_key} and old_key not in keys
    logout_everywhere(admin_client(), target)
    assert not is_signed_in(client)


def test_sign_out_removes_the_registry_row() -> None:
    target = person("mitglied")
    client = signed_in_client(target)
    assert UserSession.objects.filter(user=target).count() == 1
    client.post("/abmelden/")
    assert not UserSession.objects.filter(user=target).exists()


def test_logout_everywhere_needs_the_right_to_change_users() -> None:
    target = person("mitglied")
    victim = signed_in_client(target)
    staff = get_user_model().objects.create_user("sachbearbeitung", password="x", is_staff=True)
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="view_user"))
    client = signed_in_client(staff)
    verify_second_factor(client, staff)
    listing = client.get("/admin/auth/user/")
    assert listing.status_code == 200
    assert "Überall abmelden" not in listing.content.decode()
    logout_everywhere(client, target)
    assert is_signed_in(victim)
