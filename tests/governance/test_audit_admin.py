"""Changes made in the admin are audit events (or the page is read-only): KA texts, reports, council papers,
rights. Driven through the admin's own pages as a signed-in administrator with a second factor."""

import datetime
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from governance.audit import AdminAction
from governance.models import (
    AuditEvent,
    Kernaktivitaet,
    Kompetenz,
    Paper,
    Statusbericht,
    StatusberichtState,
)
from tests.otp import verify_second_factor


@pytest.fixture
def admin_user(db: None) -> Any:
    return get_user_model().objects.create_superuser("admin", "admin@bochum.example", None)


@pytest.fixture
def admin_client(admin_user: Any, settings: Any) -> Client:
    settings.SECURE_SSL_REDIRECT = False  # the test client speaks plain HTTP
    settings.STORAGES = {  # pages render without a collectstatic run
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    client = Client()
    client.force_login(admin_user)
    verify_second_factor(client, admin_user)
    return client


@pytest.fixture
def ka(db: None) -> Kernaktivitaet:
    kompetenz = Kompetenz.objects.create(key="admin", code="ADM", name="Verwaltung", position=94)
    return Kernaktivitaet.objects.create(
        code="ADM-1", titel="Radwege", beschreibung="Alt", smart_ziele="20 km", kompetenz=kompetenz
    )


def form_data(response: Any) -> dict[str, Any]:
    """What the browser would send back unchanged: every field of the admin form with its current value."""
    form = response.context["adminform"].form
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        if value is True:
            data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(item) for item in value]
        elif isinstance(value, datetime.datetime):  # the admin's split date and time inputs
            local = timezone.localtime(value)
            data[f"{name}_0"], data[f"{name}_1"] = local.date().isoformat(), local.strftime("%H:%M:%S")
        elif isinstance(value, datetime.date):
            data[name] = value.isoformat()
        else:
            data[name] = str(value)
    for formset in response.context.get("inline_admin_formsets", []):
        management = formset.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    return data


def admin_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action__startswith="admin_").order_by("seq"))


def test_edit_of_ka_text_is_an_audit_event_with_old_and_new_values(admin_client, admin_user, ka):
    url = f"/admin/governance/kernaktivitaet/{ka.pk}/change/"
    data = form_data(admin_client.get(url))
    data["beschreibung"] = "Neu: 25 km Radwege am Ruhrufer"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    (event,) = admin_events()
    assert (event.action, event.kernaktivitaet_id, event.actor_id) == (
        AdminAction.CHANGE,
        ka.pk,
        admin_user.pk,
    )
    assert event.data["changes"] == {"beschreibung": ["Alt", "Neu: 25 km Radwege am Ruhrufer"]}
    assert (event.from_status, event.to_status) == ("", "")  # no transition: deadlines are not reset


def test_saving_unchanged_writes_no_event(admin_client, ka):
    url = f"/admin/governance/kernaktivitaet/{ka.pk}/change/"
    assert admin_client.post(url, form_data(admin_client.get(url))).status_code == 302
    assert admin_events() == []


