"""Hostile input against every URL and every form, as every role and anonymous: never a server error.

Values come from hypothesis: huge and negative integers, NUL, lone surrogates, bidi controls, 1 MB strings,
dates at 0001-01-01 and 9999-12-31, fields missing and fields sent twice. Every request runs in a savepoint
that is rolled back, so each one meets the same world; a request that is refused must leave the database as it
found it, and a refusal speaks German.

The examples per test are few so that the module runs in about a minute on SQLite; FUZZ_EXAMPLES raises them
(the ``fuzz_heavy`` variants at the end run many more: FUZZ_HEAVY=1).
"""

import copy
import hashlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from governance.models import Dokument, Kernaktivitaet, Kompetenz, Statusbericht, StatusberichtState, Tranche
from tests.otp import verify_second_factor
from tests.people import make_ka, make_user, propose
from workflow import services
from workflow.flows import KaDecisionFlow
from workflow.grants import kompetenz_set_verantwortliche
from workflow.rights import Role, role_groups_ensure

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0"))
SETTINGS = {
    "deadline": None,
    "derandomize": not EXAMPLES,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    "database": None,
}

MEGABYTE = "x" * 1_000_000
FUZZ_PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
FIXED_HOSTILE = [
    "",
    "\x00",
    "VOR-01\x00",
    "a\x00b",
    "\ud800",
    "\udfff x",
    "\u202eevil\u202c",
    "\u2066Titel\u2069",
    "\u200f",
    "-1",
    "0",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "1" * 400,
    "²",
    "٣",
    " 1",
    "1e309",
    "nan",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "2026-02-30",
    "24:00",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "../../etc/passwd",
]
# The megabyte is one of the fixed values: drawn now and then, since every copy of it costs.
hostile_text = st.one_of(
    st.sampled_from([*FIXED_HOSTILE, MEGABYTE]),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.text(st.characters(codec=None, exclude_categories=[]), max_size=30),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat),
)
# Keys any page might read: the fields of the project's forms, the query parameters, the admin's.
COMMON_KEYS = [
    "page",
    "q",
    "task",
    "op",
    "action",
    "reason",
    "kind",
    "decision",
    "titel",
    "kompetenz",
    "schwerpunkt",
    "status",
    "sort",
    "name",
    "date",
    "start",
    "code",
    "reference",
    "paper_date",
    "session_date",
    "session_time",
    "deferred_to",
    "merge_target",
    "geplanter_start",
    "form_key",
    "inbox_page",
    "queue_page",
    "faellig",
    "sortierung",
    "tranche",
    "owed_page",
    "review_page",
    "next",
    "language",
    "username",
    "password",
    "otp_token",
    "_save",
    "_changelist_filters",
    "o",
    "p",
    "e",
    "all",
]
ENGLISH_DEFAULTS = (
    "This field is required",
    "Enter a valid",
    "Ensure this value",
    "Select a valid choice",
    "Null characters are not allowed",
    "Please correct the error",
)
GERMAN_REFUSALS = ("Bitte", "bitte", "Stellen Sie sicher", "Geben Sie", "Wählen Sie", "nicht", "Nullzeichen")


def encode_pairs(pairs: list[tuple[str, str]]) -> str:
    # Lone surrogates go out as the bytes a careless client would send.
    return urlencode(pairs, encoding="utf-8", errors="surrogatepass", quote_via=quote)


def pairs_of(keys: list[str], values: st.SearchStrategy[str], max_size: int = 8) -> st.SearchStrategy[Any]:
    """Fields drawn from ``keys``: any may be missing, any may come twice."""
    return st.lists(st.tuples(st.sampled_from(keys), values), max_size=max_size)


# --- the world ------


@dataclass
class World:
    users: dict[str, Any]
    proposal: Kernaktivitaet
    running: Kernaktivitaet
    in_council: Kernaktivitaet
    review_task: Task
    council_task: Task
    due: Statusbericht
    submitted: Statusbericht
    kompetenz: Kompetenz
    dokument: Dokument
    clients: dict[str, Client] = field(default_factory=dict)

    def client(self, role: str) -> Client:
        if role not in self.clients:
            client = Client(raise_request_exception=False)
            user = self.users.get(role)
            if user is not None:
                client.force_login(user)
                if user.is_staff:
                    verify_second_factor(client, user)
            self.clients[role] = client
        return self.clients[role]


