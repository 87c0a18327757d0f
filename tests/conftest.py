"""Shared fixtures.

Tests marked ``postgres`` or ``redis`` skip with a reason on a laptop without those servers and fail where the
run requires them (CI=true requires all, REQUIRED_SERVICES narrows it), since .ci/run provides them.
"""

import os
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.core.management import call_command

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# In CI every service is required unless the run narrows it (the embedded run of .ci/run has no PostgreSQL).
REQUIRED_SERVICES = set(
    filter(None, os.environ.get("REQUIRED_SERVICES", "postgres,redis,browser" if IN_CI else "").split(","))
)


def service_missing(service: str, reason: str) -> None:
    """Skip with a reason on a laptop; fail where the run requires the service."""
    if service in REQUIRED_SERVICES:
        pytest.fail(f"{reason} (this run requires {service})", pytrace=False)
    pytest.skip(reason)


def redis_url() -> str:
    return os.environ.get("REDIS_URL") or (
        settings.CELERY_BROKER_URL
        if settings.CELERY_BROKER_URL.startswith("redis")
        else "redis://127.0.0.1:6379/0"
    )


def _reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


# Integration runs with real worker processes take minutes; CI runs them, a developer's `make test` on
# request (RUN_SLOW=1) so that it stays within a few minutes. The extended fuzz (thousands of hostile
# requests, tens of minutes) runs only when asked for with FUZZ_HEAVY=1.
RUN_SLOW = IN_CI or os.environ.get("RUN_SLOW", "").lower() in {"1", "true", "yes"}
RUN_FUZZ_HEAVY = os.environ.get("FUZZ_HEAVY", "").lower() in {"1", "true", "yes"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def wanted(item: pytest.Item) -> bool:
        if item.get_closest_marker("fuzz_heavy"):
            return RUN_FUZZ_HEAVY
        return RUN_SLOW or not item.get_closest_marker("slow")

    kept = [item for item in items if wanted(item)]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if not wanted(item)])
        items[:] = kept


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and settings.DATABASES["default"]["ENGINE"] != (
        "django.db.backends.postgresql"
    ):
        service_missing("postgres", "needs PostgreSQL: set DATABASE_URL=postgres://…")
    if item.get_closest_marker("redis") and not _reachable(redis_url()):
        service_missing("redis", f"needs a Redis server at {redis_url()}")


@pytest.fixture
def strategy(db: None) -> None:
    """The real Bochum Strategie as the product ships it."""
    with open(os.devnull, "w") as devnull:
        call_command("load_strategy", verbosity=0, stdout=devnull)


@pytest.fixture
def plain_http_pages(settings: Any) -> Iterator[None]:
    """Pages through the test client: plain HTTP (production redirects to HTTPS), static files without the
    collected manifest, and German again after a test that asked in English (the language stays active in
    the thread)."""
    from django.utils import translation

    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """Each test starts with an empty cache: ids of rolled-back rows come again on SQLite."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing() -> None:
    """Accounts get passwords in many fixtures; the production hasher (PBKDF2, a million rounds) made that
    about a second per account here. Logins in the browser tests work the same with a fast hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True, scope="session")
def flush_by_delete_past_the_audit_trigger() -> Iterator[None]:
    """pytest-django empties the tables after every transactional test with Django's flush. On PostgreSQL that
    is one TRUNCATE of every table, about a second each time (a new file per table and index); DELETE of the
    few rows a test leaves takes a hundredth of that. The audit table refuses both (a trigger). The suite
    connects as the tables' owner and a superuser, so its flush does what only such a role can: it skips the
    triggers for that one transaction, the foreign keys' checks with them (every table is emptied). The
    application's runtime role could not (tests/governance/test_audit_roles.py). A flush that resets the
    sequences or cascades to tables outside the list keeps Django's TRUNCATE."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush

    def sql_flush(
        self: Any, style: Any, tables: Any, *, reset_sequences: bool = False, allow_cascade: bool = False
    ) -> list[str]:
        if not tables:
            return []
        if reset_sequences or allow_cascade:
            statements = original(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        else:
            statements = [f"DELETE FROM {self.quote_name(table)};" for table in tables]
        return [
            "SET LOCAL session_replication_role = replica",
            *statements,
            "SET LOCAL session_replication_role = origin",
        ]

    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]
    yield
    DatabaseOperations.sql_flush = original  # type: ignore[method-assign]
