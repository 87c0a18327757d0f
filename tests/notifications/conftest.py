"""Fixtures of the reminder and mail tests: times of day, reports, and real SMTP and Celery workers."""

from datetime import date, datetime, time

import pytest
from celery import current_app

from notifications.rules import BERLIN, default_rules_install
from tests.people import People

from .integration import Worker, start_smtp, worker_env


def morning(day: date, hour: int = 8) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=BERLIN)


# Real components for the integration tests (test_worker_integration, test_fault_integration).


@pytest.fixture
def smtp():
    controller, sink, port = start_smtp()
    sink.port = port  # type: ignore[attr-defined]
    yield sink
    controller.stop()


@pytest.fixture
def people_live(transactional_db) -> People:
    # A transactional test empties every table before it: the rules of the data migration come back here.
    default_rules_install()
    return People()


@pytest.fixture
def workers(smtp, settings):
    """Start workers on the shared test broker; all are stopped at the end."""
    current_app.control.purge()
    started: list[Worker] = []

    def start(name: str = "nt") -> Worker:
        worker = Worker(worker_env(broker_url=settings.CELERY_BROKER_URL, smtp_port=smtp.port), name)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
