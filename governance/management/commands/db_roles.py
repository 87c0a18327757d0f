"""Creates or updates the PostgreSQL role the application runs as, and its rights. Idempotent.

Run as the owner of the tables (the role that runs the migrations), after every `migrate`:

    DATABASE_URL=postgres://owner:…@host/db DATABASE_APP_URL=postgres://strategie_app:…@host/db \\
        python manage.py db_roles

The runtime role gets SELECT, INSERT, UPDATE, DELETE on the tables and the use of their sequences, but on the
append-only tables (the audit trail, the Steckbrief versions) only INSERT and SELECT. It owns nothing (so it
cannot TRUNCATE, DISABLE TRIGGER or drop a table), belongs to no other role, may not create objects and is
no superuser (so it cannot set session_replication_role). Default privileges give it the normal rights on
tables later migrations create.
"""

from typing import Any

import environ
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from psycopg import sql

from governance.models import AuditEvent, SteckbriefVersion

APPEND_ONLY = (AuditEvent._meta.db_table, SteckbriefVersion._meta.db_table)
ROLE_ATTRIBUTES = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT"


def app_credentials(url: str | None, role: str | None, password: str | None) -> tuple[str, str | None]:
    if url:
        config = environ.Env.db_url_config(url)
        role = role or config.get("USER")
        password = password if password is not None else (config.get("PASSWORD") or None)
    if not role:
        raise CommandError("No runtime role: set DATABASE_APP_URL (or DATABASE_APP_ROLE) or pass --role.")
    return str(role), password


class Command(BaseCommand):
    help = "Create or update the application's database role (PostgreSQL) with its restricted rights."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--role", help="name of the runtime role (default: user of DATABASE_APP_URL)")
        parser.add_argument("--password", help="its password (default: password of DATABASE_APP_URL)")

    def handle(
        self, *args: Any, role: str | None = None, password: str | None = None, **options: Any
    ) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("Database roles exist on PostgreSQL only; nothing to do for this database.")
        env = environ.Env()
        role, password = app_credentials(
            env.str("DATABASE_APP_URL", default="") or None,
            role or env.str("DATABASE_APP_ROLE", default="") or None,
            password if password is not None else (env.str("DATABASE_APP_PASSWORD", default="") or None),
        )
        with transaction.atomic():
            summary = self._apply(role, password)
        self.stdout.write(summary)

    def _apply(self, role: str, password: str | None) -> str:
        connection.ensure_connection()
        raw = connection.connection

        def run(statement: sql.Composable) -> None:
            with connection.cursor() as cursor:
                cursor.execute(statement.as_string(raw))

        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_database(), current_schema()")
            owner, database, schema = cursor.fetchone()
            cursor.execute("SELECT oid FROM pg_roles WHERE rolname = %s", [role])
            existing = cursor.fetchone()
        if role == owner:
            raise CommandError(f"The runtime role must not be the role that owns the tables ({owner}).")

        name = sql.Identifier(role)
        attributes = sql.SQL(ROLE_ATTRIBUTES)
        secret = sql.SQL(" PASSWORD {}").format(sql.Literal(password)) if password else sql.SQL("")
        verb = sql.SQL("ALTER ROLE {} WITH " if existing else "CREATE ROLE {} WITH ").format(name)
        run(sql.Composed([verb, attributes, secret]))

        # Whatever it was given before: no memberships (the owner's role, pg_write_all_data, ...), no objects.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                "JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = %s",
                [role],
            )
            memberships = [row[0] for row in cursor.fetchall()]
        for group in memberships:
            run(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(group), name))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_shdepend d JOIN pg_roles r ON r.oid = d.refobjid "
                "WHERE r.rolname = %s AND d.deptype = 'o' "
                "AND d.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())",
                [role],
            )
            owns = cursor.fetchone()[0]
        if owns:
            run(sql.SQL("REASSIGN OWNED BY {} TO {}").format(name, sql.Identifier(owner)))

        schema_id = sql.Identifier(schema)
        run(sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(sql.Identifier(database), name))
        run(sql.SQL("REVOKE CREATE ON DATABASE {} FROM {}").format(sql.Identifier(database), name))
        run(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema_id, name))
        run(sql.SQL("REVOKE CREATE ON SCHEMA {} FROM {}").format(schema_id, name))
        run(sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(schema_id, name))
        run(
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {}").format(
                schema_id, name
            )
        )
        run(sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(schema_id, name))
        for table in APPEND_ONLY:
            table_id = sql.Identifier(schema, table)
            run(sql.SQL("REVOKE ALL ON {} FROM {}").format(table_id, name))
            run(
                sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON {} FROM PUBLIC").format(
                    table_id
                )
            )
            run(sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(table_id, name))
        # Tables and sequences of later migrations (created by the owner) get the normal rights at once.
        run(
            sql.SQL(
                "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} "
                "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}"
            ).format(sql.Identifier(owner), schema_id, name)
        )
        run(
            sql.SQL(
                "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} GRANT USAGE, SELECT ON SEQUENCES TO {}"
            ).format(sql.Identifier(owner), schema_id, name)
        )
        return (
            f"OK: role {role} on {database}.{schema}: tables SELECT/INSERT/UPDATE/DELETE, "
            f"{', '.join(APPEND_ONLY)} SELECT/INSERT; owner {owner}"
        )
