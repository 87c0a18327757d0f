"""Sign-in that resists guessing: lockout per account and per client, release by an administrator, the
second factor for the admin and for everyone who enrols an app, and forms that hold against hostile input."""

from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.auth_forms import TokenForm
from tests.otp import current_code, verify_second_factor

PASSWORD = "richtig-und-lang-genug-42"


class CountingHasher(MD5PasswordHasher):
    """The test hasher, counting how often a password is checked (the expensive step in production)."""

    algorithm = "counting_md5"
    checks = 0

    def verify(self, password: str, encoded: str) -> bool:
        type(self).checks += 1
        return super().verify(password, encoded)


@pytest.fixture(autouse=True)
def login_settings(settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    settings.PASSWORD_HASHERS = ["tests.config.test_login.CountingHasher"]
    # Pages render without a collected manifest in tests.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def person(db: None) -> Any:
    return get_user_model().objects.create_user("sachbearbeitung", "sb@bochum.example", PASSWORD)


def login(client: Any, username: str, password: str, ip: str = "10.0.0.1") -> Any:
    return client.post(
        "/anmelden/", {"username": username, "password": password}, secure=True, REMOTE_ADDR=ip
    )


def signed_in(client: Any) -> bool:
    return "_auth_user_id" in client.session


def test_right_password_signs_in(client: Any, person: Any) -> None:
    response = login(client, person.username, PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_account_locks_after_the_limit_and_refuses_the_right_password_without_hashing(
    client: Any, person: Any
) -> None:
    # Three wrong guesses from three addresses: the account itself is locked.
    for n in range(3):
        response = login(client, person.username, "falsch", ip=f"10.0.1.{n}")
    assert response.status_code == 429
    assert "Anmeldung vorübergehend gesperrt" in response.content.decode()
    checks = CountingHasher.checks
    response = login(client, person.username, PASSWORD, ip="10.0.2.1")
    assert response.status_code == 429 and not signed_in(client)
    assert "auch mit dem richtigen Passwort" in response.content.decode()
    # Refused before any password was checked: a locked login costs no hashing.
    assert CountingHasher.checks == checks


def test_below_the_limit_the_right_password_still_works(client: Any, person: Any) -> None:
    for _n in range(2):
        login(client, person.username, "falsch")
    assert login(client, person.username, PASSWORD).status_code == 302 and signed_in(client)


def test_a_client_guessing_many_accounts_is_locked(client: Any, person: Any) -> None:
    for name in ("a", "b", "c"):
        login(client, name, "falsch", ip="10.9.9.9")
    response = login(client, person.username, PASSWORD, ip="10.9.9.9")
    assert response.status_code == 429 and not signed_in(client)
    # Another client still signs the person in: the account was never guessed at.
    assert login(client, person.username, PASSWORD, ip="10.1.1.1").status_code == 302


def test_an_administrator_releases_the_lock_in_the_admin(
    client: Any, person: Any, django_user_model: Any
) -> None:
    for n in range(3):
        login(client, person.username, "falsch", ip=f"10.0.3.{n}")
    assert login(client, person.username, PASSWORD, ip="10.0.3.9").status_code == 429

    admin = django_user_model.objects.create_superuser("admin", "admin@bochum.example", "x")
    admin_client = type(client)()
    admin_client.force_login(admin)
    verify_second_factor(admin_client, admin, secure=True)
    listing = admin_client.get("/admin/axes/accessattempt/", secure=True)
    assert listing.status_code == 200 and person.username in listing.content.decode()
    ids = list(AccessAttempt.objects.filter(username=person.username).values_list("pk", flat=True))
    response = admin_client.post(
        "/admin/axes/accessattempt/",
        {"action": "unlock", "_selected_action": ids},
        secure=True,
        follow=True,
    )
    assert "Die Sperre ist aufgehoben" in response.content.decode()
    assert not AccessAttempt.objects.filter(username=person.username).exists()

    assert login(client, person.username, PASSWORD, ip="10.0.3.9").status_code == 302 and signed_in(client)


def test_client_address_comes_from_remote_addr_unless_proxies_are_trusted(rf: Any, settings: Any) -> None:
    from config.auth import client_ip

    request = rf.get("/", REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="203.0.113.5, 198.51.100.1")
    assert client_ip(request) == "192.0.2.7"
    settings.LOGIN_TRUSTED_PROXIES = 1
    # The proxy appended what it saw last; what the client wrote further left is not trusted.
    assert client_ip(request) == "198.51.100.1"


# --- second factor ---------------------------------------------------------------------------------


def test_admin_without_a_verified_app_is_sent_to_set_one_up(client: Any, django_user_model: Any) -> None:
    admin = django_user_model.objects.create_superuser("admin", "admin@bochum.example", "x")
    client.force_login(admin)
    response = client.get("/admin/", secure=True, follow=True)
    assert "/konto/zwei-faktor/?next=" in response.redirect_chain[-1][0]
    assert "Zwei-Faktor-Anmeldung einrichten" in response.content.decode()
    assert client.get("/admin/governance/", secure=True).status_code == 302

    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    wrong_code = "000000" if current_code(device) != "000000" else "111111"
    wrong = client.post("/konto/zwei-faktor/", {"otp_token": wrong_code}, secure=True)
    assert wrong.status_code == 200
    assert "Der Code ist nicht richtig oder abgelaufen" in wrong.content.decode()
    assert client.get("/admin/", secure=True).status_code == 302

    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    done = client.post(
        "/konto/zwei-faktor/", {"otp_token": current_code(device), "next": "/admin/"}, secure=True
    )
    assert done.status_code == 302 and done["Location"] == "/admin/"
    assert client.get("/admin/", secure=True).status_code == 200


def test_a_person_with_an_app_gives_the_code_after_the_password(client: Any, person: Any) -> None:
    device = TOTPDevice.objects.create(user=person, name="App", confirmed=True)
    response = login(client, person.username, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/anmelden/code/"
    assert not signed_in(client)
    refused = client.post("/anmelden/code/", {"otp_token": "12345x"}, secure=True)
    assert "sechs Ziffern" in refused.content.decode() and not signed_in(client)
    done = client.post("/anmelden/code/", {"otp_token": current_code(device)}, secure=True)
    assert done.status_code == 302 and signed_in(client)


def test_the_app_is_switched_off_only_with_a_current_code(client: Any, person: Any) -> None:
    client.force_login(person)
    device = verify_second_factor(client, person, secure=True)
    page = client.get("/konto/zwei-faktor/", secure=True)
    assert "Zwei-Faktor-Anmeldung ausschalten" in page.content.decode()
    client.post("/konto/zwei-faktor/", {"otp_token": ""}, secure=True)
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_the_qr_code_is_an_svg_file(client: Any, person: Any) -> None:
    client.force_login(person)
    response = client.get("/konto/zwei-faktor/qr.svg", secure=True)
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content and b"<script" not in response.content


# --- hostile input ---------------------------------------------------------------------------------

HOSTILE = ["\x00", "a\x00b", "x" * 1_000_000, "9" * 400, "-9223372036854775809", "\U0010ffff", "\u202e1234"]


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_sign_in_forms_never_fail_on_hostile_input(client: Any, person: Any, value: str) -> None:
    response = client.post("/anmelden/", {"username": value, "password": value}, secure=True)
    assert response.status_code in {200, 429} and not signed_in(client)
    TOTPDevice.objects.create(user=person, name="App", confirmed=True)
    login(client, person.username, PASSWORD, ip="10.5.5.5")
    code = client.post("/anmelden/code/", {"otp_token": value, "next": value}, secure=True)
    assert code.status_code == 200 and "Code" in code.content.decode() and not signed_in(client)
    client.force_login(person)
    page = client.post("/konto/zwei-faktor/", {"otp_token": value, "next": value}, secure=True)
    assert page.status_code == 200
    assert TOTPDevice.objects.filter(user=person, confirmed=True).count() == 1


@pytest.mark.parametrize("path", ["/anmelden/", "/anmelden/code/", "/konto/zwei-faktor/"])
def test_undecodable_bytes_never_fail(client: Any, person: Any, path: str) -> None:
    client.force_login(person) if path.startswith("/konto") else None
    body = "username=%ED%A0%80&password=%ED%A0%80&otp_token=%ED%A0%80%00&next=%ED%A0%80"
    response = client.post(path, body, content_type="application/x-www-form-urlencoded", secure=True)
    assert response.status_code in {200, 302, 400}


def test_enrolling_without_a_destination_stays_on_the_page_and_asks_at_the_next_login(
    client: Any, person: Any
) -> None:
    client.force_login(person)
    client.get("/konto/zwei-faktor/", secure=True)
    device = TOTPDevice.objects.get(user=person, confirmed=False)
    done = client.post("/konto/zwei-faktor/", {"otp_token": current_code(device)}, secure=True)
    assert done.status_code == 302 and done["Location"] == "/konto/zwei-faktor/"
    device.refresh_from_db()
    assert device.confirmed
    client.post("/abmelden/", secure=True)
    assert login(client, person.username, PASSWORD)["Location"] == "/anmelden/code/"


def test_an_overlong_user_name_is_refused_by_the_form_before_any_check(client: Any, person: Any) -> None:
    # The lockout stores user names in varchar(255); PostgreSQL refused the 400-character name with a 500.
    response = login(client, "u" * 400, "falsch")
    assert response.status_code == 200 and "Benutzername" in response.content.decode()
    assert not AccessAttempt.objects.exists()


def test_signing_in_to_an_own_account_does_not_reset_the_guesses_at_another(
    client: Any, person: Any, django_user_model: Any
) -> None:
    django_user_model.objects.create_user("angreifer", "a@bochum.example", "eigenes-passwort-1")
    for _round in range(2):
        login(client, person.username, "falsch", ip="10.7.7.7")
        assert login(client, "angreifer", "eigenes-passwort-1", ip="10.7.7.7").status_code == 302
        client.post("/abmelden/", secure=True)
    assert login(client, person.username, PASSWORD, ip="10.7.7.8").status_code == 302
    client.post("/abmelden/", secure=True)
    response = login(client, person.username, "falsch", ip="10.7.7.7")
    assert response.status_code == 429


@pytest.mark.parametrize("code", ["12345", "1234567", "12345x", "1" * 1_000_000])
def test_a_malformed_code_gets_its_message_once(code: str) -> None:
    form = TokenForm({"otp_token": code})
    assert form.errors["otp_token"] == ["Der Code hat genau sechs Ziffern."]
