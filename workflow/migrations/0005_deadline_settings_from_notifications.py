"""The deadline settings move to the workflow (their time limits are the process's); table and row stay."""

import django.core.validators
import workflow.models
from django.db import migrations, models


def relabel(old: str, new: str):
    """The admin's permissions hang on the model's content type: move it with the model."""

    def run(apps, schema_editor) -> None:
        rows = apps.get_model("contenttypes", "ContentType").objects.using(schema_editor.connection.alias)
        if not rows.filter(app_label=new, model="deadlinesettings").exists():
            rows.filter(app_label=old, model="deadlinesettings").update(app_label=new)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("workflow", "0004_done_task_index"),
        ("notifications", "0006_outbox_moved_to_its_own_app"),
    ]

    operations = [
        # Only Django's record of which app owns the model changes; the table was created by notifications 0001.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='DeadlineSettings',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('berichtsintervall_monate', models.PositiveSmallIntegerField(default=6, help_text='Allgemeines Intervall der Sachstandsberichte; je KA überschreibbar', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(24)], verbose_name='Berichtsintervall (Monate)')),
                        ('nachbesserung_tage', models.PositiveSmallIntegerField(default=14, help_text='Ein zurückgegebener Bericht ist nach so vielen Tagen erneut fällig', validators=[django.core.validators.MinValueValidator(1)], verbose_name='Frist nach Rückgabe (Tage)')),
                        ('frist_pruefung_tage', models.PositiveSmallIntegerField(default=21, validators=[django.core.validators.MinValueValidator(1)], verbose_name='Frist Prüfung im Strategiezirkel (Tage)')),
                        ('frist_vorstand_tage', models.PositiveSmallIntegerField(default=14, validators=[django.core.validators.MinValueValidator(1)], verbose_name='Frist Entscheidung Verwaltungsvorstand (Tage)')),
                        ('frist_ratsbeschluss_tage', models.PositiveSmallIntegerField(default=7, validators=[django.core.validators.MinValueValidator(1)], verbose_name='Frist Erfassung Ratsbeschluss nach der Sitzung (Tage)')),
                        ('versandstunde', models.PositiveSmallIntegerField(default=7, help_text='Erinnerungen gehen an Arbeitstagen ab dieser Stunde hinaus', validators=[django.core.validators.MaxValueValidator(12)], verbose_name='Versand ab (Uhr, Europe/Berlin)')),
                        ('absender', models.CharField(blank=True, help_text='Leer: der Absender aus der Serverkonfiguration (DEFAULT_FROM_EMAIL)', max_length=200, validators=[workflow.models.validate_sender], verbose_name='Absender')),
                    ],
                    options={
                        'verbose_name': 'Fristen und Versand',
                        'verbose_name_plural': 'Fristen und Versand',
                        'db_table': 'notifications_deadlinesettings',
                        'constraints': [models.CheckConstraint(condition=models.Q(('pk', 1)), name='deadline_settings_singleton')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(relabel("notifications", "workflow"), relabel("workflow", "notifications")),
    ]
