from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("notifications", "0004_sweep_problem")]

    operations = [
        migrations.AddField(
            model_name="outboxmessage",
            name="claim_token",
            field=models.CharField(blank=True, max_length=32, verbose_name="Reservierung"),
        ),
        migrations.AddField(
            model_name="outboxmessage",
            name="recipients",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="je Adresse: gesendet, erneut zu versuchen oder abgelehnt, mit der Antwort des Mailservers",
                verbose_name="Empfänger",
            ),
        ),
        migrations.AddField(
            model_name="outboxmessage",
            name="transient",
            field=models.BooleanField(
                default=False,
                help_text="Fehlgeschlagen, weil der Mailserver nicht erreichbar war oder 4xx antwortete: geht "
                "automatisch erneut hinaus, sobald er wieder antwortet",
                verbose_name="vorübergehender Fehler",
            ),
        ),
        migrations.AddField(
            model_name="outboxmessage",
            name="skip_reason",
            field=models.CharField(blank=True, max_length=300, verbose_name="Grund"),
        ),
        migrations.AlterField(
            model_name="outboxmessage",
            name="state",
            field=models.CharField(
                choices=[
                    ("pending", "wartet"),
                    ("sending", "wird gesendet"),
                    ("sent", "gesendet"),
                    ("partial", "teilweise zugestellt"),
                    ("failed", "fehlgeschlagen"),
                    ("cancelled", "entfallen"),
                    ("skipped", "ersetzt"),
                ],
                default="pending",
                max_length=20,
                verbose_name="Zustand",
            ),
        ),
        migrations.AddIndex(
            model_name="outboxmessage",
            index=models.Index(
                condition=models.Q(("state", "failed"), ("transient", True)),
                fields=["state"],
                name="outbox_transient_failed_idx",
            ),
        ),
    ]
