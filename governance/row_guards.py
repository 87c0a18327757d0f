"""PostgreSQL triggers that refuse UPDATE and DELETE on a table's rows, whatever code or SQL tries: the audit
trail (append-only) and the Steckbrief versions (immutable). The migrations that create those tables install
them; a role that owns the table could disable them, the application's runtime role cannot (db_roles)."""

from typing import Any

from django.db import migrations


def refuse_changes(table: str, trigger: str, what: str) -> migrations.RunPython:
    """The migration step that installs (and on the way back removes) the trigger ``trigger`` on ``table``;
    its error names the table as ``what`` ("append-only", "immutable")."""
    create = f"""
CREATE OR REPLACE FUNCTION {trigger}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{table} is {what} (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {trigger}
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {trigger}();
"""
    drop = f"""
DROP TRIGGER IF EXISTS {trigger} ON {table};
DROP FUNCTION IF EXISTS {trigger}();
"""

    def install(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(create, params=None)

    def remove(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(drop, params=None)

    return migrations.RunPython(install, remove)
