"""The deadline settings moved to the workflow app (workflow 0005); their table stays, only the state moves."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0006_outbox_moved_to_its_own_app"),
        ("workflow", "0005_deadline_settings_from_notifications"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="DeadlineSettings")],
            database_operations=[],
        ),
    ]
