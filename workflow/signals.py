"""Signals the lifecycle sends inside its transaction, so that receivers (the notifications outbox) write
their rows in the same transaction as the decision that caused them."""

from django.dispatch import Signal

# kwargs: kernaktivitaet, event (governance.AuditEvent), actor, on_behalf_of
ka_transitioned = Signal()
# kwargs: tasks (list of viewflow Task rows just created and waiting for a person), reason (short text)
tasks_created = Signal()
