import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # The browser tests allow async-unsafe ORM calls in this process; a deployment never does.
    leaking = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in leaking}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_passes_with_production_settings() -> None:
    alphabet = string.ascii_letters + string.digits
    key = "".join(secrets.choice(alphabet) for _ in range(50))
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=key,
        ALLOWED_HOSTS="example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_missing_secret_key_is_a_clear_error() -> None:
    result = manage("check", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_no_security_check_is_silenced() -> None:
    from django.conf import settings

    assert not getattr(settings, "SILENCED_SYSTEM_CHECKS", [])


@pytest.mark.django_db
def test_demo_users_refuses_without_debug(strategy) -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_users")
    assert get_user_model().objects.count() == 0


@pytest.mark.django_db
def test_demo_users_creates_one_account_per_role(strategy, settings) -> None:
    from io import StringIO

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db.models import QuerySet
    from guardian.shortcuts import get_objects_for_user

    from governance.models import KaStatus, Kernaktivitaet, Kompetenz
    from workflow.rights import Role

    settings.DEBUG = True
    out = StringIO()
    call_command("demo_users", stdout=out)
    call_command("demo_users", stdout=StringIO())
    users = get_user_model().objects
    for role in Role:
        assert users.filter(groups__name=role.value).count() == 1
    assert users.get(username="admin").is_superuser
    own: QuerySet[Kernaktivitaet] = get_objects_for_user(
        users.get(username="projektgruppe"), "governance.report_kernaktivitaet", accept_global_perms=False
    )
    # Three running KA of the strategy to report on, and the demo proposal the project group writes.
    assert own.count() == 4
    assert set(own.filter(demo=False).values_list("status", flat=True)) == {KaStatus.RUNNING}
    assert own.filter(demo=True, status=KaStatus.PROPOSED).count() == 1
    kv = users.get(username="kompetenzverantwortliche")
    assert kv.has_perm("governance.oversee_kompetenz", Kompetenz.objects.get(position=1))
    assert not kv.has_perm("governance.oversee_kompetenz", Kompetenz.objects.get(position=2))
    assert "strategie2030" in out.getvalue()
