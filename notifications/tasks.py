"""Thin Celery tasks: load by id, call the service, retry with backoff."""

from celery import shared_task

from . import outbox
from .emails import build_message


@shared_task(name=outbox.DELIVER_TASK, bind=True, max_retries=None, acks_late=True)
def deliver(self, pk: int) -> str:
    result = outbox.deliver(pk, builder=build_message)
    if result.retry_in is not None:
        raise self.retry(countdown=result.retry_in)
    return result.state


@shared_task(name="notifications.sweep")
def sweep() -> str:
    from .sweep import sweep as run_sweep

    return str(run_sweep())
