"""An index for "Zuletzt erledigt": a person's done tasks, newest first, on PostgreSQL.

The list filters viewflow's task table on the executor the engine writes into ``data`` and sorts by the
finish time; without the index every done task is read (measured 35 ms at 100,000 tasks, 0.3 ms with it).
"""

from django.db import migrations

DONE_INDEX = """
    CREATE INDEX IF NOT EXISTS workflow_task_done_by_idx
    ON viewflow_task ((data -> 'executed_by'), finished DESC, id DESC)
    WHERE status = 'DONE'
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DONE_INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS workflow_task_done_by_idx")


class Migration(migrations.Migration):
    dependencies = [("workflow", "0003_kaprocess_no_reverse_accessor"), ("viewflow", "0015_task_scheduled")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
