"""Shared fixtures.

Tests marked ``postgres`` or ``redis`` skip with a reason on a laptop without those servers and fail where the
run requires them (CI=true requires all, REQUIRED_SERVICES narrows it), since .ci/run provides them.
"""

import os
import socket
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from pytest_django import DjangoDbBlocker
from pytest_django.fixtures import validate_django_db

from tests.people import People

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


# Integration runs with real worker processes take minutes, the Steckbrief's browser walk most of one; CI
# runs them, a developer's `make test` on request (RUN_SLOW=1) so that it stays within a few minutes. The
# extended fuzz (thousands of hostile requests, tens of minutes) runs only when asked for with FUZZ_HEAVY=1.
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
    # The tests sharing the loaded strategy go first, so that a process loads it once. pytest-django has put
    # the tests in a rolled-back transaction before the transactional ones already; these are among the
    # former, so Django's order stays (the sort keeps the order within both groups).
    items.sort(key=lambda item: not _shares_the_loaded_strategy(item))


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and settings.DATABASES["default"]["ENGINE"] != (
        "django.db.backends.postgresql"
    ):
        service_missing("postgres", "needs PostgreSQL: set DATABASE_URL=postgres://…")
    if item.get_closest_marker("redis") and not _reachable(redis_url()):
        service_missing("redis", f"needs a Redis server at {redis_url()}")


def _load_strategy() -> None:
    with open(os.devnull, "w") as devnull:
        call_command("load_strategy", verbosity=0, stdout=devnull)


def _in_a_rolled_back_transaction(item: pytest.Item) -> bool:
    """pytest-django's rule (its fixture _django_db_helper): a test runs in a transaction that is rolled
    back afterwards, unless it is transactional: then it commits and the tables are emptied after it."""
    marker = item.get_closest_marker("django_db")
    transactional, reset_sequences = validate_django_db(marker)[:2] if marker else (False, False)
    fixtures = set(getattr(item, "fixturenames", ()))
    return not (
        transactional
        or reset_sequences
        or fixtures & {"transactional_db", "live_server", "django_db_reset_sequences"}
    )


def _shares_the_loaded_strategy(item: pytest.Item) -> bool:
    return "strategy" in getattr(item, "fixturenames", ()) and _in_a_rolled_back_transaction(item)


class LoadedStrategy:
    """The strategy loaded once into a transaction that stays open while consecutive tests asking for it run.

    Loading it writes 65 KA and their tree in 25 statements, about a twentieth of a second on PostgreSQL (a
    row at a time it was 294 statements and a second), and transactional tests pay it each time. Here each of
    these tests runs in a savepoint of that transaction (pytest-django's atomic block nests in it), starts
    from the loaded strategy and rolls back to it. The transaction is rolled back before any
    other test, so a test that does not ask for the strategy never sees it (tests/governance/
    test_load_strategy.py counts rows of an empty database). Within these tests PostgreSQL's now() (the
    database default of the outbox's and the sweep problems' times) is when that transaction began, and the
    strategy's rows carry the time of that one load."""

    def __init__(self) -> None:
        self._atomic: transaction.Atomic | None = None

    @property
    def loaded(self) -> bool:
        return self._atomic is not None

    def load(self, blocker: DjangoDbBlocker) -> None:
        if self._atomic is not None:
            return
        with blocker.unblock():
            atomic = transaction.atomic()
            atomic.__enter__()
            try:
                _load_strategy()
            except BaseException:
                atomic.__exit__(*sys.exc_info())
                raise
        self._atomic = atomic

    def discard(self, blocker: DjangoDbBlocker) -> None:
        if self._atomic is None:
            return
        atomic, self._atomic = self._atomic, None
        with blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


LOADED_STRATEGY = LoadedStrategy()
_NEXT_SHARES_THE_STRATEGY = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    # The fixtures of a test learn only here whether the next test shares the loaded strategy.
    item.stash[_NEXT_SHARES_THE_STRATEGY] = nextitem is not None and _shares_the_loaded_strategy(nextitem)
    return (yield)


