from django.db import migrations


def defaults(apps, schema_editor):
    from notifications.rules import DEFAULT_RULES

    DeadlineSettings = apps.get_model("notifications", "DeadlineSettings")
    ReminderRule = apps.get_model("notifications", "ReminderRule")
    DeadlineSettings.objects.get_or_create(pk=1)
    for rule in DEFAULT_RULES:
        values = {k: (str(v) if k == "kind" else v) for k, v in rule.items() if k != "key"}
        ReminderRule.objects.get_or_create(key=rule["key"], defaults=values)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(defaults, migrations.RunPython.noop)]
