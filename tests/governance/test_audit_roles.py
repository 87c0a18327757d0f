"""As the application's runtime role, the audit table can be read and appended to, nothing else.

The suite connects as the owner (a superuser); the runtime role is made with the project's own command
(`manage.py db_roles`) and used through a real psycopg connection logged in as that role."""

from collections.abc import Iterator
from io import StringIO
from typing import Any

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from governance.models import AuditEvent

pytestmark = pytest.mark.postgres

TABLE = AuditEvent._meta.db_table
PASSWORD = "laufzeit-Rolle'mit\"Zeichen"


@pytest.fixture(scope="module")
def runtime_role(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    with django_db_blocker.unblock():
        role = f"{connection.settings_dict['NAME']}_app"
        out = StringIO()
        call_command("db_roles", role=role, password=PASSWORD, stdout=out)
        call_command("db_roles", role=role, password=PASSWORD, stdout=out)  # a second run changes nothing
        assert out.getvalue().count("OK: role") == 2
        yield role
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{role}"')
            cursor.execute(f'DROP ROLE "{role}"')


@pytest.fixture
def as_runtime(runtime_role: str) -> Iterator[psycopg.Connection]:
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        dbname=settings["NAME"],
        user=runtime_role,
        password=PASSWORD,
    ) as conn:
        yield conn
        conn.rollback()


def refused(conn: psycopg.Connection, statement: str) -> psycopg.Error:
    with pytest.raises(psycopg.Error) as error:
        conn.execute(statement)
    conn.rollback()
    return error.value


def test_runtime_role_appends_and_reads(as_runtime):
    with as_runtime.cursor() as cursor:
        # What the application does per event: lock the chain head, insert the event, move the head.
        cursor.execute("SELECT seq, hash FROM governance_auditchain WHERE id = 1 FOR UPDATE")
        cursor.execute(
            f"INSERT INTO {TABLE} (subject, action, from_status, to_status, reason, data, created_at,"
            " seq, previous_hash, hash) VALUES ('Probe', 'probe', '', '', '', '{}', now(), 999999, '', '')"
            " RETURNING id"
        )
        (new_id,) = cursor.fetchone()
        cursor.execute("UPDATE governance_auditchain SET seq = seq WHERE id = 1")
        cursor.execute(f"SELECT action FROM {TABLE} WHERE id = %s", [new_id])
        assert cursor.fetchone() == ("probe",)
    as_runtime.rollback()


@pytest.mark.parametrize(
    "statement",
    [
        f"UPDATE {TABLE} SET reason = 'x'",
        f"DELETE FROM {TABLE}",
        f"TRUNCATE {TABLE}",
        "TRUNCATE governance_kernaktivitaet CASCADE",
        f"ALTER TABLE {TABLE} DISABLE TRIGGER ALL",
        f"ALTER TABLE {TABLE} DISABLE TRIGGER governance_auditevent_append_only",
        "SET session_replication_role = replica",
        f"DROP TABLE {TABLE}",
        f"DROP TRIGGER governance_auditevent_append_only ON {TABLE}",
        "CREATE TABLE schleichweg (id int)",
    ],
)
def test_runtime_role_cannot_alter_the_audit_table(as_runtime, statement):
    error = refused(as_runtime, statement)
    assert isinstance(error, psycopg.errors.InsufficientPrivilege), error


def test_runtime_role_is_no_superuser_and_owns_nothing(as_runtime, runtime_role):
    with as_runtime.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user"
        )
        assert cursor.fetchone() == (False, False, False)
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = %s)",
            [runtime_role],
        )
        assert cursor.fetchone() == (0,)
        cursor.execute(
            "SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = %s",
            [runtime_role],
        )
        assert cursor.fetchone() == (0,)


def test_runtime_role_keeps_normal_rights_on_other_tables(as_runtime):
    with as_runtime.cursor() as cursor:
        cursor.execute("UPDATE governance_kernaktivitaet SET titel = titel WHERE false")
        cursor.execute("DELETE FROM notifications_outboxmessage WHERE false")
    as_runtime.rollback()


def test_tables_of_later_migrations_get_normal_rights(as_runtime, django_db_blocker):
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("CREATE TABLE spaetere_tabelle (id bigserial PRIMARY KEY, name text)")
    try:
        with as_runtime.cursor() as cursor:
            cursor.execute("INSERT INTO spaetere_tabelle (name) VALUES ('neu')")
            cursor.execute("UPDATE spaetere_tabelle SET name = 'anders'")
            cursor.execute("DELETE FROM spaetere_tabelle")
        as_runtime.rollback()
        assert isinstance(
            refused(as_runtime, "TRUNCATE spaetere_tabelle"), psycopg.errors.InsufficientPrivilege
        )
    finally:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("DROP TABLE spaetere_tabelle")


def test_owner_still_refused_truncate_by_the_trigger(db):
    with pytest.raises(Exception, match="append-only"), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {TABLE}")


@pytest.mark.django_db
def test_verify_names_the_row_the_owner_changed_with_the_trigger_disabled(django_user_model):
    from django.core.management.base import CommandError

    from governance.models import Kernaktivitaet, Kompetenz

    kompetenz = Kompetenz.objects.create(key="rolle", code="ROL", name="Rollen", position=93)
    ka = Kernaktivitaet.objects.create(code="ROL-1", titel="KA", kompetenz=kompetenz)
    events = [AuditEvent.objects.create(kernaktivitaet=ka, action=f"schritt{n}", data={}) for n in range(3)]
    call_command("verify_audit", stdout=StringIO())
    with connection.cursor() as cursor:
        # The test's own transaction still holds deferred foreign-key checks, which ALTER TABLE waits for.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER governance_auditevent_append_only")
        cursor.execute(f"UPDATE {TABLE} SET reason = 'nachträglich' WHERE id = %s", [events[1].pk])
        cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER governance_auditevent_append_only")
    with pytest.raises(
        CommandError, match=rf"event id={events[1].pk} KA=ROL.1: hash expected=\w+ stored={events[1].hash}"
    ):
        call_command("verify_audit", stdout=StringIO())