@pytest.fixture
def _loaded_strategy_below(
    request: pytest.FixtureRequest, django_db_setup: None, django_db_blocker: DjangoDbBlocker
) -> Iterator[None]:
    if _shares_the_loaded_strategy(request.node):
        LOADED_STRATEGY.load(django_db_blocker)
    else:
        LOADED_STRATEGY.discard(django_db_blocker)
    yield
    # After the test's own transaction was rolled back, and before fixtures of a wider scope are torn down
    # (they must not run inside a transaction that is rolled back).
    if not request.node.stash.get(_NEXT_SHARES_THE_STRATEGY, False):
        LOADED_STRATEGY.discard(django_db_blocker)


@pytest.fixture
def _django_db_helper(_loaded_strategy_below: None, _django_db_helper: None) -> None:
    """pytest-django's database access of a test (its transaction, or emptied tables afterwards), begun after
    the strategy was loaded below it or discarded. Every way to the database goes through this fixture: db,
    transactional_db, live_server and the django_db marker."""


@pytest.fixture
def strategy(db: None) -> None:
    """The real Bochum Strategie as the product ships it.

    Loaded once for consecutive tests that run in a rolled-back transaction (LoadedStrategy); loaded in the
    test where it is transactional (its tables are emptied after every such test) or asks for the fixture
    only while it runs."""
    if not LOADED_STRATEGY.loaded:
        _load_strategy()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    request: pytest.FixtureRequest, django_db_modify_db_settings_parallel_suffix: None
) -> None:
    """pytest-django gives each xdist worker a PostgreSQL test database of its own (test_<name>_gw0, …) but
    leaves the in-memory SQLite test database under one name in every worker. The sweep locks a file named
    after the database (notifications/sweep.py): the workers' sweeps would shut each other out."""
    worker = getattr(request.config, "workerinput", {}).get("workerid")
    if not worker:
        return
    for alias, database in settings.DATABASES.items():
        if database["ENGINE"] == "django.db.backends.sqlite3" and not database.get("TEST", {}).get("NAME"):
            # "mode=memory" keeps it in memory (django.db.backends.sqlite3.creation).
            name = f"file:memorydb_{alias}_{worker}?mode=memory&cache=shared"
            database.setdefault("TEST", {})["NAME"] = name


@pytest.fixture
def people(db: None) -> People:
    """The suite's personas (tests/people.py): one person per role of the rights matrix."""
    return People()


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


@pytest.fixture(autouse=True)
def german_until_asked_otherwise() -> Iterator[None]:
    """Each test starts in the product's language. A page requested in English leaves English active in the
    thread (the locale middleware activates a request's language and nothing resets it), and a later test of
    the same worker then read English messages where it expected German ones."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing() -> None:
    """Accounts get passwords in many fixtures; the production hasher (PBKDF2, a million rounds) made that
    about a second per account here. Logins in the browser tests work the same with a fast hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True, scope="session")
def migration_data_after_every_flush() -> Iterator[None]:
    """pytest-django empties every table after a transactional test and sends post_migrate, whose handlers
    make content types, permissions, role groups and the beat schedule again, but not the rows a data
    migration wrote (notifications 0002): the default reminder rules (without them a sweep writes no
    reminder) and the one row of mail and deadline settings (without it the first sweep creates it, and a
    test that changes the settings by an update changes nothing). A later test of the same worker met both
    when xdist's work stealing ran it after a transactional test."""
    from django.apps import apps
    from django.db.models.signals import post_migrate

    from notifications.rules import default_rules_install
    from workflow.models import DeadlineSettings

    def install(**kwargs: Any) -> None:
        DeadlineSettings.get()
        default_rules_install()

    sender = apps.get_app_config("notifications")
    post_migrate.connect(install, sender=sender, weak=False, dispatch_uid="tests-default-rules")
    yield
    post_migrate.disconnect(sender=sender, dispatch_uid="tests-default-rules")


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
