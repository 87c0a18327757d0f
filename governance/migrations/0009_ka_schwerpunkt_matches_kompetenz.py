"""A KA's Schwerpunkt belongs to the KA's Kompetenz, held by the database.

Why triggers: the textbook answer is a composite foreign key (kompetenz_id, schwerpunkt_id) to the
Schwerpunkt's (kompetenz_id, id), but Django cannot declare one, and SQLite cannot add a foreign key to an
existing table. Storing only the Schwerpunkt and deriving the Kompetenz does not fit either: the
Schwerpunkt is optional (no KA of the loaded strategy has one), the Kompetenz is required and carries
the rights of its owners. So a trigger on each side refuses a mismatch: on the KA (insert, or a change
of its Kompetenz or Schwerpunkt) and on the Schwerpunkt (a move to another Kompetenz while KA point
at it). The model's clean()
gives the same rule a message on the form; the trigger holds for every other writer (admin, shell, raw SQL).

On PostgreSQL the KA trigger reads the Schwerpunkt row FOR SHARE, so a concurrent move of that Schwerpunkt
waits for the KA's transaction and then sees the KA (each statement of a PL/pgSQL function reads committed
data anew): neither side can slip past the other. The error is a check_violation, an IntegrityError in Django.

Rows that break the rule before this migration lose their Schwerpunkt (the loaded strategy has none).
Beware on SQLite: a later migration that rebuilds governance_kernaktivitaet or governance_schwerpunkt drops
their triggers; tests/workflow/test_schwerpunkt_kompetenz.py then fails: create the triggers again.
"""

from django.db import migrations

MESSAGE = "ka_schwerpunkt_matches_kompetenz: Schwerpunkt einer anderen Kompetenz"

CLEANUP = """
UPDATE governance_kernaktivitaet SET schwerpunkt_id = NULL
WHERE schwerpunkt_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM governance_schwerpunkt s
    WHERE s.id = governance_kernaktivitaet.schwerpunkt_id
      AND s.kompetenz_id = governance_kernaktivitaet.kompetenz_id
)
"""

SQLITE_MISMATCH = """
NEW.schwerpunkt_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM governance_schwerpunkt s
    WHERE s.id = NEW.schwerpunkt_id AND s.kompetenz_id = NEW.kompetenz_id
)
"""

SQLITE_CREATE = [
    f"""CREATE TRIGGER ka_schwerpunkt_kompetenz_insert BEFORE INSERT ON governance_kernaktivitaet
    FOR EACH ROW WHEN {SQLITE_MISMATCH}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER ka_schwerpunkt_kompetenz_update
    BEFORE UPDATE OF schwerpunkt_id, kompetenz_id ON governance_kernaktivitaet
    FOR EACH ROW WHEN {SQLITE_MISMATCH}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER schwerpunkt_kompetenz_keeps_ka BEFORE UPDATE OF kompetenz_id ON governance_schwerpunkt
    FOR EACH ROW WHEN EXISTS (
        SELECT 1 FROM governance_kernaktivitaet k
        WHERE k.schwerpunkt_id = NEW.id AND k.kompetenz_id <> NEW.kompetenz_id
    )
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS ka_schwerpunkt_kompetenz_insert",
    "DROP TRIGGER IF EXISTS ka_schwerpunkt_kompetenz_update",
    "DROP TRIGGER IF EXISTS schwerpunkt_kompetenz_keeps_ka",
]

POSTGRES_CREATE = [
    f"""CREATE FUNCTION governance_ka_schwerpunkt_check() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.schwerpunkt_id IS NOT NULL THEN
            PERFORM 1 FROM governance_schwerpunkt
            WHERE id = NEW.schwerpunkt_id AND kompetenz_id = NEW.kompetenz_id FOR SHARE;
            IF NOT FOUND THEN
                RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
            END IF;
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER ka_schwerpunkt_kompetenz
    BEFORE INSERT OR UPDATE OF schwerpunkt_id, kompetenz_id ON governance_kernaktivitaet
    FOR EACH ROW EXECUTE FUNCTION governance_ka_schwerpunkt_check()""",
    f"""CREATE FUNCTION governance_schwerpunkt_keeps_ka() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.kompetenz_id <> OLD.kompetenz_id AND EXISTS (
            SELECT 1 FROM governance_kernaktivitaet
            WHERE schwerpunkt_id = NEW.id AND kompetenz_id <> NEW.kompetenz_id
        ) THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER schwerpunkt_kompetenz_keeps_ka
    BEFORE UPDATE OF kompetenz_id ON governance_schwerpunkt
    FOR EACH ROW EXECUTE FUNCTION governance_schwerpunkt_keeps_ka()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS ka_schwerpunkt_kompetenz ON governance_kernaktivitaet",
    "DROP FUNCTION IF EXISTS governance_ka_schwerpunkt_check()",
    "DROP TRIGGER IF EXISTS schwerpunkt_kompetenz_keeps_ka ON governance_schwerpunkt",
    "DROP FUNCTION IF EXISTS governance_schwerpunkt_keeps_ka()",
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement)


def create(apps, schema_editor):
    schema_editor.execute(CLEANUP)
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRES_CREATE)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_CREATE)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRES_DROP)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [("governance", "0010_ended_ka_reports_cancelled")]

    operations = [migrations.RunPython(create, drop)]
