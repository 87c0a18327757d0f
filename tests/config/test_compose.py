"""No Docker engine runs in CI, so the compose file is checked against what the tests run."""

import re
import subprocess
from pathlib import Path

import environ
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def settings_env_names() -> set[str]:
    source = (ROOT / "config" / "settings.py").read_text(encoding="utf-8")
    return set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', source))


def test_stack_has_every_part(compose) -> None:
    assert set(compose["services"]) >= {"postgres", "redis", "web", "worker", "beat", "mailpit"}


def test_app_services_share_image_and_environment(compose) -> None:
    services = compose["services"]
    assert len({services[name]["image"] for name in APP_SERVICES}) == 1
    assert all(services[name]["environment"] == services["web"]["environment"] for name in APP_SERVICES)


def test_every_variable_is_one_the_settings_read(compose) -> None:
    names = set(compose["services"]["web"]["environment"])
    assert names <= settings_env_names(), names - settings_env_names()
    assert {"SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL", "DEBUG"} <= names


def test_urls_parse_to_the_backends_the_tests_use(compose) -> None:
    env = compose["services"]["web"]["environment"]
    assert environ.Env.db_url_config(env["DATABASE_URL"])["ENGINE"] == "django.db.backends.postgresql"
    assert env["CELERY_BROKER_URL"].startswith("redis://")
    assert (
        environ.Env.cache_url_config(env["CACHE_URL"])["BACKEND"]
        == "django.core.cache.backends.redis.RedisCache"
    )
    assert environ.Env.email_url_config(env["EMAIL_URL"])["EMAIL_BACKEND"].endswith("smtp.EmailBackend")


def test_web_migrates_before_it_serves(compose) -> None:
    command = compose["services"]["web"]["command"]
    assert command.index("migrate") < command.index("gunicorn")
    assert "config.wsgi:application" in command


def test_worker_and_beat_run_the_project_celery_app(compose) -> None:
    assert compose["services"]["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert compose["services"]["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]


def _server_major(command: list[str]) -> str | None:
    try:
        output = subprocess.run(command, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"(\d+)\.\d+", output)
    return match.group(1) if match else None


@pytest.mark.parametrize(
    ("service", "command"),
    [("postgres", ["pg_config", "--version"]), ("redis", ["redis-server", "--version"])],
)
def test_image_major_version_matches_the_server_the_tests_use(compose, service, command) -> None:
    local = _server_major(command)
    if local is None:
        pytest.skip(f"no local {service} to compare with")
    image_tag = compose["services"][service]["image"].split(":")[1]
    assert image_tag.split(".")[0] == local