def test_accepted_report_is_read_only_in_the_admin(admin_client, ka):
    report = Statusbericht.objects.create(
        kernaktivitaet=ka,
        faellig_am=datetime.date(2026, 6, 30),
        state=StatusberichtState.ACCEPTED,
        text_oeffentlich="Wie berichtet",
    )
    url = f"/admin/governance/statusbericht/{report.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200 and page.context["has_change_permission"] is False
    response = admin_client.post(url, {"text_oeffentlich": "Geschönt", "faellig_am": "2026-06-30"})
    assert response.status_code == 403
    assert (
        admin_client.post(f"/admin/governance/statusbericht/{report.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    report.refresh_from_db()
    assert report.text_oeffentlich == "Wie berichtet"
    assert admin_events() == []


def test_edit_of_a_report_not_yet_accepted_is_an_audit_event_of_its_ka(admin_client, ka):
    report = Statusbericht.objects.create(
        kernaktivitaet=ka,
        faellig_am=datetime.date(2026, 6, 30),
        state=StatusberichtState.SUBMITTED,
        risiken="",
    )
    url = f"/admin/governance/statusbericht/{report.pk}/change/"
    data = form_data(admin_client.get(url))
    data["risiken"] = "Lieferengpass"
    assert admin_client.post(url, data).status_code == 302
    (event,) = admin_events()
    assert event.kernaktivitaet_id == ka.pk
    assert event.data["changes"] == {"risiken": ["", "Lieferengpass"]}


def test_council_paper_add_change_and_delete_are_audit_events(admin_client, admin_user):
    add = admin_client.post(
        "/admin/governance/paper/add/",
        {
            "reference": "20261234",
            "name": "Tranche 4",
            "date": "2026-09-01",
            "paper_type": "Beschlussvorlage",
        },
    )
    assert add.status_code == 302
    paper = Paper.objects.get(reference="20261234")
    url = f"/admin/governance/paper/{paper.pk}/change/"
    data = form_data(admin_client.get(url))
    data["name"] = "Tranche 4 (geändert)"
    assert admin_client.post(url, data).status_code == 302
    assert (
        admin_client.post(f"/admin/governance/paper/{paper.pk}/delete/", {"post": "yes"}).status_code == 302
    )
    added, changed, deleted = admin_events()
    assert [e.action for e in (added, changed, deleted)] == [
        AdminAction.ADD,
        AdminAction.CHANGE,
        AdminAction.DELETE,
    ]
    assert all(e.kernaktivitaet_id is None and "20261234" in e.subject for e in (added, changed, deleted))
    assert changed.data["changes"] == {"name": ["Tranche 4", "Tranche 4 (geändert)"]}
    assert deleted.data["changes"]["reference"] == ["20261234", None]


def test_group_membership_change_is_an_audit_event(admin_client, admin_user):
    person = get_user_model().objects.create_user("pg_neu", "pg@bochum.example", "x")
    group = Group.objects.create(name="Projektgruppe-Test")
    url = f"/admin/auth/user/{person.pk}/change/"
    data = form_data(admin_client.get(url))
    data["groups"] = [str(group.pk)]
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    (event,) = admin_events()
    assert event.kernaktivitaet is None and "pg_neu" in event.subject
    assert event.data["changes"] == {"groups": [[], [f"auth.group:{group.pk} Projektgruppe-Test"]]}
    assert "password" not in str(event.data)


def test_object_right_granted_in_the_admin_is_an_audit_event(admin_client, ka):
    person = get_user_model().objects.create_user("pg_recht", "recht@bochum.example", "x")
    url = f"/admin/governance/kernaktivitaet/{ka.pk}/permissions/user-manage/{person.pk}/"
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"permissions": ["change_kernaktivitaet"]})
    assert response.status_code == 302
    (event,) = admin_events()
    assert (event.action, event.kernaktivitaet_id) == (AdminAction.RIGHTS, ka.pk)
    assert event.data["changes"] == {"user:pg_recht": [[], ["change_kernaktivitaet"]]}


def test_rights_pages_answer_404_to_ids_that_are_no_numbers(admin_client, ka):
    for url in (
        f"/admin/governance/kernaktivitaet/{ka.pk}/permissions/user-manage/x%00/",
        "/admin/governance/kernaktivitaet/99999999999999999999999/permissions/group-manage/1/",
    ):
        assert admin_client.post(url, {"permissions": ["change_kernaktivitaet"]}).status_code == 404
    assert admin_events() == []


def test_the_trail_stays_intact_after_admin_edits(admin_client, ka):
    from io import StringIO

    from django.core.management import call_command

    url = f"/admin/governance/kernaktivitaet/{ka.pk}/change/"
    data = form_data(admin_client.get(url))
    data["titel"] = "Radwege am Ruhrufer"
    admin_client.post(url, data)
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert out.getvalue().startswith("OK:")
