"""Mails speak in sentences: every kind of mail, rendered, names the outcome (for the council: its result and
session), carries no action code, and counts in the right number; nobody is mailed about their own request,
and the project group gets one mail for one step. A task link opened after the task was done explains who
did it, when, with what outcome, and links the KA."""

import re
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone, translation
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from governance.audit import AdminAction
from governance.models import (
    AuditAction,
    AuditEvent,
    Consultation,
    Gremium,
    KaStatus,
    Meeting,
    Paper,
    Resolution,
    ResolutionResult,
    StatusberichtState,
)
from notifications.emails import build_message
from notifications.rules import BERLIN
from outbox.delivery import Mail, enqueue
from outbox.models import OutboxMessage
from tests.people import make_report, make_user, propose
from workflow import services
from workflow.rights import Action, Role

CODES = (
    set(AuditAction.values)
    | set(Action.values)
    | {value for name, value in vars(AdminAction).items() if name.isupper()}
)
# Labels of actions as things to do: a subject must say what happened, not name a task in the infinitive.
INFINITIVES = {str(action.label) for action in Action}


@pytest.fixture(autouse=True)
def plain_http(settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _render(template: str, context: dict[str, Any], to: list[int], language: str = "de") -> Any:
    key = f"test:{template}:{len(OutboxMessage.objects.all())}"
    enqueue([Mail(key=key, template=template, context=context, to_users=to)])
    row = OutboxMessage.objects.get(key=key)
    with translation.override(language):
        message = build_message(row)
    assert message is not None
    return message


def _texts(message: Any) -> list[str]:
    return [message.subject, message.body, message.alternatives[0][0]]


def _assert_no_code(message: Any) -> None:
    for text in _texts(message):
        words = set(re.findall(r"[A-Za-z_]+", re.sub(r"<[^>]+>|https?://\S+", " ", text)))
        assert not (CODES & words), (CODES & words, text)
    assert not any(message.subject.endswith(infinitive) for infinitive in INFINITIVES), message.subject


def _council_event(people: Any, result: str, session: datetime) -> AuditEvent:
    rat, _created = Gremium.objects.get_or_create(name="Rat der Stadt Bochum", art=Gremium.Art.RAT)
    meeting = Meeting.objects.create(name="Ratssitzung", start=session, organization=rat)
    paper = Paper.objects.create(reference=f"2026{result[:4]}", name="Kernaktivitäten", date=session.date())
    consultation = Consultation.objects.create(paper=paper, meeting=meeting, organization=rat)
    resolution = Resolution.objects.create(
        consultation=consultation,
        kernaktivitaet=people.ka,
        result=result,
        resolution_text="geändert" if result == ResolutionResult.ADOPTED_AMENDED else "",
        deferred_to=date(2027, 2, 4) if result == ResolutionResult.DEFERRED else None,
        recorded_by=people.zirkel,
    )
    return AuditEvent.objects.create(
        kernaktivitaet=people.ka,
        action=Action.COUNCIL_RECORD,
        from_status=KaStatus.COUNCIL,
        to_status=KaStatus.RUNNING if result.startswith("adopted") else KaStatus.COUNCIL,
        actor=people.zirkel,
        resolution=resolution,
        data={"result": result},
    )


COUNCIL_SUBJECTS: dict[str, str] = {
    ResolutionResult.ADOPTED: "Der Rat hat am 30. November 2026 beschlossen – die Kernaktivität läuft",
    ResolutionResult.ADOPTED_AMENDED: "Der Rat hat am 30. November 2026 mit Änderungen beschlossen",
    ResolutionResult.REJECTED: "Der Rat hat den Vorschlag am 30. November 2026 abgelehnt",
    ResolutionResult.DEFERRED: "Der Rat hat die Entscheidung am 30. November 2026 auf seine Sitzung am",
}


@pytest.mark.parametrize("result", list(COUNCIL_SUBJECTS))
def test_the_council_mail_names_the_result_and_the_session(people: Any, result: str) -> None:
    session = datetime(2026, 11, 30, 15, 0, tzinfo=BERLIN)
    event = _council_event(people, result, session)
    message = _render("ka_entscheidung", {"event": event.pk}, [people.pg.pk])
    assert message.subject.startswith(f"{people.ka.code}: {COUNCIL_SUBJECTS[result]}")
    assert COUNCIL_SUBJECTS[result] in message.body
    assert "Ratsbeschluss erfassen" not in message.subject
    _assert_no_code(message)


DECISIONS = {
    Action.ZIRKEL_RETURN: "Der Strategiezirkel hat den Vorschlag an die Projektgruppe zurückgegeben",
    Action.ZIRKEL_FORWARD: "Der Strategiezirkel hat den Vorschlag an den Verwaltungsvorstand weitergeleitet",
    Action.BOARD_APPROVE: "Der Verwaltungsvorstand hat den Vorschlag dem Rat zur Entscheidung vorgelegt",
    Action.BOARD_REJECT: "Der Verwaltungsvorstand hat den Vorschlag abgelehnt",
    Action.BOARD_RETURN: "Der Verwaltungsvorstand hat den Vorschlag an den Strategiezirkel zurückgegeben",
    Action.PROPOSE_COMPLETION: "Der Abschluss der Kernaktivität ist beantragt",
    Action.CONFIRM_COMPLETION: "Der Strategiezirkel hat den Abschluss bestätigt",
    Action.DECLINE_COMPLETION: "Der Strategiezirkel hat den Abschluss nicht bestätigt",
    Action.PROPOSE_STOP: "Die Einstellung der Kernaktivität ist beantragt",
    Action.PROPOSE_MERGE: "Die Überführung der Kernaktivität in GRO-007 ist beantragt",
    Action.BOARD_STOP: "Der Verwaltungsvorstand hat beschlossen, die Kernaktivität einzustellen",
    Action.BOARD_MERGE: "Der Verwaltungsvorstand hat beschlossen, die Kernaktivität in GRO-007 zu überführen",
    Action.BOARD_KEEP: "Der Verwaltungsvorstand hat beschlossen: Die Kernaktivität läuft weiter",
    Action.SUBMIT: "Die Projektgruppe hat den Vorschlag eingereicht",
}


def test_every_action_has_a_sentence() -> None:
    assert set(DECISIONS) | {Action.COUNCIL_RECORD, Action.CREATE, Action.EDIT} >= {
        a for a in Action if a not in (Action.SUBMIT_REPORT, Action.REVIEW_REPORT)
    }


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("action", list(DECISIONS))
def test_every_decision_mail_says_what_happened_in_a_sentence(
    people: Any, action: Action, language: str
) -> None:
    event = AuditEvent.objects.create(
        kernaktivitaet=people.ka,
        action=action,
        from_status=KaStatus.RUNNING,
        to_status=KaStatus.RUNNING,
        actor=people.zirkel,
        reason="Weil es so besser ist",
        data={"merge_target": "GRO-007"} if "merge" in action else {},
    )
    message = _render("ka_entscheidung", {"event": event.pk}, [people.pg.pk], language)
    _assert_no_code(message)
    if language == "de":
        assert message.subject == f"{people.ka.code}: {DECISIONS[action]}" or message.subject.startswith(
            f"{people.ka.code}: {DECISIONS[action]}"
        )
        assert DECISIONS[action] in message.body
        assert "Weil es so besser ist" in message.body


@pytest.mark.parametrize(
    ("count", "subject", "body"),
    [
        (1, "1 neue Aufgabe in Ihrem Posteingang", "wartet eine neue Aufgabe"),
        (3, "3 neue Aufgaben in Ihrem Posteingang", "warten 3 neue Aufgaben"),
    ],
)
def test_the_task_mail_counts_in_the_right_number(people: Any, count: int, subject: str, body: str) -> None:
    tasks = [
        {
            "id": n,
            "titel": "Vorschlag prüfen" if count == 1 else f"Aufgabe {n}",
            "ka": "T-1 Test",
            "link": "x",
            "frist": "",
        }
        for n in range(count)
    ]
    message = _render("aufgaben_neu", {"aufgaben": tasks}, [people.zirkel.pk])
    assert message.subject.startswith(subject)
    assert body in message.body
    assert "Aufgabe " + "…" not in message.subject
    _assert_no_code(message)


def _render_direct(template: str, context: dict[str, Any]) -> Any:
    """The three texts of a mail kind from a given context (the reminders' preparers depend on the day's
    rules; the texts are what is checked here)."""

    class Rendered:
        subject = " ".join(render_to_string(f"notifications/{template}_subject.txt", context).split())
        body = render_to_string(f"notifications/{template}.txt", context)
        alternatives = [(render_to_string(f"notifications/{template}.html", context), "text/html")]

    return Rendered


@pytest.mark.parametrize("days", [1, 3])
def test_report_reminders_count_days_in_the_right_number(people: Any, days: int) -> None:
    today = timezone.localdate()
    bericht = make_report(people.ka, today - timedelta(days=days))
    base = {"ka": people.ka, "bericht": bericht, "frist": bericht.frist, "link": "x", "zurueckgegeben": False}
    overdue = _render_direct(
        "bericht_erinnerung",
        {**base, "ueberfaellig": True, "tage_ueberfaellig": days, "tage_bis": -days, "eskalation": True},
    )
    expected = "seit 1 Tag überfällig" if days == 1 else f"seit {days} Tagen überfällig"
    assert expected in overdue.subject
    assert expected in overdue.body
    _assert_no_code(overdue)
    ahead = _render_direct(
        "bericht_erinnerung",
        {
            **base,
            "frist": today + timedelta(days=days),
            "ueberfaellig": False,
            "tage_bis": days,
            "eskalation": False,
        },
    )
    assert ("in 1 Tag." if days == 1 else f"in {days} Tagen.") in ahead.body
    assert ahead.subject.startswith(f"{people.ka.code}: Der Sachstandsbericht ist bis zum ")
    _assert_no_code(ahead)


@pytest.mark.parametrize("days", [1, 3])
def test_decision_reminders_count_days_in_the_right_number(people: Any, days: int) -> None:
    today = timezone.localdate()
    message = _render_direct(
        "entscheidung_erinnerung",
        {
            "ka": people.ka,
            "status_label": "Prüfung im Strategiezirkel",
            "seit": today - timedelta(days=30),
            "frist": today - timedelta(days=days),
            "tage_ueberfaellig": days,
            "link": "x",
            "inbox": "y",
        },
    )
    assert ("seit 1 Tag überschritten" if days == 1 else f"seit {days} Tagen überschritten") in message.body
    assert message.subject.startswith(f"{people.ka.code}: Die Frist für „Prüfung im Strategiezirkel“ ist am ")
    _assert_no_code(message)


def test_the_weekly_digest_counts_in_the_right_number(people: Any) -> None:
    today = timezone.localdate()
    make_report(people.ka, today - timedelta(days=1))
    message = _render("wochenuebersicht", {"woche": ""}, [people.zirkel.pk])
    assert "1 überfälliger Bericht," in message.subject
    assert "0 überfällige Entscheidungen" in message.subject
    assert "seit 1 Tag überfällig" in message.body
    _assert_no_code(message)


def test_report_review_mails_are_sentences(people: Any) -> None:
    bericht = make_report(
        people.ka, date(2026, 6, 1), state=StatusberichtState.SUBMITTED, eingereicht_am=timezone.now()
    )
    submitted = _render("bericht_eingereicht", {"statusbericht": bericht.pk}, [people.zirkel.pk])
    assert submitted.subject == (
        f"{people.ka.code}: Die Projektgruppe hat ihren Sachstandsbericht eingereicht – bitte prüfen Sie ihn"
    )
    _assert_no_code(submitted)
    accepted = _render(
        "bericht_geprueft", {"statusbericht": bericht.pk, "state": "accepted", "runde": 0}, [people.pg.pk]
    )
    assert accepted.subject == f"{people.ka.code}: Ihr Sachstandsbericht ist angenommen"
    _assert_no_code(accepted)


def test_the_requester_is_not_mailed_about_their_own_request(people: Any) -> None:
    services.kernaktivitaet_propose_completion(
        actor=people.pg, kernaktivitaet=people.ka, reason="Ziel erreicht"
    )
    rows = OutboxMessage.objects.filter(template="ka_entscheidung")
    assert all(people.pg.pk not in row.to_users + (row.cc_users or []) for row in rows)
    # The rest of the project group learns of it.
    assert any(people.pg_member.pk in row.to_users for row in rows)


def _open_task(ka: Any) -> Task:
    return Task.objects.get(
        process__kaprocess__kernaktivitaet=ka,
        flow_task_type="HUMAN",
        status__in=[STATUS.NEW, STATUS.ASSIGNED],
    )


def test_the_project_group_gets_one_mail_when_its_proposal_comes_back(people: Any) -> None:
    ka = propose(actor=people.pg, kompetenz=people.kompetenz, titel="Radwege", smart_ziele="20 km")
    ka.projektgruppe.add(people.pg_member)
    services.kernaktivitaet_submit(actor=people.pg, kernaktivitaet=ka)
    before = set(OutboxMessage.objects.values_list("pk", flat=True))
    services.task_decide(
        actor=people.zirkel,
        task_id=_open_task(ka).pk,
        action=Action.ZIRKEL_RETURN,
        reason="SMART-Ziele fehlen",
    )
    pg_ids = {people.pg.pk, people.pg_member.pk}
    rows = [row for row in OutboxMessage.objects.exclude(pk__in=before) if pg_ids & set(row.to_users)]
    for person in pg_ids:
        assert len([row for row in rows if person in row.to_users]) <= 1
    (row,) = rows
    assert row.template == "ka_entscheidung"
    message = build_message(row)
    assert message is not None
    assert "Der Strategiezirkel hat den Vorschlag an die Projektgruppe zurückgegeben" in message.subject
    assert f"/vorschlaege/{ka.pk}/" in message.body


def test_a_task_opened_after_it_was_done_names_who_when_what_and_links_the_ka(people: Any) -> None:
    other = make_user("zirkel_zwei", Role.STRATEGIEZIRKEL)
    ka = propose(actor=people.pg, kompetenz=people.kompetenz, titel="Radwege", smart_ziele="20 km")
    services.kernaktivitaet_submit(actor=people.pg, kernaktivitaet=ka)
    task = _open_task(ka)
    services.task_decide(actor=people.zirkel, task_id=task.pk, action=Action.ZIRKEL_FORWARD, reason="Gut")
    client = Client()
    client.force_login(other)
    response = client.get(f"/aufgaben/{task.pk}/", HTTP_ACCEPT_LANGUAGE="de")
    page = response.content.decode()
    assert response.status_code == 409
    assert "zirkel hat diese Aufgabe am " in page
    assert "Vom Strategiezirkel an den Verwaltungsvorstand weitergeleitet" in page
    assert f'href="/kernaktivitaeten/{ka.code}/"' in page
    assert "<html" in page


def test_mail_kinds_are_all_covered() -> None:
    from notifications.kinds import PREPARERS

    assert set(PREPARERS) == {
        "bericht_erinnerung",
        "entscheidung_erinnerung",
        "wochenuebersicht",
        "aufgaben_neu",
        "ka_entscheidung",
        "bericht_eingereicht",
        "bericht_geprueft",
        "ka_kommentar",
    }
