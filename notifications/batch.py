"""What the mails of one delivery batch read, loaded once for the whole batch.

Before a batch's mails are built, ``emails.build_message.prefetch`` loads everything their kinds read
(reports, KA, audit events, comments, council sessions, rules, the people behind KA, Kompetenzen and roles,
deputies, addresses and opt-outs) with a fixed number of queries, whatever the size of the batch. Every read
goes through the ``Batch`` of the current claim (``outbox.batch_scope``): what the prefetch loaded is served
from memory, anything else (a row built alone, a test) is loaded by the same bulk loader for just the keys
asked, so both paths give the same answer.
"""

from collections.abc import Callable, Hashable, Iterable
from datetime import date
from typing import Any, Generic, TypeVar

from django.contrib.auth import get_user_model
from django.db.models import Max

from governance.models import AuditEvent, Kernaktivitaet, Resolution, Statusbericht
from outbox.delivery import batch_scope
from workflow import people
from workflow.discussion_selectors import kommentar_rows
from workflow.models import DeadlineSettings, Kommentar

from .models import NotificationPreference, ReminderRule

User = get_user_model()

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Table(Generic[K, V]):
    """Values by key, loaded in bulk by ``loader``; a key the loader does not return reads as ``default``."""

    def __init__(
        self, loader: Callable[[set[K]], dict[K, V]], default: Callable[[], V | None] = lambda: None
    ):
        self.loader = loader
        self.default = default
        self.values: dict[K, V | None] = {}

    def load(self, keys: Iterable[K]) -> None:
        missing = {key for key in keys if key is not None and key not in self.values}
        if not missing:
            return
        found = self.loader(missing)
        for key in missing:
            self.values[key] = found.get(key, self.default())

    def get(self, key: K) -> V | None:
        self.load([key])
        return self.values.get(key)


def load_berichte(ids: set[int]) -> dict[int, Statusbericht]:
    return Statusbericht.objects.select_related(
        "kernaktivitaet__kompetenz", "eingereicht_von", "geprueft_von"
    ).in_bulk(ids)


def load_kas(ids: set[int]) -> dict[int, Kernaktivitaet]:
    return Kernaktivitaet.objects.select_related("kompetenz").in_bulk(ids)


def load_events(ids: set[int]) -> dict[int, AuditEvent]:
    return AuditEvent.objects.select_related(
        "kernaktivitaet", "actor", "on_behalf_of", "resolution__consultation__meeting"
    ).in_bulk(ids)


def load_kommentare(ids: set[int]) -> dict[int, Kommentar]:
    """Comments with their KA (and its Kompetenz), author, deputy and version number."""
    return kommentar_rows().filter(pk__in=ids).select_related("kernaktivitaet__kompetenz").in_bulk()


def load_entries(keys: set[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """The latest audit event that brought a KA into a state, by (KA, state)."""
    rows = (
        AuditEvent.objects.filter(kernaktivitaet_id__in={ka for ka, _status in keys})
        .values_list("kernaktivitaet_id", "to_status")
        .annotate(latest=Max("pk"))
        .order_by()
    )
    return {(ka, status): latest for ka, status, latest in rows if (ka, status) in keys}


def load_sessions(ids: set[int]) -> dict[int, date]:
    """The session a council decision was last deferred to, by KA."""
    rows = (
        Resolution.objects.filter(kernaktivitaet_id__in=ids, deferred_to__isnull=False)
        .values_list("kernaktivitaet_id")
        .annotate(session=Max("deferred_to"))
        .order_by()
    )
    return dict(rows)


def load_addresses(ids: set[int]) -> dict[int, str]:
    """The address of each active person who has one."""
    return dict(User.objects.filter(pk__in=ids, is_active=True).exclude(email="").values_list("pk", "email"))


def load_opt_outs(ids: set[int]) -> dict[int, set[str]]:
    """The preference fields each person switched off."""
    fields = ("vorab_erinnerungen", "wochenuebersicht", "kommentare")
    return {
        user: {name for name, on in zip(fields, values, strict=True) if not on}
        for user, *values in NotificationPreference.objects.filter(user_id__in=ids).values_list(
            "user_id", *fields
        )
    }


class Batch:
    """The reads of one batch of mails."""

    def __init__(self) -> None:
        self.berichte: Table[int, Statusbericht] = Table(load_berichte)
        self.kas: Table[int, Kernaktivitaet] = Table(load_kas)
        self.events: Table[int, AuditEvent] = Table(load_events)
        self.kommentare: Table[int, Kommentar] = Table(load_kommentare)
        self.entries: Table[tuple[int, str], int] = Table(load_entries)
        self.sessions: Table[int, date] = Table(load_sessions)
        self.projektgruppen: Table[int, set[int]] = Table(people.load_projektgruppen, set)
        self.kompetenz_people: Table[int, set[int]] = Table(people.load_kompetenz_people, set)
        self.roles: Table[str, set[int]] = Table(people.load_roles, set)
        self.deputies: Table[date, dict[int, set[int]]] = Table(people.load_deputies, dict)
        self.addresses: Table[int, str] = Table(load_addresses)
        self.opt_outs: Table[int, set[str]] = Table(load_opt_outs, set)
        self.prepared: dict[int, Any] = {}
        self._settings: DeadlineSettings | None = None
        self._rules: dict[int, ReminderRule] | None = None

    @property
    def settings(self) -> DeadlineSettings:
        if self._settings is None:
            self._settings = DeadlineSettings.get()
        return self._settings

    @property
    def rules(self) -> dict[int, ReminderRule]:
        """Every reminder rule (a handful), by id."""
        if self._rules is None:
            self._rules = ReminderRule.objects.in_bulk()
        return self._rules


_current: dict[str, Batch] = {}


def current() -> Batch:
    """The batch of the current claim; outside a batch a fresh one, shared by nothing."""
    scope = batch_scope.get()
    if not scope:
        return Batch()
    if scope not in _current:
        _current.clear()
        _current[scope] = Batch()
    return _current[scope]
