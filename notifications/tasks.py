"""Thin Celery tasks: load by id, call the service, retry with backoff."""

import time

from celery import shared_task

from outbox import delivery

from .emails import build_message
from .sweep import sweep as run_sweep


@shared_task(name=delivery.DELIVER_TASK, bind=True, max_retries=None, acks_late=True)
def deliver(self, pk: int) -> str:
    result = delivery.deliver(pk, builder=build_message)
    if result.retry_in is not None:
        raise self.retry(countdown=result.retry_in)
    return result.state


@shared_task(name=delivery.DELIVER_BATCH_TASK, acks_late=True)
def deliver_batch() -> int:
    """Drain the outbox: claim a batch, send it over one connection, repeat until nothing waits or the time
    budget is spent (then ask for another drain, so a long queue never blocks the worker's other work)."""
    budget = time.monotonic() + delivery.drain_seconds()
    sent = 0
    while True:
        results = delivery.deliver_batch(builder=build_message)
        sent += len(results)
        if not results:
            return sent
        if time.monotonic() > budget:
            delivery.dispatch_more()
            return sent


@shared_task(name="notifications.sweep")
def sweep() -> str:
    return str(run_sweep())
