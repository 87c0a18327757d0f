"""``make run`` twice: the second start of ``load_strategy`` and ``demo_users`` changes nothing.

Signed-in users stay signed in (no password is set again), the demo project group is not moved to other KA,
and both commands say that nothing was changed.
"""

from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user, get_user_model
from django.core import serializers
from django.core.management import call_command
from django.db.models import Model
from django.http import HttpRequest
from django.test import Client
from guardian.models import UserObjectPermission

from governance.models import KaStatus, Kernaktivitaet, Kompetenz
from governance.selectors import dashboard_data_version
from governance.steckbrief import missing, steckbrief_queryset, themen
from governance.steckbrief import snapshot as snapshot_of
from workflow.grants import kernaktivitaet_set_projektgruppe, kompetenz_set_verantwortliche

pytestmark = pytest.mark.django_db

NOTHING_CHANGED = "Demo-Konten bestehen bereits; nichts geändert."


@pytest.fixture(autouse=True)
def development_mode(settings) -> None:
    settings.DEBUG = True  # demo accounts exist only in development mode


def start() -> tuple[str, str]:
    """The data steps of ``make run`` (``make db demo`` after ``migrate``)."""
    strategy, demo = StringIO(), StringIO()
    call_command("load_strategy", stdout=strategy)
    call_command("demo_users", stdout=demo)
    return strategy.getvalue(), demo.getvalue()


def snapshot() -> dict[str, Any]:
    """Every row the two commands may write, with every column (``geaendert_am`` included)."""
    models: list[type[Model]] = [
        *apps.get_app_config("governance").get_models(),
        get_user_model(),
        UserObjectPermission,
    ]
    return {
        model._meta.label: serializers.serialize("python", model._default_manager.order_by("pk"))
        for model in models
    } | {
        "groups of users": sorted(get_user_model().groups.through.objects.values_list("user_id", "group_id")),
        "project group members": sorted(
            Kernaktivitaet.projektgruppe.through.objects.values_list("kernaktivitaet_id", "user_id")
        ),
    }


def signed_in(client: Client) -> bool:
    request = HttpRequest()
    request.session = client.session
    return bool(get_user(request).is_authenticated)


def led_by(username: str) -> list[str]:
    """The KA of the strategy this person leads (not the demo proposal, which its project group writes)."""
    return list(
        Kernaktivitaet.objects.filter(projektleitung__username=username, demo=False)
        .order_by("code")
        .values_list("code", flat=True)
    )


def test_second_start_keeps_sessions_and_changes_no_row() -> None:
    strategy_first, demo_first = start()
    assert "Kernaktivitäten: 65 neu" in strategy_first
    assert "Konto projektgruppe angelegt." in demo_first
    users = get_user_model().objects
    clients = {}
    for username in ("projektgruppe", "strategiezirkel", "admin"):
        clients[username] = Client()
        clients[username].force_login(users.get(username=username))
    before = snapshot()
    version = dashboard_data_version(today=date.today())

    strategy_second, demo_second = start()

    assert "nichts geändert" in strategy_second
    assert NOTHING_CHANGED in demo_second
    assert "angelegt" not in demo_second
    assert snapshot() == before
    assert dashboard_data_version(today=date.today()) == version  # cached dashboards stay valid
    assert Kernaktivitaet.objects.filter(demo=False).count() == 65
    assert Kernaktivitaet.objects.filter(demo=True).count() == 1
    for username, client in clients.items():
        assert signed_in(client), f"{username} was signed out by the second start"
    assert clients["projektgruppe"].get("/aufgaben/", secure=True).status_code == 200


def test_second_start_does_not_move_the_demo_project_group_after_its_ka_moved_on() -> None:
    start()
    first = led_by("projektgruppe")
    assert len(first) == 3
    # After a walk one of the three KA is done: the first three running KA of the Kompetenz are others now.
    Kernaktivitaet.objects.filter(code=first[0]).update(status=KaStatus.DONE)

    _, demo = start()

    assert led_by("projektgruppe") == first
    assert NOTHING_CHANGED in demo


def test_a_password_changed_after_the_first_start_stays() -> None:
    start()
    user = get_user_model().objects.get(username="strategiezirkel")
    user.set_password("ein-anderes-passwort-2031")
    user.save()

    start()

    user.refresh_from_db()
    assert user.check_password("ein-anderes-passwort-2031")
    assert not user.check_password("strategie2030")


def test_demo_project_group_takes_only_ka_without_a_project_group(django_user_model) -> None:
    call_command("load_strategy", stdout=StringIO())
    kompetenz = Kompetenz.objects.order_by("position").first()
    running = Kernaktivitaet.objects.filter(kompetenz=kompetenz, status=KaStatus.RUNNING).order_by("code")
    taken = running.first()
    assert taken is not None
    real_lead = django_user_model.objects.create_user("echte-leitung")
    kernaktivitaet_set_projektgruppe(kernaktivitaet=taken, projektleitung=real_lead, mitglieder=[real_lead])

    call_command("demo_users", stdout=StringIO())

    taken.refresh_from_db()
    assert taken.projektleitung == real_lead
    assert list(taken.projektgruppe.all()) == [real_lead]
    assert taken.code not in led_by("projektgruppe")
    assert len(led_by("projektgruppe")) == 3


def test_an_existing_kompetenzverantwortliche_keeps_the_kompetenz(django_user_model) -> None:
    call_command("load_strategy", stdout=StringIO())
    kompetenz = Kompetenz.objects.order_by("position").first()
    assert kompetenz is not None
    real = django_user_model.objects.create_user("echte-verantwortliche")
    kompetenz_set_verantwortliche(kompetenz=kompetenz, users=[real])

    call_command("demo_users", stdout=StringIO())
    call_command("demo_users", stdout=StringIO())

    demo = django_user_model.objects.get(username="kompetenzverantwortliche")
    assert real.has_perm("governance.oversee_kompetenz", kompetenz)
    assert demo.has_perm("governance.oversee_kompetenz", kompetenz)


def test_the_demo_proposal_has_a_complete_steckbrief_and_is_marked_as_demo_data() -> None:
    _strategy, demo = start()
    proposal = steckbrief_queryset().get(demo=True)
    assert f"Beispielvorschlag {proposal.code}" in demo
    assert proposal.status == KaStatus.PROPOSED and proposal.projektleitung.username == "projektgruppe"
    assert missing(snapshot_of(proposal), themen()) == []
    assert len(themen()) == 5  # every Querschnittsthema of the strategy is rated
    page = Client()
    page.force_login(proposal.projektleitung)
    body = page.get(f"/vorschlaege/{proposal.pk}/", secure=True).content.decode()
    assert "Beispieldaten" in body and "Der gespeicherte Entwurf ist vollständig" in body
