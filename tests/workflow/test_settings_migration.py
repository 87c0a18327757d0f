"""The deadline settings moved from the notifications app to the workflow: the row the admin set keeps its
values (no copy), and the admin's permissions on it carry over."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from workflow.models import DeadlineSettings

LAST_IN_NOTIFICATIONS = ("notifications", "0006_outbox_moved_to_its_own_app")
BEFORE: list[tuple[str, str | None]] = [LAST_IN_NOTIFICATIONS, ("workflow", "0004_done_task_index")]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_move_keeps_the_settings_and_the_admins_permissions() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(LAST_IN_NOTIFICATIONS).apps.get_model(
        "notifications", "DeadlineSettings"
    )
    old.objects.update_or_create(
        pk=1, defaults={"frist_vorstand_tage": 9, "absender": "Strategie <s@bochum.de>"}
    )
    ContentType.objects.filter(app_label="workflow", model="deadlinesettings").delete()
    content_type, _created = ContentType.objects.get_or_create(
        app_label="notifications", model="deadlinesettings"
    )
    permission, _created = Permission.objects.get_or_create(
        content_type=content_type, codename="change_deadlinesettings", defaults={"name": "Can change"}
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    cfg = DeadlineSettings.get()
    assert (cfg.frist_vorstand_tage, cfg.sender) == (9, "Strategie <s@bochum.de>")
    assert DeadlineSettings.objects.count() == 1
    permission.refresh_from_db()
    assert permission.content_type.app_label == "workflow"
