"""Status reports get the state "cancelled" (entfällt), and the reports that KA already ended (umgesetzt,
eingestellt, überführt) still owe are closed with it: such a KA was listed as owing a report it could no
longer submit. Each closed report gets an audit event, linked into the audit chain as the application links
its own (the chain head is locked while the links are appended)."""

from django.db import migrations, models
from django.utils import timezone

from governance.models.audit import CHAINED_FIELDS, GENESIS_HASH, chain_hash

ENDED = {"done": "Umgesetzt", "stopped": "Eingestellt", "merged": "Überführt"}
OPEN = ("due", "returned")
HEAD = 1


def close_reports_of_ended_ka(apps, schema_editor):
    Statusbericht = apps.get_model("governance", "Statusbericht")
    AuditEvent = apps.get_model("governance", "AuditEvent")
    AuditChain = apps.get_model("governance", "AuditChain")
    rows = list(
        Statusbericht.objects.select_for_update()
        .filter(state__in=OPEN, kernaktivitaet__status__in=list(ENDED))
        .select_related("kernaktivitaet")
        .order_by("pk")
    )
    if not rows:
        return
    head = AuditChain.objects.select_for_update().filter(pk=HEAD).first()
    if head is None:
        head = AuditChain.objects.create(pk=HEAD, seq=0, hash=GENESIS_HASH)
    seq, previous = head.seq, head.hash
    now = timezone.now()
    events = []
    for row in rows:
        status = row.kernaktivitaet.status
        seq += 1
        event = AuditEvent(
            kernaktivitaet_id=row.kernaktivitaet_id,
            subject="",
            action="statusbericht_cancelled",
            from_status="",
            to_status="",
            actor_id=None,
            on_behalf_of_id=None,
            reason=f"Der Bericht entfällt, weil die Kernaktivität „{ENDED[status]}“ ist.",
            resolution_id=None,
            data={"statusbericht": row.pk, "faellig_am": row.faellig_am.isoformat(), "runde": row.runde},
            created_at=now,
            seq=seq,
            previous_hash=previous,
        )
        event.hash = chain_hash({name: getattr(event, name) for name in CHAINED_FIELDS}, previous)
        previous = event.hash
        events.append(event)
    Statusbericht.objects.filter(pk__in=[row.pk for row in rows]).update(state="cancelled")
    AuditEvent.objects.bulk_create(events)
    AuditChain.objects.filter(pk=HEAD).update(seq=seq, hash=previous)


class Migration(migrations.Migration):
    dependencies = [("governance", "0007_input_bounds")]

    operations = [
        migrations.AlterField(
            model_name="statusbericht",
            name="state",
            field=models.CharField(
                choices=[
                    ("due", "fällig"),
                    ("submitted", "eingereicht"),
                    ("accepted", "angenommen"),
                    ("returned", "zurückgegeben"),
                    ("cancelled", "entfällt"),
                ],
                default="due",
                max_length=20,
                verbose_name="Stand",
            ),
        ),
        # Closed reports stay closed when the migration is reversed: the audit trail says they were.
        migrations.RunPython(close_reports_of_ended_ka, migrations.RunPython.noop),
    ]
