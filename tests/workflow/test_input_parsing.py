"""Numbers, codes and texts from requests: read strictly, clamped, never a server error."""

from typing import Any

import pytest
from django.test import Client

from governance.inputs import strict_int, strip_bidi
from governance.models import AuditEvent, Kernaktivitaet
from tests.people import People, client_for, make_ka

HOSTILE_PAGES = ["9223372036854775808", "-1", "0", "abc", "²", "٣", " 2", "1e3", "9" * 5000, "1\x00", ""]


@pytest.mark.parametrize("value", ["²", "٣", "-1", " 1", "1.0", "9223372036854775808", "1" * 5000, True])
def test_strict_int_refuses_what_is_no_plain_number_in_range(value: Any) -> None:
    assert strict_int(value) is None


def test_strict_int_reads_the_largest_bigint() -> None:
    assert strict_int("9223372036854775807") == 2**63 - 1


def test_bidi_controls_are_removed() -> None:
    assert strip_bidi("Rad\u202ewege\u2066 am\u200f Ufer\u2069") == "Radwege am Ufer"


@pytest.mark.parametrize("page", HOSTILE_PAGES)
def test_overview_clamps_any_page_number(db: None, page: str) -> None:
    response = Client().get("/kernaktivitaeten/", {"page": page, "q": "a"})
    assert response.status_code == 200
    response = Client().get("/kernaktivitaeten/", {"page": page})
    assert response.status_code == 200


@pytest.mark.parametrize("page", HOSTILE_PAGES)
def test_task_and_report_sections_clamp_any_page_number(people: People, page: str) -> None:
    client = client_for(people.zirkel)
    for params in ({"inbox_page": page, "queue_page": page}, {"owed_page": page, "review_page": page}):
        assert client.get("/aufgaben/", params).status_code == 200
        assert client.get("/berichte/", params).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/kernaktivitaeten/VOR-01%00/",
        "/kernaktivitaeten/%00/",
        "/kernaktivitaeten/vor-01/",
        "/kernaktivitaeten/VOR--01/",
        "/kernaktivitaeten/VOR-01%E2%80%AE/",
        f"/kernaktivitaeten/{'A' * 41}/",
        "/kernaktivitaeten/VOR-01%00/antrag/",
        "/aufgaben/9223372036854775808/",
        "/aufgaben/%C2%B2/",
        "/berichte/99999999999999999999/",
        "/vorschlaege/0/",
        "/vorschlaege/-1/",
    ],
)
def test_junk_in_a_path_is_404(people: People, path: str) -> None:
    client = client_for(people.zirkel)
    client.raise_request_exception = False
    assert client.get(path).status_code == 404


def test_a_code_with_a_nul_byte_is_refused_by_the_model(people: People, kompetenz: Any) -> None:
    from django.core.exceptions import ValidationError

    ka = make_ka(kompetenz, "PRF-31")
    ka.code = "PRF-31\x00"
    with pytest.raises(ValidationError) as refusal:
        ka.full_clean()
    assert "Großbuchstaben" in str(refusal.value)


def test_double_submission_of_the_proposal_form_creates_one_proposal(people: People, kompetenz: Any) -> None:
    client = client_for(people.pg)
    key = client.get("/vorschlaege/neu/").context["form"].initial["form_key"]
    data = {"kompetenz": kompetenz.pk, "titel": "Radschnellweg Ruhr", "form_key": str(key)}
    first = client.post("/vorschlaege/neu/", data)
    second = client.post("/vorschlaege/neu/", data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Kernaktivitaet.objects.filter(titel="Radschnellweg Ruhr").count() == 1
    assert AuditEvent.objects.filter(action="create", kernaktivitaet__titel="Radschnellweg Ruhr").count() == 1


def test_two_forms_make_two_proposals(people: People, kompetenz: Any) -> None:
    client = client_for(people.pg)
    for _ in range(2):
        key = client.get("/vorschlaege/neu/").context["form"].initial["form_key"]
        data = {"kompetenz": kompetenz.pk, "titel": "Zweimal gewollt", "form_key": str(key)}
        assert client.post("/vorschlaege/neu/", data).status_code == 302
    assert Kernaktivitaet.objects.filter(titel="Zweimal gewollt").count() == 2


def test_another_persons_form_key_creates_nothing(people: People, kompetenz: Any) -> None:
    key = client_for(people.pg).get("/vorschlaege/neu/").context["form"].initial["form_key"]
    data = {"kompetenz": kompetenz.pk, "titel": "Erster", "form_key": str(key)}
    assert client_for(people.pg).post("/vorschlaege/neu/", data).status_code == 302
    response = client_for(people.zirkel).post("/vorschlaege/neu/", {**data, "titel": "Zweiter"})
    assert response.status_code == 400
    assert "Das Formular ist bereits verwendet" in response.content.decode()
    assert not Kernaktivitaet.objects.filter(titel="Zweiter").exists()


def test_bidi_controls_are_removed_from_a_proposal_title(people: People, kompetenz: Any) -> None:
    data = {"kompetenz": kompetenz.pk, "titel": "Rad\u202ewege\u2066 am Ufer"}
    assert client_for(people.pg).post("/vorschlaege/neu/", data).status_code == 302
    assert Kernaktivitaet.objects.filter(titel="Radwege am Ufer").exists()


def test_a_reason_longer_than_2000_characters_is_refused_in_german(people: People, kompetenz: Any) -> None:
    ka = make_ka(kompetenz, "PRF-32", lead=people.pg)
    response = client_for(people.pg).post(
        f"/kernaktivitaeten/{ka.code}/antrag/", {"kind": "propose_stop", "reason": "x" * 2001}
    )
    assert response.status_code == 400
    assert "höchstens 2000 Zeichen" in response.content.decode()
    assert not AuditEvent.objects.filter(kernaktivitaet=ka).exists()


@pytest.mark.parametrize("segment", ["KOMPETENZ", "abc", "%00", "9" * 25])
def test_object_rights_pages_of_the_admin_read_the_id_strictly(kompetenz: Any, segment: str) -> None:
    from django.contrib.auth import get_user_model

    from tests.otp import verify_second_factor

    admin = get_user_model().objects.create_superuser("technik", "technik@bochum.example")
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    verify_second_factor(client, admin)
    object_id = str(kompetenz.pk) if segment == "KOMPETENZ" else segment
    base = f"/admin/governance/kompetenz/{object_id}/permissions/"
    for url in (base, f"{base}user-manage/{admin.pk}/", f"{base}user-manage/%C2%B2/"):
        status = client.get(url).status_code
        assert status < 500, url
        if segment != "KOMPETENZ":
            assert status == 404, url
