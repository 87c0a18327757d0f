"""The outbox moved from the notifications app to its own: the migration keeps the table and its rows (no
copy), and the admin's permissions on it carry over."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from outbox.models import OutboxMessage, OutboxState

LAST_WITH_THE_OUTBOX = ("notifications", "0005_outbox_batches")
BEFORE: list[tuple[str, str | None]] = [LAST_WITH_THE_OUTBOX, ("outbox", None)]


def _migrate(targets: list[tuple[str, str | None]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _latest() -> list[tuple[str, str | None]]:
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_move_keeps_every_row_and_the_admins_permissions() -> None:
    _migrate(BEFORE)
    old = MigrationExecutor(connection).loader.project_state(LAST_WITH_THE_OUTBOX).apps
    old_model = old.get_model("notifications", "OutboxMessage")
    old_model.objects.create(key="alt:1", template="aufgaben_neu", to_users=[1], state="sent")
    old_model.objects.create(key="alt:2", template="aufgaben_neu", to_users=[2], state="pending")
    ContentType.objects.filter(app_label="outbox").delete()
    content_type, _created = ContentType.objects.get_or_create(
        app_label="notifications", model="outboxmessage"
    )
    permission, _created = Permission.objects.get_or_create(
        content_type=content_type, codename="view_outboxmessage", defaults={"name": "Can view"}
    )

    _migrate(_latest())

    rows = {row.key: row.state for row in OutboxMessage.objects.all()}
    assert rows == {"alt:1": OutboxState.SENT, "alt:2": OutboxState.PENDING}
    OutboxMessage.objects.create(key="neu:1", template="aufgaben_neu")  # the sequence goes on
    assert OutboxMessage.objects.count() == 3
    permission.refresh_from_db()
    assert permission.content_type.app_label == "outbox"
    assert OutboxMessage._meta.db_table == "notifications_outboxmessage"