def _open(ka: Kernaktivitaet, node: str) -> Task:
    return Task.objects.get(
        process__kaprocess__kernaktivitaet=ka,
        flow_task_type="HUMAN",
        status__in=[STATUS.NEW, STATUS.ASSIGNED],
        flow_task=getattr(KaDecisionFlow, node),
    )


@pytest.fixture
def world(db: None, settings: Any) -> World:
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        # Uploads that get through are kept in memory: a rolled-back request leaves no file on a disk.
        "dokumente": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    role_groups_ensure()
    users = {
        "projektgruppe": make_user("f_pg", Role.PROJEKTGRUPPE),
        "zirkel": make_user("f_zirkel", Role.STRATEGIEZIRKEL),
        "vorstand": make_user("f_vorstand", Role.VERWALTUNGSVORSTAND),
        "ratsbuero": make_user("f_ratsbuero", Role.RATSBUERO),
        "kompetenz": make_user("f_kompetenz", Role.KOMPETENZVERANTWORTLICHE),
        "beirat": make_user("f_beirat", Role.STRATEGIEBEIRAT),
        "nobody": make_user("f_nobody"),
        "admin": get_user_model().objects.create_superuser("f_admin", "f_admin@bochum.example"),
    }
    pg = users["projektgruppe"]
    kompetenz = Kompetenz.objects.create(key="fuzz", code="FUZ", name="Fuzzkompetenz", position=95)
    kompetenz_set_verantwortliche(kompetenz=kompetenz, users=[users["kompetenz"]])
    proposal = services.kernaktivitaet_create_proposal(actor=pg, kompetenz=kompetenz, titel="Entwurf")
    in_review = propose(actor=pg, kompetenz=kompetenz, titel="In Prüfung")
    services.kernaktivitaet_submit(actor=pg, kernaktivitaet=in_review)
    in_council = propose(actor=pg, kompetenz=kompetenz, titel="Im Rat")
    services.kernaktivitaet_submit(actor=pg, kernaktivitaet=in_council)
    forward = _open(in_council, "zirkel_review")
    services.task_decide(actor=users["zirkel"], task_id=forward.pk, action="zirkel_forward", reason="ja")
    board = _open(in_council, "board_decision")
    services.task_decide(actor=users["vorstand"], task_id=board.pk, action="board_approve")
    running = make_ka(kompetenz, "FUZ-01", lead=pg)
    due = Statusbericht.objects.create(kernaktivitaet=running, faellig_am=date(2026, 6, 30))
    submitted = Statusbericht.objects.create(
        kernaktivitaet=running,
        faellig_am=date(2025, 12, 31),
        state=StatusberichtState.SUBMITTED,
        text_oeffentlich="Sachstand",
    )
    return World(
        users=users,
        proposal=proposal,
        running=running,
        in_council=in_council,
        review_task=_open(in_review, "zirkel_review"),
        council_task=_open(in_council, "council_record"),
        due=due,
        submitted=submitted,
        kompetenz=kompetenz,
        # An internal document of the proposal, uploaded by its project group.
        dokument=services.dokument_upload(
            actor=pg,
            kernaktivitaet=proposal,
            uploaded_file=SimpleUploadedFile("Plan.pdf", FUZZ_PDF),
            oeffentlich=False,
        ),
    )


ROLES = [
    "anonymous",
    "projektgruppe",
    "zirkel",
    "vorstand",
    "ratsbuero",
    "kompetenz",
    "beirat",
    "nobody",
    "admin",
]
# Tables that sessions, login throttling and the admin's own log write to on any request.
UNTRACKED = ("django_session", "axes_", "django_admin_log", "otp_")


def fingerprint() -> str:
    """The state of every table of the product: row counts and the content of the rows that matter."""
    names = sorted(
        model._meta.db_table
        for model in apps.get_models()
        if not model._meta.db_table.startswith(UNTRACKED) and model._meta.managed
    )
    select = ", ".join(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(name)})" for name in names)
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select}")
        digest.update(repr(cursor.fetchone()).encode())
    rows = [
        Kernaktivitaet.objects.order_by("pk").values_list(
            "pk",
            "code",
            "status",
            "titel",
            "beschreibung",
            "smart_ziele",
            "geplanter_start",
            "geplantes_ende",
        ),
        Statusbericht.objects.order_by("pk").values_list("pk", "state", "text_oeffentlich", "rueckgabegrund"),
        Task.objects.order_by("pk").values_list("pk", "status", "owner_id"),
    ]
    for queryset in rows:
        digest.update(repr(list(queryset)).encode())
    return digest.hexdigest()


