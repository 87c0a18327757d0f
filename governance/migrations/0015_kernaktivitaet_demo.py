import importlib

from django.db import migrations, models

# SQLite adds a column with a default by rebuilding the table; the triggers of 0009 that name the KA table
# would break the rebuild, so they step aside for it (PostgreSQL adds the column in place and keeps them).
_schwerpunkt_triggers = importlib.import_module("governance.migrations.0009_ka_schwerpunkt_matches_kompetenz")


def _sqlite(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0014_steckbrief_organisation"),
    ]

    operations = [
        migrations.RunPython(
            _sqlite(_schwerpunkt_triggers.SQLITE_DROP), _sqlite(_schwerpunkt_triggers.SQLITE_CREATE)
        ),
        migrations.AddField(
            model_name="kernaktivitaet",
            name="demo",
            field=models.BooleanField(
                default=False,
                editable=False,
                help_text="vom Demo-Start angelegt",
                verbose_name="Beispieldaten",
            ),
        ),
        migrations.RunPython(
            _sqlite(_schwerpunkt_triggers.SQLITE_CREATE), _sqlite(_schwerpunkt_triggers.SQLITE_DROP)
        ),
    ]
