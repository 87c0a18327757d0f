"""A test-only task for the soak test of the embedded mode (loaded by the worker with ``-I``)."""

from pathlib import Path

from celery import shared_task
from django.conf import settings

MARK_TASK = "tests.embedded.mark"


@shared_task(name=MARK_TASK)
def mark(sender: str, n: int) -> None:
    """Leave one file per message: the test counts them, a duplicate or a loss shows."""
    Path(settings.VAR_DIR, "soak", f"{sender}-{n}").touch(exist_ok=False)