@dataclass
class Outcome:
    status: int
    body: str
    location: str
    changed: bool


WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


def send(world: World, role: str, method: str, url: str, pairs: list[tuple[str, str]]) -> Outcome:
    """One request in a savepoint that is rolled back afterwards: every request meets the same world.

    Whether it changed the database: any write to a product table during a refusal is compared as the
    fingerprint after the request against the fingerprint after the rollback (the state before)."""
    client = world.client(role)
    wrote: list[str] = []

    def watch(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if WRITES.match(sql) and not any(table in sql for table in UNTRACKED):
            wrote.append(sql)
        return execute(sql, params, many, context)

    after = ""
    # The session and language cookies as they were: a sign-out or a language switch is rolled back too.
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic(), connection.execute_wrapper(watch):
        if method == "GET":
            query = encode_pairs(pairs)
            response = client.generic("GET", f"{url}?{query}" if query else url)
        else:
            response = client.generic(
                "POST", url, encode_pairs(pairs), content_type="application/x-www-form-urlencoded"
            )
        if wrote:
            after = fingerprint()
        transaction.set_rollback(True)
    changed = bool(wrote) and fingerprint() != after
    client.cookies = cookies
    body = response.content.decode("utf-8", "replace") if not getattr(response, "streaming", False) else ""
    return Outcome(response.status_code, body, response.get("Location", ""), changed)


def check(outcome: Outcome, what: str, *, success_may_change: bool = True) -> None:
    assert outcome.status < 500, f"{what}: {outcome.status}"
    if outcome.status in (400, 403, 409):
        # A refusal in the product's pages speaks German.
        assert not any(english in outcome.body for english in ENGLISH_DEFAULTS), what
        if "<html" in outcome.body:
            assert 'lang="de"' in outcome.body, what
    succeeded = outcome.status in (301, 302, 303) and "anmelden" not in outcome.location
    if not (succeeded and success_may_change):
        assert not outcome.changed, f"{what}: refused ({outcome.status}) but the database changed"


# --- every URL pattern ------


def url_patterns() -> Iterator[tuple[str, Any]]:
    """(route template, pattern) of every URL the project serves, the admin, login and i18n included."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[tuple[str, Any]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + _template(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + _template(pattern.pattern), pattern

    yield from walk(get_resolver().url_patterns, "/")


def _template(pattern: Any) -> str:
    """The pattern as text with <name> placeholders (regex groups become placeholders too)."""
    if isinstance(pattern, RoutePattern):
        return re.sub(r"<(?:[^>:]+:)?([^>]+)>", r"<\1>", str(pattern))
    assert isinstance(pattern, RegexPattern)
    text = str(pattern).lstrip("^").rstrip("$").removeprefix("\\A").removesuffix("\\Z")

    def group(match: re.Match[str]) -> str:
        first = match.group(2).split("|")[0]
        return first if re.fullmatch(r"[\w-]+", first) else f"<{match.group(1)}>"

    text = re.sub(r"\(\?P<(\w+)>([^)]*)\)", group, text)
    return text.replace("\\", "")


HOSTILE_SEGMENTS = ["%00", "9" * 25, "0", "-1", "abc", "%E2%80%AE", "%C2%B2", "%ED%A0%80", "VOR-01%00"]


def path_values(world: World, route: str, name: str) -> list[str]:
    """Real values for a placeholder of ``route`` (so the view is reached), then hostile ones."""
    if name == "task_id":
        real = [world.review_task.pk, world.council_task.pk]
    elif route.startswith("/berichte/"):
        real = [world.due.pk, world.submitted.pk]
    elif route.startswith("/vorschlaege/"):
        real = [world.proposal.pk]
    elif route.startswith("/kernaktivitaeten/<code>/dokumente/") and name == "pk":
        real = [world.dokument.pk]
    elif name == "code":
        real = [world.proposal.code, world.running.code]
    elif route.startswith("/admin/") and name in ("object_id", "object_pk"):
        app_label, model_name = route.split("/")[2:4]
        try:
            model = apps.get_model(app_label, model_name)
        except (LookupError, ValueError):
            real = [1]
        else:
            real = list(model._default_manager.order_by("pk").values_list("pk", flat=True)[:1]) or [1]
    elif name == "user_id":
        real = [world.users["projektgruppe"].pk]
    else:
        real = [1]
    return [quote(str(value), safe="") for value in real] + HOSTILE_SEGMENTS


def concrete_urls(world: World) -> list[tuple[str, str, bool]]:
    """(route, URL, hostile) for every pattern: each placeholder filled with a real value, then in turn with
    hostile ones (two for the admin's many generic pages, all for the product's own)."""
    urls: list[tuple[str, str, bool]] = []
    for route, _pattern in url_patterns():
        names = re.findall(r"<(\w+)>", route)
        variants = {name: path_values(world, route, name) for name in names}
        real = {name: values[0] for name, values in variants.items()}
        urls.append((route, _fill(route, real), False))
        for name, values in variants.items():
            hostile = values[1:3] if route.startswith("/admin/") else values[1:]
            urls.extend((route, _fill(route, {**real, name: value}), True) for value in hostile)
    return urls


def _fill(route: str, values: dict[str, str]) -> str:
    return re.sub(r"<(\w+)>", lambda match: values[match.group(1)], route)


def test_every_url_pattern_is_reached(world: World) -> None:
    """The sweep below reaches the project's own pages and the admin, login and i18n ones."""
    routes = {route for route, _pattern in url_patterns()}
    for expected in (
        "/",
        "/kernaktivitaeten/<code>/antrag/",
        "/kernaktivitaeten/<code>/dokumente/",
        "/kernaktivitaeten/<code>/dokumente/<pk>/",
        "/kernaktivitaeten/<code>/diskussion/",
        "/aufgaben/ratsbeschluss/",
        "/admin/governance/kernaktivitaet/<object_id>/change/",
        "/anmelden/",
        "/i18n/setlang/",
        "/mail-einstellungen/",
    ):
        assert expected in routes
    assert len(routes) > 100


# The admin's pages all sit behind one access check: a role without staff rights is sent to the sign-in on
# every one of them. The quick sweep tries that check with anonymous and a roleless user; the slow one with
# every role.
ADMIN_OUTSIDERS = ("anonymous", "nobody")


def sweep(world: World, data: st.DataObject, *, full: bool) -> int:
    """Send every URL its hostile requests; ``full`` adds the admin's pages as every role, POSTs to them and a
    second hostile placeholder each (the quick run: the superuser GETs each admin page and one with a NUL in
    its placeholder; anonymous and a roleless user meet the admin's access check on every page)."""
    urls = concrete_urls(world)
    query = pairs_of(COMMON_KEYS, hostile_text, max_size=4)
    admin_hostile_urls: set[str] = set()
    for route in {route for route, _url, _hostile in urls if route.startswith("/admin/")}:
        variants = [url for other, url, hostile in urls if other == route and hostile]
        admin_hostile_urls |= set(variants[: 2 if full else 1])
    sent = 0
    for role in ROLES:
        for route, url, hostile in urls:
            admin = route.startswith("/admin/")
            if admin and role != "admin" and not (full or role in ADMIN_OUTSIDERS):
                continue
            # A hostile placeholder meets the same converter for everybody: two roles try them.
            if hostile and (role not in ("admin", "projektgruppe") or (admin and role != "admin")):
                continue
            if hostile and admin and url not in admin_hostile_urls:
                continue
            methods = ("GET", "POST") if full or not admin or role != "admin" else ("GET",)
            for method in methods:
                outcome = send(world, role, method, url, data.draw(query, label=f"{role} {method} {url}"))
                # The admin's own forms save what the superuser enters: only refusals must change nothing.
                check(outcome, f"{role} {method} {url}")
                sent += 1
    return sent


@settings(max_examples=EXAMPLES or 1, **SETTINGS)  # type: ignore[arg-type]
@given(data=st.data())
def test_every_url_as_every_role_never_fails(world: World, data: st.DataObject) -> None:
    """Every URL pattern with its placeholders real and hostile, with generated hostile fields: the product's
    pages GET and POST as every role and anonymous, the admin's as the superuser (GET), anonymous and a
    roleless user (GET and POST). Never a 500, and a refused POST changes nothing."""
    assert sweep(world, data, full=False) > 500


@pytest.mark.fuzz_heavy
@settings(max_examples=EXAMPLES or 3, **SETTINGS)  # type: ignore[arg-type]
@given(data=st.data())
def test_every_url_as_every_role_never_fails_heavy(world: World, data: st.DataObject) -> None:
    """The sweep with the admin's pages as every role too and two hostile placeholders each (FUZZ_HEAVY=1)."""
    sweep(world, data, full=True)


# --- every form of the product ------


@dataclass
class Form:
    """A form of the product: who fills it in, where, its fields with values that pass, and its refusal."""

    role: str
    url: Callable[[World], str]
    valid: Callable[[World], dict[str, list[str]]]
    method: str = "POST"


def _dates() -> list[str]:
    today = date.today()
    return [(today + timedelta(days=30)).isoformat(), (today + timedelta(days=60)).isoformat()]


FORMS: dict[str, Form] = {
    "proposal_create": Form(
        "projektgruppe",
        lambda w: "/vorschlaege/neu/",
        lambda w: {
            "kompetenz": [str(w.kompetenz.pk)],
            "titel": ["Radwege"],
            "beschreibung": ["Text"],
            "smart_ziele": ["20 km"],
            "geplanter_start": ["2027-01-01"],
            "geplantes_ende": ["2028-01-01"],
            "form_key": ["2b1f0d4e-7f43-4f7a-9c7e-5b8d8b3a6f10"],
        },
    ),
    "proposal_edit": Form(
        "projektgruppe",
        lambda w: f"/vorschlaege/{w.proposal.pk}/",
        lambda w: {
            "op": ["save", "submit"],
            "titel": ["Radwege"],
            "beschreibung": ["Text"],
            "smart_ziele": ["20 km bis 2028"],
            "geplanter_start": ["2027-01-01"],
            "geplantes_ende": ["2028-01-01"],
            "ausgangslage": ["Lücken im Netz"],
            "massnahmen": ["Bauen"],
            "risiken": ["Preise"],
            "personal_vzae": ["1.5", "0"],
            "externe_partner": ["USB Bochum"],
            **{
                f"{prefix}-{name}": [value]
                for prefix in ("kennzahlen", "meilensteine", "ressourcen")
                for name, value in (("TOTAL_FORMS", "1"), ("INITIAL_FORMS", "0"), ("MAX_NUM_FORMS", "30"))
            },
            "kennzahlen-0-name": ["Radweg"],
            "kennzahlen-0-einheit": ["km"],
            "kennzahlen-0-ausgangswert": ["0"],
            "kennzahlen-0-ausgangsdatum": ["2025-01-01"],
            "kennzahlen-0-zielwert": ["20"],
            "kennzahlen-0-zieldatum": ["2028-01-01"],
            "kennzahlen-0-richtung": ["hoeher", "niedriger"],
            "kennzahlen-0-datenquelle": ["Tiefbauamt"],
            "kennzahlen-0-DELETE": ["", "on"],
            "meilensteine-0-name": ["Planung"],
            "meilensteine-0-geplant_am": ["2027-06-30"],
            "ressourcen-0-jahr": ["2027"],
            "ressourcen-0-kosten_eur": ["100000"],
            "ressourcen-0-haushalt_eur": ["100000"],
            "mitglieder": [str(w.users["projektgruppe"].pk)],
            "projektleitung": [str(w.users["projektgruppe"].pk)],
        },
    ),
    "task_decide": Form(
        "zirkel",
        lambda w: f"/aufgaben/{w.review_task.pk}/",
        lambda w: {
            "op": ["decide", "claim", "release"],
            "action": ["zirkel_forward", "zirkel_return"],
            "reason": ["Empfehlung"],
        },
    ),
    "ka_request": Form(
        "projektgruppe",
        lambda w: f"/kernaktivitaeten/{w.running.code}/antrag/",
        lambda w: {
            "kind": ["propose_completion", "propose_stop", "propose_merge"],
            "reason": ["fertig"],
            "merge_target": [str(w.running.pk)],
        },
    ),
    "council": Form(
        "ratsbuero",
        lambda w: f"/aufgaben/ratsbeschluss/?task={w.council_task.pk}",
        lambda w: {
            "reference": ["20260815"],
            "name": ["Drucksache"],
            "paper_date": [date.today().isoformat()],
            "session_date": [date.today().isoformat()],
            "session_time": ["15:00"],
            "agenda_number": ["7.1"],
            "tranche": ["", *(str(pk) for pk in Tranche.objects.values_list("pk", flat=True))],
            f"t{w.council_task.pk}_result": ["adopted", "adopted_amended", "rejected", "deferred"],
            f"t{w.council_task.pk}_text": ["geändert"],
            f"t{w.council_task.pk}_deferred_to": _dates(),
        },
    ),
    "statusbericht_submit": Form(
        "projektgruppe",
        lambda w: f"/berichte/{w.due.pk}/",
        lambda w: {
            "ampel_zeitplan": ["gruen", "gelb", "rot"],
            "ampel_budget": ["gruen"],
            "ampel_umfang": ["rot"],
            "fortschritt_prozent": ["0", "50", "100"],
            "meilensteine_erreicht": ["A"],
            "meilensteine_naechste": ["B"],
            "text_oeffentlich": ["Sachstand"],
            "text_intern": ["intern"],
            "risiken": ["keine"],
        },
    ),
    "statusbericht_review": Form(
        "zirkel",
        lambda w: f"/berichte/{w.submitted.pk}/",
        lambda w: {"op": ["review"], "decision": ["accept", "return"], "reason": ["unklar"]},
    ),
    "preferences": Form(
        "projektgruppe",
        lambda w: "/mail-einstellungen/",
        lambda w: {
            "vorab_erinnerungen": ["on", ""],
            "wochenuebersicht": ["on", ""],
            "kommentare": ["on", ""],
        },
    ),
    "discussion": Form(
        "projektgruppe",
        lambda w: f"/kernaktivitaeten/{w.proposal.code}/diskussion/",
        lambda w: {
            "kommentar-text": ["Bitte die Kennzahlen prüfen"],
            "next": [
                f"/vorschlaege/{w.proposal.pk}/",
                f"/aufgaben/{w.review_task.pk}/",
                "https://evil.example/",
            ],
        },
    ),
    # Sent as a plain form: the file is missing, or the op removes the world's document; the file itself is
    # fuzzed by test_hostile_uploads_are_refused_in_german_and_write_nothing below.
    "dokumente": Form(
        "projektgruppe",
        lambda w: f"/kernaktivitaeten/{w.proposal.code}/dokumente/",
        lambda w: {"oeffentlich": ["on", ""], "op": ["remove", "upload"], "dokument": [str(w.dokument.pk)]},
    ),
    "overview_filters": Form(
        "anonymous",
        lambda w: "/kernaktivitaeten/",
        lambda w: {
            "q": ["Rad"],
            "kompetenz": [str(w.kompetenz.pk)],
            "status": ["running"],
            "overdue": ["on"],
            "sort": ["-titel"],
            "page": ["2"],
        },
        method="GET",
    ),
    "inbox_filters": Form(
        "zirkel",
        lambda w: "/aufgaben/",
        lambda w: {
            "q": ["Entwurf", w.proposal.code],
            "kompetenz": [str(w.kompetenz.pk)],
            "faellig": ["ueberfaellig", "7tage"],
            "sortierung": ["ueberfaellig"],
            "queue_page": ["2"],
            "inbox_page": ["1"],
        },
        method="GET",
    ),
    "set_language": Form(
        "anonymous", lambda w: "/i18n/setlang/", lambda w: {"language": ["de", "en"], "next": ["/"]}
    ),
}


def form_fields(world: World, form: Form) -> st.SearchStrategy[list[tuple[str, str]]]:
    """The form's fields, each valid or hostile, some missing, some twice; sometimes a stranger's field."""
    valid = form.valid(world)
    keys = [*valid, "unknown"]

    def value_for(key: str) -> st.SearchStrategy[str]:
        return st.one_of(st.sampled_from(valid.get(key, [""])), hostile_text)

    return st.lists(st.sampled_from(keys), max_size=len(keys) + 2).flatmap(
        lambda chosen: st.tuples(*(st.tuples(st.just(key), value_for(key)) for key in chosen)).map(list)
    )


@pytest.mark.parametrize("name", sorted(FORMS))
@settings(max_examples=EXAMPLES or 12, **SETTINGS)  # type: ignore[arg-type]
@given(data=st.data())
def test_form_refuses_hostile_values_in_german_and_writes_nothing(
    world: World, name: str, data: st.DataObject
) -> None:
    form = FORMS[name]
    role = data.draw(st.sampled_from([form.role, form.role, *ROLES]), label="role")
    pairs = data.draw(form_fields(world, form), label="fields")
    url = form.url(world)
    outcome = send(world, role, form.method, url, pairs)
    check(outcome, f"{name} as {role}")
    if outcome.status == 400 and role == form.role and "<form" in outcome.body:
        # The form came back with its errors: the summary and the messages are German.
        assert "Bitte prüfen Sie Ihre Angaben" in outcome.body or any(
            word in outcome.body for word in GERMAN_REFUSALS
        )


@pytest.mark.parametrize(
    ("name", "fields", "message"),
    [
        ("proposal_create", {"titel": "\x00"}, "Nullzeichen"),
        ("proposal_create", {"titel": "x" * 201}, "höchstens 200 Zeichen"),
        ("proposal_create", {"beschreibung": MEGABYTE}, "höchstens 10000 Zeichen"),
        ("proposal_create", {"geplanter_start": "0001-01-01"}, "Bitte geben Sie ein Datum zwischen"),
        ("proposal_create", {"geplantes_ende": "9999-12-31"}, "Bitte geben Sie ein Datum zwischen"),
        ("proposal_create", {"kompetenz": "9223372036854775808"}, "Bitte eine gültige Auswahl treffen"),
        ("proposal_create", {"form_key": "²"}, "Das Formular ist beschädigt"),
        ("proposal_edit", {"ausgangslage": MEGABYTE}, "höchstens 10000 Zeichen"),
        ("proposal_edit", {"kennzahlen-0-zielwert": "9" * 30}, "höchstens 18 Ziffern"),
        ("proposal_edit", {"kennzahlen-0-zieldatum": "9999-12-31"}, "Bitte geben Sie ein Datum zwischen"),
        ("proposal_edit", {"meilensteine-0-geplant_am": "0001-01-01"}, "Bitte geben Sie ein Datum zwischen"),
        ("proposal_edit", {"meilensteine-0-name": "\x00"}, "Nullzeichen"),
        ("proposal_edit", {"ressourcen-0-kosten_eur": "-1"}, "größer oder gleich 0"),
        ("proposal_edit", {"ressourcen-0-jahr": "9223372036854775808"}, "kleiner oder gleich 2100"),
        ("proposal_edit", {"kennzahlen-TOTAL_FORMS": "9223372036854775808"}, "höchstens 30"),
        ("proposal_edit", {"mitglieder": "9223372036854775808"}, "ist kein gültiger Wert"),
        ("proposal_edit", {"op": "submit", "ausgangslage": ""}, "Bitte beschreiben Sie die Ausgangslage."),
        ("task_decide", {"action": "zirkel_forward", "reason": "x" * 2001}, "höchstens 2000 Zeichen"),
        ("council", {"session_date": "9999-12-31"}, "Bitte geben Sie ein Datum zwischen"),
        ("council", {"paper_date": "0001-01-01"}, "Bitte geben Sie ein Datum zwischen"),
        ("council", {"name": "\x00"}, "Nullzeichen"),
        ("council", {"tranche": "9223372036854775808"}, "Bitte wählen Sie eine der angebotenen Tranchen."),
        ("statusbericht_submit", {"text_oeffentlich": MEGABYTE}, "höchstens 10000 Zeichen"),
        ("statusbericht_submit", {"fortschritt_prozent": "9223372036854775808"}, "ganze Zahl von 0 bis 100"),
        ("statusbericht_review", {"decision": "return", "reason": "x" * 2001}, "höchstens 2000 Zeichen"),
        ("discussion", {"kommentar-text": "\x00"}, "Nullzeichen"),
        ("discussion", {"kommentar-text": "a\x00b"}, "Nullzeichen"),
        ("discussion", {"kommentar-text": MEGABYTE}, "höchstens 2000 Zeichen"),
        ("discussion", {"kommentar-text": " \u202e "}, "Bitte schreiben Sie einen Kommentar."),
    ],
)
def test_named_refusal_is_german_and_writes_nothing(
    world: World, name: str, fields: dict[str, str], message: str
) -> None:
    form = FORMS[name]
    valid = {key: values[0] for key, values in form.valid(world).items()}
    outcome = send(world, form.role, "POST", form.url(world), list({**valid, **fields}.items()))
    assert outcome.status == 400, outcome.body[:2000]
    assert message in outcome.body
    assert not outcome.changed


@pytest.mark.fuzz_heavy
@pytest.mark.parametrize("name", sorted(FORMS))
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_form_fuzz_heavy(world: World, name: str, data: st.DataObject) -> None:
    """The same as the form test above with many more examples (FUZZ_HEAVY=1)."""
    form = FORMS[name]
    role = data.draw(st.sampled_from(ROLES), label="role")
    outcome = send(world, role, form.method, form.url(world), data.draw(form_fields(world, form)))
    check(outcome, f"{name} as {role}")


# --- hostile files ------

FUZZ_PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
UPLOAD_BOUNDARY = "fuzzboundary7MA4YWxkTrZu0gW"


def multipart(filename: str, content: bytes, fields: dict[str, str]) -> bytes:
    """A multipart body as a careless or hostile client sends it: the file name as it is (lone surrogates
    as their bytes), no escaping."""
    dash = f"--{UPLOAD_BOUNDARY}".encode()
    parts = [
        dash + f'\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    header = b'\r\nContent-Disposition: form-data; name="datei"; filename="'
    header += filename.encode("utf-8", "surrogatepass")
    header += b'"\r\nContent-Type: application/pdf\r\n\r\n'
    parts.append(dash + header + content + b"\r\n")
    return b"".join(parts) + dash + b"--\r\n"


def send_upload(
    world: World, role: str, url: str, filename: str, content: bytes
) -> tuple[Outcome, list[str]]:
    """One upload in a savepoint that is rolled back, like ``send``; also the names of the documents the
    request created (read before the rollback)."""
    client = world.client(role)
    known = set(Dokument.objects.values_list("pk", flat=True))
    wrote: list[str] = []

    def watch(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if WRITES.match(sql) and not any(table in sql for table in UNTRACKED):
            wrote.append(sql)
        return execute(sql, params, many, context)

    after = ""
    with transaction.atomic(), connection.execute_wrapper(watch):
        response = client.generic(
            "POST",
            url,
            multipart(filename, content, {"oeffentlich": "on"}),
            content_type=f"multipart/form-data; boundary={UPLOAD_BOUNDARY}",
        )
        created = list(Dokument.objects.exclude(pk__in=known).values_list("name", flat=True))
        if wrote:
            after = fingerprint()
        transaction.set_rollback(True)
    changed = bool(wrote) and fingerprint() != after
    body = response.content.decode("utf-8", "replace")
    return Outcome(response.status_code, body, response.get("Location", ""), changed), created


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("leer.pdf", b"", "Datei ist leer"),
        (
            "Bericht.pdf",
            b"Kein PDF, nur Text mit der Endung .pdf",
            "Diese Art von Datei wird nicht angenommen",
        ),
        ("Bild.pdf", FUZZ_PNG, "Der Dateiname passt nicht zum Inhalt"),
        ("../../etc/passwd", FUZZ_PDF, "Der Dateiname passt nicht zum Inhalt"),
        ("\u202efdp.exe", FUZZ_PDF, "Der Dateiname passt nicht zum Inhalt"),
        ("Bericht.pdf", FUZZ_PDF + b"0" * 5000, "Die Datei ist zu groß"),
        ("", FUZZ_PDF, "Dieses Feld ist zwingend erforderlich"),
        ("<script>alert(1)</script>.html", b"<script>alert(1)</script>", "nicht angenommen"),
    ],
)
def test_hostile_uploads_are_refused_in_german_and_write_nothing(
    world: World, settings: Any, filename: str, content: bytes, message: str
) -> None:
    settings.DOKUMENT_MAX_BYTES = settings.UPLOAD_MAX_BYTES = 4096
    url = f"/kernaktivitaeten/{world.proposal.code}/dokumente/"
    outcome, created = send_upload(world, "projektgruppe", url, filename, content)
    check(outcome, f"upload {filename!r}")
    assert outcome.status == 400, outcome.body[:2000]
    assert message in outcome.body
    assert "Bitte prüfen Sie Ihre Angaben" in outcome.body
    assert created == [] and not outcome.changed


@pytest.mark.parametrize(
    ("filename", "kept"),
    [
        ("a\x00b.pdf", "ab.pdf"),
        # Django cuts a long name to 255 characters, the product to 200; a name beyond Django's header limit
        # is refused with the German page of a bad request.
        ("y" * 400 + ".pdf", "y" * 196 + ".pdf"),
        ("x" * 20000 + ".pdf", None),
        ("\ud800 Bericht.pdf", None),
        ("C:\\Users\\x\\Plan.pdf", "Plan.pdf"),
    ],
)
def test_a_hostile_name_of_a_good_file_is_cleaned_or_refused(
    world: World, filename: str, kept: str | None
) -> None:
    """A NUL, a huge name or folders in the name of a real PDF: kept as a clean name, or refused in German;
    never a server error."""
    url = f"/kernaktivitaeten/{world.proposal.code}/dokumente/"
    for role in ROLES:
        outcome, created = send_upload(world, role, url, filename, FUZZ_PDF)
        check(outcome, f"upload {filename!r} as {role}")
        if role == "projektgruppe" and kept is not None:
            assert (outcome.status, created) == (302, [kept])
        assert all("\x00" not in name and len(name) <= 200 for name in created)
