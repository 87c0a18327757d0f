import django.db.models.deletion
import django.db.models.functions.datetime
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0001_initial"),
        ("notifications", "0003_sender_validation"),
    ]

    operations = [
        migrations.CreateModel(
            name="SweepProblem",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "stage",
                    models.CharField(
                        choices=[
                            ("schedule", "Sachstandsbericht anlegen"),
                            ("reminders", "Erinnerungen schreiben"),
                            ("dispatch", "Mails weiterreichen"),
                            ("smtp", "Mailserver"),
                        ],
                        max_length=20,
                        verbose_name="Schritt",
                    ),
                ),
                ("message", models.TextField(verbose_name="Fehler")),
                (
                    "first_seen",
                    models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), verbose_name="zuerst"),
                ),
                (
                    "last_seen",
                    models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), verbose_name="zuletzt"),
                ),
                ("occurrences", models.PositiveIntegerField(default=1, verbose_name="Anzahl Läufe")),
                (
                    "kernaktivitaet",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="governance.kernaktivitaet",
                        verbose_name="Kernaktivität",
                    ),
                ),
            ],
            options={
                "verbose_name": "Problem beim Fristenlauf",
                "verbose_name_plural": "Probleme beim Fristenlauf",
                "ordering": ["-last_seen"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("stage", "kernaktivitaet"), name="sweep_problem_once_per_ka_and_stage"
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("kernaktivitaet__isnull", True)),
                        fields=("stage",),
                        name="sweep_problem_once_per_stage",
                    ),
                ],
            },
        ),
    ]
