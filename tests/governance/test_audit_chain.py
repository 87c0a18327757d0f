"""The audit trail is a hash chain: verify_audit passes on intact data and names the first broken link."""

import itertools
import threading
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction

from governance.management.commands.verify_audit import Command as VerifyAudit
from governance.models import AuditChain, AuditEvent, Kernaktivitaet, Kompetenz
from governance.models.audit import GENESIS_HASH, AppendOnlyError


@pytest.fixture
def kas(db: None) -> list[Kernaktivitaet]:
    kompetenz = Kompetenz.objects.create(key="kette", code="KET", name="Kette", position=91)
    return [
        Kernaktivitaet.objects.create(code=f"KET.{n}", titel=f"KA {n}", kompetenz=kompetenz) for n in range(3)
    ]


def write_events(kas: list[Kernaktivitaet], per_ka: int = 2) -> list[AuditEvent]:
    events = []
    for n in range(per_ka):
        for ka in kas:
            events.append(
                AuditEvent.objects.create(
                    kernaktivitaet=ka,
                    action="submit",
                    from_status="proposed",
                    to_status="zirkel_review",
                    reason=f"Grund {n} – „Anführung“ ☃",
                    data={"b": [1, 2.5, None], "a": {"z": "ü", "y": True}},
                )
            )
    return events


def verify() -> str:
    from io import StringIO

    out = StringIO()
    call_command("verify_audit", batch_size=2, stdout=out)
    return out.getvalue()


def owner_sql(statement: str, params: list[str | int]) -> None:
    """What the owner of the table could do by hand: change a row behind the triggers' back."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(statement, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def test_events_link_to_their_predecessor_in_insert_order(kas):
    start = AuditChain.objects.filter(pk=AuditChain.HEAD).values_list("seq", "hash").first() or (
        0,
        GENESIS_HASH,
    )
    events = write_events(kas)
    stored = list(AuditEvent.objects.filter(seq__gt=start[0]).order_by("seq"))
    assert [e.pk for e in stored] == [e.pk for e in events]
    assert stored[0].previous_hash == start[1]
    assert all(later.previous_hash == earlier.hash for earlier, later in itertools.pairwise(stored))
    assert len({e.hash for e in stored}) == len(stored)
    assert AuditChain.objects.values_list("seq", "hash").get() == (stored[-1].seq, stored[-1].hash)


def test_verify_passes_on_intact_data_in_batches(kas):
    write_events(kas)
    last = AuditEvent.objects.order_by("-seq").first()
    assert last is not None
    assert verify().strip() == f"OK: {last.seq} (seq 1–{last.seq}) sha256={last.hash}"


def test_bulk_create_links_every_event(kas):
    AuditEvent.objects.bulk_create(
        [AuditEvent(kernaktivitaet=ka, action="bench", subject="", data={}) for ka in kas]
    )
    assert "OK" in verify()


def test_event_without_ka_names_its_subject(db):
    event = AuditEvent.objects.create(action="admin_group", subject="Gruppe Strategiezirkel", data={})
    assert event.kernaktivitaet is None
    assert "OK" in verify()
    owner_sql(f"UPDATE {AuditEvent._meta.db_table} SET subject = %s WHERE id = %s", ["Gruppe X", event.pk])
    with pytest.raises(CommandError, match=rf"event id={event.pk} KA=Gruppe X"):
        verify()


def test_altered_row_is_named_with_expected_and_stored_hash(kas):
    events = write_events(kas)
    victim = events[2]
    owner_sql(f"UPDATE {AuditEvent._meta.db_table} SET reason = %s WHERE id = %s", ["geändert", victim.pk])
    with pytest.raises(CommandError) as refused:
        verify()
    message = str(refused.value)
    assert f"seq={victim.seq} event id={victim.pk} KA={kas[2].code}" in message
    assert f"stored={victim.hash}" in message
    assert "expected=" in message and message.count(victim.hash) == 1


def test_rehashed_row_breaks_the_next_link(kas):
    events = write_events(kas)
    victim, following = events[1], events[2]
    owner_sql(
        f"UPDATE {AuditEvent._meta.db_table} SET reason = %s, hash = %s WHERE id = %s",
        ["geändert", "f" * 64, victim.pk],
    )
    with pytest.raises(CommandError, match=rf"seq={victim.seq} event id={victim.pk} .*stored={'f' * 64}"):
        verify()
    # Had the owner also fixed the following row's previous_hash, that row's own hash would break instead.
    owner_sql(
        f"UPDATE {AuditEvent._meta.db_table} SET previous_hash = %s WHERE id = %s", ["f" * 64, following.pk]
    )
    with pytest.raises(CommandError, match=rf"event id={victim.pk}"):
        verify()


def test_removed_row_is_named_by_the_gap(kas):
    events = write_events(kas)
    victim, following = events[3], events[4]
    owner_sql(f"DELETE FROM {AuditEvent._meta.db_table} WHERE id = %s", [victim.pk])
    with pytest.raises(CommandError) as refused:
        verify()
    message = str(refused.value)
    assert f"seq={following.seq} event id={following.pk}" in message
    assert f"seq {victim.seq}–{victim.seq} missing" in message
    assert f"expected={events[2].hash} stored={victim.hash}" in message


def test_removed_tail_is_found_by_the_chain_head(kas):
    events = write_events(kas)
    owner_sql(f"DELETE FROM {AuditEvent._meta.db_table} WHERE id = %s", [events[-1].pk])
    with pytest.raises(CommandError, match=r"1 event\(s\) missing at the end"):
        verify()


def test_command_exits_non_zero_on_a_broken_chain(kas):
    events = write_events(kas)
    owner_sql(f"UPDATE {AuditEvent._meta.db_table} SET action = %s WHERE id = %s", ["x", events[0].pk])
    with pytest.raises(SystemExit) as exited:
        VerifyAudit().run_from_argv(["manage.py", "verify_audit"])
    assert exited.value.code == 1


def test_python_refuses_changes(kas):
    event = write_events(kas, per_ka=1)[0]
    event.reason = "anders"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="anders")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_fork_the_chain():
    kompetenz = Kompetenz.objects.create(key="para", code="PAR", name="Parallel", position=92)
    kas = [Kernaktivitaet.objects.create(code=f"PAR.{n}", titel="KA", kompetenz=kompetenz) for n in range(8)]
    barrier = threading.Barrier(len(kas))
    errors: list[BaseException] = []

    def writer(ka: Kernaktivitaet) -> Callable[[], None]:
        def run() -> None:
            try:
                barrier.wait(timeout=10)
                for _ in range(5):
                    with transaction.atomic():
                        AuditEvent.objects.create(kernaktivitaet=ka, action="parallel", data={})
            except BaseException as exc:  # reported to the main thread
                errors.append(exc)
            finally:
                connections.close_all()

        return run

    threads = [threading.Thread(target=writer(ka)) for ka in kas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AuditEvent.objects.count() == 40
    assert sorted(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, 41))
    assert "OK: 40" in verify()
