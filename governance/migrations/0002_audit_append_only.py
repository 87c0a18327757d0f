"""On PostgreSQL a trigger refuses UPDATE and DELETE on audit events, whatever code or SQL tries them."""

from django.db import migrations

from governance.row_guards import refuse_changes


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]
    operations = [refuse_changes("governance_auditevent", "governance_auditevent_append_only", "append-only")]
