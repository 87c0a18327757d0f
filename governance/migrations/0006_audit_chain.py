"""Audit events form a hash chain (each row carries the hash of the one before it), may concern something
other than one KA (council papers, rights), and on PostgreSQL a trigger refuses TRUNCATE of the table.

Existing events are linked in insert order (by id). On PostgreSQL the append-only trigger of 0002 is switched
off for that one backfill; migrations run as the table's owner, the application's role could not do this."""

import django.db.models.deletion
from django.db import migrations, models

from governance.models.audit import CHAINED_FIELDS, GENESIS_HASH, chain_hash

BATCH = 2000
TRIGGER = "governance_auditevent_append_only"

TRUNCATE_TRIGGER = """
CREATE TRIGGER governance_auditevent_no_truncate
    BEFORE TRUNCATE ON governance_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION governance_auditevent_append_only();
"""
DROP_TRUNCATE_TRIGGER = "DROP TRIGGER IF EXISTS governance_auditevent_no_truncate ON governance_auditevent;"


def link_existing(apps, schema_editor):
    AuditEvent = apps.get_model("governance", "AuditEvent")
    AuditChain = apps.get_model("governance", "AuditChain")
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute(f"ALTER TABLE governance_auditevent DISABLE TRIGGER {TRIGGER}", params=None)
    seq, previous, last_pk = 0, GENESIS_HASH, 0
    while True:
        batch = list(AuditEvent.objects.filter(pk__gt=last_pk).order_by("pk")[:BATCH])
        if not batch:
            break
        for event in batch:
            seq += 1
            event.seq = seq
            event.previous_hash = previous
            event.hash = chain_hash({name: getattr(event, name) for name in CHAINED_FIELDS}, previous)
            previous = event.hash
        AuditEvent.objects.bulk_update(batch, ["seq", "previous_hash", "hash"])
        last_pk = batch[-1].pk
    if postgres:
        schema_editor.execute(f"ALTER TABLE governance_auditevent ENABLE TRIGGER {TRIGGER}", params=None)
    if seq:
        # An empty trail has no head yet: the first event creates it.
        AuditChain.objects.create(pk=1, seq=seq, hash=previous)


def add_truncate_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRUNCATE_TRIGGER, params=None)


def drop_truncate_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRUNCATE_TRIGGER, params=None)


class Migration(migrations.Migration):
    dependencies = [("governance", "0005_statusbericht_submitted_index")]

    operations = [
        migrations.CreateModel(
            name="AuditChain",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("seq", models.BigIntegerField(default=0)),
                ("hash", models.CharField(default=GENESIS_HASH, max_length=64)),
            ],
            options={"verbose_name": "Protokollkette", "default_permissions": ()},
        ),
        migrations.AddField(
            model_name="auditevent",
            name="subject",
            field=models.CharField(blank=True, default="", max_length=200, verbose_name="Gegenstand"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(editable=False, null=True, verbose_name="Position in der Kette"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="previous_hash",
            field=models.CharField(
                default="", editable=False, max_length=64, verbose_name="Prüfsumme des Vorgängers"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="Prüfsumme"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="kernaktivitaet",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="audit_events",
                to="governance.kernaktivitaet",
                verbose_name="Kernaktivität",
            ),
        ),
        migrations.RunPython(link_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(editable=False, unique=True, verbose_name="Position in der Kette"),
        ),
        migrations.RunPython(add_truncate_trigger, drop_truncate_trigger),
    ]
