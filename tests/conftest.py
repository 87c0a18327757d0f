"""Shared fixtures. Tests marked ``postgres`` or ``redis`` skip with a reason on a laptop without those servers
and fail in CI (CI=true), where .ci/run provides them."""

import os
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.core.management import call_command

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the service must be there)", pytrace=False)
    pytest.skip(reason)


def redis_url() -> str:
    return os.environ.get("REDIS_URL") or (
        settings.CELERY_BROKER_URL if settings.CELERY_BROKER_URL.startswith("redis") else "redis://127.0.0.1:6379/0"
    )


def _reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and settings.DATABASES["default"]["ENGINE"] != (
        "django.db.backends.postgresql"
    ):
        _missing("needs PostgreSQL: set DATABASE_URL=postgres://…")
    if item.get_closest_marker("redis") and not _reachable(redis_url()):
        _missing(f"needs a Redis server at {redis_url()}")


@pytest.fixture
def strategy(db: None) -> None:
    """The real Bochum Strategie as the product ships it."""
    call_command("load_strategy", verbosity=0, stdout=open(os.devnull, "w"))
