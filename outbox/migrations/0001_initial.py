"""The outbox becomes an app of its own; its table and rows stay as they are."""

import django.db.models.functions.datetime
from django.db import migrations, models


def _relabel(apps, schema_editor, old: str, new: str) -> None:
    """The admin's permissions on the outbox hang on its content type: relabel it so they carry over."""
    content_type = apps.get_model("contenttypes", "ContentType")
    rows = content_type.objects.using(schema_editor.connection.alias)
    if not rows.filter(app_label=new, model="outboxmessage").exists():
        rows.filter(app_label=old, model="outboxmessage").update(app_label=new)


def content_type_to_outbox(apps, schema_editor) -> None:
    _relabel(apps, schema_editor, "notifications", "outbox")


def content_type_to_notifications(apps, schema_editor) -> None:
    _relabel(apps, schema_editor, "outbox", "notifications")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("notifications", "0005_outbox_batches"),
    ]

    operations = [
        # The table stays where it is (created by notifications 0001 when the outbox was part of that app):
        # only Django's record of which app owns the model changes, no row is copied.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='OutboxMessage',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=200, unique=True, verbose_name='Schlüssel')),
                        ('template', models.CharField(max_length=60, verbose_name='Vorlage')),
                        ('context', models.JSONField(default=dict, verbose_name='Kontext')),
                        ('to_users', models.JSONField(blank=True, default=list, verbose_name='an (Personen-IDs)')),
                        ('cc_users', models.JSONField(blank=True, default=list, verbose_name='Kopie (Personen-IDs)')),
                        ('category', models.CharField(default='pflicht', help_text='pflicht, vorab oder digest', max_length=20, verbose_name='Kategorie')),
                        ('state', models.CharField(choices=[('pending', 'wartet'), ('sending', 'wird gesendet'), ('sent', 'gesendet'), ('partial', 'teilweise zugestellt'), ('failed', 'fehlgeschlagen'), ('cancelled', 'entfallen'), ('skipped', 'ersetzt')], default='pending', max_length=20, verbose_name='Zustand')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='Versuche')),
                        ('created_at', models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), verbose_name='angelegt')),
                        ('next_attempt_at', models.DateTimeField(blank=True, null=True, verbose_name='nächster Versuch ab')),
                        ('claimed_until', models.DateTimeField(blank=True, null=True, verbose_name='reserviert bis')),
                        ('enqueued_at', models.DateTimeField(blank=True, null=True, verbose_name='zuletzt eingereiht')),
                        ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='gesendet am')),
                        ('recipients_sent', models.TextField(blank=True, verbose_name='gesendet an')),
                        ('subject_sent', models.CharField(blank=True, max_length=300, verbose_name='Betreff')),
                        ('last_error', models.TextField(blank=True, verbose_name='letzter Fehler')),
                        ('claim_token', models.CharField(blank=True, max_length=32, verbose_name='Reservierung')),
                        ('recipients', models.JSONField(blank=True, default=dict, help_text='je Adresse: gesendet, erneut zu versuchen oder abgelehnt, mit der Antwort des Mailservers', verbose_name='Empfänger')),
                        ('transient', models.BooleanField(default=False, help_text='Fehlgeschlagen, weil der Mailserver nicht erreichbar war oder 4xx antwortete: geht automatisch erneut hinaus, sobald er wieder antwortet', verbose_name='vorübergehender Fehler')),
                        ('skip_reason', models.CharField(blank=True, max_length=300, verbose_name='Grund')),
                    ],
                    options={
                        'verbose_name': 'Benachrichtigung',
                        'verbose_name_plural': 'Benachrichtigungen',
                        'db_table': 'notifications_outboxmessage',
                        'ordering': ['-created_at', '-pk'],
                        'indexes': [models.Index(condition=models.Q(('state__in', ['pending', 'sending'])), fields=['state', 'enqueued_at'], name='outbox_open_idx'), models.Index(condition=models.Q(('state', 'failed'), ('transient', True)), fields=['state'], name='outbox_transient_failed_idx')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_outbox, content_type_to_notifications),
    ]
