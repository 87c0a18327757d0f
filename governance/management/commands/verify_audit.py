"""Walks the audit chain from its first link and names the first one that does not hold.

Reads in batches by chain position, so memory stays the same however long the trail is. Exit status 0 and a
one-line summary when every link holds; exit status 1 and the first broken link otherwise (a changed row, a
removed row, or rows missing at the end of the chain)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance.models import AuditChain, AuditEvent
from governance.models.audit import CHAINED_FIELDS, GENESIS_HASH, chain_hash


class Command(BaseCommand):
    help = "Check the hash chain of the audit trail; exit status 1 names the first broken link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args: Any, batch_size: int = 2000, **options: Any) -> None:
        batch_size = max(1, batch_size)
        fields = ("pk", "kernaktivitaet__code", "subject", "previous_hash", "hash", *CHAINED_FIELDS)
        expected_seq, previous, checked = 1, GENESIS_HASH, 0
        while True:
            rows = list(
                AuditEvent.objects.filter(seq__gte=expected_seq).order_by("seq").values(*fields)[:batch_size]
            )
            if not rows:
                break
            for row in rows:
                self._check(row, expected_seq, previous)
                previous = row["hash"]
                expected_seq = row["seq"] + 1
                checked += 1
        last_seq = expected_seq - 1
        head = AuditChain.objects.filter(pk=AuditChain.HEAD).values("seq", "hash").first()
        if head is None and checked:
            raise CommandError(f"BROKEN: chain head missing; last link seq={last_seq} sha256={previous}")
        if head is not None and (head["seq"], head["hash"]) != (last_seq, previous):
            raise CommandError(
                f"BROKEN after seq={last_seq}: chain head expects seq={head['seq']} "
                f"sha256={head['hash']}, last stored link sha256={previous} "
                f"({head['seq'] - last_seq} event(s) missing at the end)"
            )
        self.stdout.write(f"OK: {checked} (seq 1–{last_seq}) sha256={previous}")

    @staticmethod
    def _check(row: dict[str, Any], expected_seq: int, previous: str) -> None:
        about = row["kernaktivitaet__code"] or row["subject"] or "–"
        where = f"seq={row['seq']} event id={row['pk']} KA={about}"
        if row["seq"] != expected_seq:
            raise CommandError(
                f"BROKEN at {where}: seq {expected_seq}–{row['seq'] - 1} missing; "
                f"previous_hash expected={previous} stored={row['previous_hash']}"
            )
        if row["previous_hash"] != previous:
            raise CommandError(
                f"BROKEN at {where}: previous_hash expected={previous} stored={row['previous_hash']}"
            )
        expected = chain_hash(row, previous)
        if row["hash"] != expected:
            raise CommandError(f"BROKEN at {where}: hash expected={expected} stored={row['hash']}")
