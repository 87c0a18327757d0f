"""No page shows a raw action code: every code the product writes into the audit trail has one German label
(translated by the catalog), and a code the product does not know gets a generic label, never itself."""

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from governance.audit import AdminAction
from governance.models import AuditAction, AuditEvent, KaStatus, Kernaktivitaet, audit_action_label
from governance.models.audit import UNKNOWN_ACTION_LABEL
from tests.people import client_for
from workflow import services
from workflow.rights import Action

from .helpers import open_task

ROOT = Path(settings.BASE_DIR)
UNKNOWN = "frobnicate_thing"


def written_codes() -> set[str]:
    """Every action code the code writes: the enums, plus each literal or constant passed as ``action=`` or
    to the report audit helper in the apps' sources."""
    codes = set(Action.values) | set(AuditAction.values)
    codes |= {value for name, value in vars(AdminAction).items() if name.isupper()}
    literal = re.compile(r"""(?:action=|_audit\([^)]*,\s*)["']([a-z_]+)["']""")
    constant = re.compile(r"(?:AuditAction|Action)\.([A-Z_]+)")
    for app in ("governance", "workflow", "notifications"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            codes |= set(literal.findall(text))
            for name in constant.findall(text):
                member = getattr(AuditAction, name, None) or getattr(Action, name, None)
                if member is not None:
                    codes.add(member.value)
    return codes


def test_every_code_the_product_writes_has_its_own_label() -> None:
    codes = written_codes()
    assert {"zirkel_forward", "submit", "create", "statusbericht_accepted", "admin_change"} <= codes
    assert codes <= set(AuditAction.values), codes - set(AuditAction.values)
    for code in codes:
        assert audit_action_label(code) != str(UNKNOWN_ACTION_LABEL), code


def test_an_unknown_code_gets_a_generic_label() -> None:
    assert audit_action_label(UNKNOWN) == str(UNKNOWN_ACTION_LABEL)


def test_the_council_record_names_the_councils_result() -> None:
    assert audit_action_label("council_record", {"result": "adopted"}) == "Vom Rat beschlossen"
    assert audit_action_label("council_record", {"result": "deferred"}) == "Im Rat vertagt"


@pytest.fixture
def trail(people: Any, kompetenz: Any) -> Kernaktivitaet:
    """A KA whose trail holds one event of every code (and one the product does not know)."""
    ka = Kernaktivitaet.objects.create(
        code="PRF-99", titel="Alle Schritte", kompetenz=kompetenz, status=KaStatus.RUNNING
    )
    for code in sorted(written_codes() | {UNKNOWN}):
        AuditEvent.objects.create(kernaktivitaet=ka, action=code, actor=people.zirkel)
    return ka


def _raw_codes_in(html: str) -> set[str]:
    words = set(re.findall(r"[A-Za-z_]+", re.sub(r"<[^>]+>", " ", html)))
    return {code for code in written_codes() | {UNKNOWN} if code in words}


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_staff_history_shows_no_raw_code(trail: Kernaktivitaet, language: str) -> None:
    history = list(AuditEvent.objects.filter(kernaktivitaet=trail).select_related("actor", "on_behalf_of"))
    with translation.override(language):
        html = render_to_string("workflow/_history.html", {"history": history})
    assert _raw_codes_in(html) == set()
    assert str(UNKNOWN_ACTION_LABEL) in html or language == "en"


def _timeline(html: str) -> str:
    start = html.index('id="timeline-heading"')
    return html[start : html.index("</ol>", start)]


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("reader", ["public", "zirkel"])
def test_the_ka_page_history_shows_no_raw_code(
    trail: Kernaktivitaet, people: Any, language: str, reader: str
) -> None:
    client = Client() if reader == "public" else client_for(people.zirkel)
    response = client.get(f"/kernaktivitaeten/{trail.code}/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    timeline = _timeline(response.content.decode())
    assert _raw_codes_in(timeline) == set()


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_task_page_history_shows_no_raw_code(
    proposal: Kernaktivitaet, people: Any, language: str
) -> None:
    services.kernaktivitaet_submit(actor=people.pg, kernaktivitaet=proposal)
    task = open_task(proposal, "zirkel_review")
    for code in sorted(written_codes() | {UNKNOWN}):
        AuditEvent.objects.create(kernaktivitaet=proposal, action=code, actor=people.zirkel)
    response = client_for(people.zirkel).get(f"/aufgaben/{task.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    html = response.content.decode()
    table = html[html.index("kern-table--small") :]
    table = table[: table.index("</table>")]
    assert _raw_codes_in(table) == set()
