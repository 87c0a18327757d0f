"""The compose stack runs the migrations as the owner and the application as the restricted runtime role."""

from pathlib import Path

import environ
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]


def db_user(url: str) -> str:
    return environ.Env.db_url_config(url)["USER"]


def test_migrate_service_migrates_then_sets_up_the_runtime_role_as_owner(services):
    migrate = services["migrate"]
    command = migrate["command"]
    assert command.index("migrate --noinput") < command.index("db_roles")
    env = migrate["environment"]
    assert db_user(env["DATABASE_URL"]) == services["postgres"]["environment"]["POSTGRES_USER"]
    assert db_user(env["DATABASE_APP_URL"]) != db_user(env["DATABASE_URL"])


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_app_services_run_as_the_runtime_role_after_the_migrations(services, name):
    service = services[name]
    assert service["environment"]["DATABASE_URL"] == services["migrate"]["environment"]["DATABASE_APP_URL"]
    assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_web_does_not_migrate_itself(services):
    # The runtime role may not change the schema; web only checks that the migrations are applied.
    assert "migrate --check" in services["web"]["command"]
    assert "--noinput" not in services["web"]["command"]
