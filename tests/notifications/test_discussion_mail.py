"""The mail of a comment: what it says (in German, whatever language is active), whom it leaves out, and
that a stored comment no form would take (a megabyte, a NUL character) breaks neither the mail job nor the
page."""

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from governance.models import KaStatus, SteckbriefVersion
from notifications.emails import build_message
from notifications.models import NotificationPreference
from outbox import delivery
from outbox.delivery import Mail, enqueue
from outbox.models import OutboxMessage, OutboxState
from tests.people import client_for, make_ka, make_user
from workflow import services
from workflow.models import KOMMENTAR_MAX, Kommentar, Vertretung

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def plain_http(settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def proposal(people: Any) -> Any:
    return make_ka(
        people.kompetenz, status=KaStatus.ZIRKEL_REVIEW, lead=people.pg, members=(people.pg_member,)
    )


def the_row(kommentar: Kommentar) -> OutboxMessage:
    return OutboxMessage.objects.get(key=f"ka-kommentar:{kommentar.pk}")


def html(message: Any) -> str:
    return str(message.alternatives[0][0])


def texts(message: Any) -> list[str]:
    return [message.subject, message.body, html(message)]


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_mail_names_who_commented_what_on_which_version(
    people: Any, proposal: Any, language: str
) -> None:
    SteckbriefVersion.objects.create(kernaktivitaet=proposal, nummer=3, inhalt={}, eingereicht_von=people.pg)
    kommentar = services.kommentar_add(
        actor=people.zirkel, kernaktivitaet=proposal, text="Die Kennzahl 2 ist nicht messbar.\nBitte ändern."
    )
    with translation.override(language):
        message = build_message(the_row(kommentar))
    assert message is not None
    # Mails go out in the product's language whatever the worker's active language is.
    assert settings.LANGUAGE_CODE == "de"
    assert message.subject == f"{proposal.code}: ein neuer Kommentar in der Diskussion"
    assert f"zirkel hat die Kernaktivität {proposal.code} „{proposal.titel}“ kommentiert (zu Fassung 3):" in (
        message.body
    )
    assert "Die Kennzahl 2 ist nicht messbar.\nBitte ändern." in message.body
    assert "Die Kennzahl 2 ist nicht messbar.<br>Bitte ändern." in html(message)
    assert f"/kernaktivitaeten/{proposal.code}/#diskussion" in message.body
    # An optional mail says where to switch it off.
    assert "Mails zu Kommentaren können Sie in Ihren Mail-Einstellungen abbestellen" in message.body
    assert "/mail-einstellungen/" in html(message)
    assert sorted(message.to) == sorted([people.pg.email, people.pg_member.email])
    assert all("add_comment" not in text for text in texts(message))


def test_a_deputys_comment_names_both_and_reaches_neither(people: Any, proposal: Any) -> None:
    deputy = make_user("vertretung", first_name="Vera", last_name="Vertretung")
    today = timezone.localdate()
    Vertretung.objects.create(
        vertretene_person=people.pg, vertretung=deputy, von=today, bis=today + timedelta(days=1)
    )
    kommentar = services.kommentar_add(
        actor=deputy, kernaktivitaet=proposal, text="Erledigt", on_behalf_of=people.pg
    )
    message = build_message(the_row(kommentar))
    assert message is not None
    assert "Vera Vertretung hat in Vertretung für pg_lead die Kernaktivität" in message.body
    assert "(zum Entwurf)" in message.body
    assert not {deputy.email, people.pg.email} & set(message.to + message.cc)


def test_html_in_a_comment_is_shown_as_text(people: Any, proposal: Any) -> None:
    kommentar = services.kommentar_add(
        actor=people.zirkel, kernaktivitaet=proposal, text='<a href="https://evil.example">hier</a>'
    )
    message = build_message(the_row(kommentar))
    assert message is not None
    assert "&lt;a href=" in html(message)
    assert '<a href="https://evil.example">' not in html(message)


def stored(people: Any, proposal: Any, text: str) -> Kommentar:
    """A comment as no form takes it (written past the service: an import, an old row, the database)."""
    (kommentar,) = Kommentar.objects.bulk_create(
        [Kommentar(kernaktivitaet=proposal, author=people.zirkel, text=text)]
    )
    enqueue(
        [
            Mail(
                key=f"ka-kommentar:{kommentar.pk}",
                template="ka_kommentar",
                context={"kommentar": kommentar.pk},
                to_users=[people.pg.pk],
                category="kommentar",
            )
        ]
    )
    return kommentar


def hostile_texts() -> list[str]:
    values = ["x" * 1_000_000, "Zeile\u202e eins\n" * 10]
    # PostgreSQL stores no NUL in a text column at all; SQLite does.
    if connection.vendor != "postgresql":
        values.append("vorher\x00nachher")
    return values


@pytest.mark.parametrize("text", hostile_texts(), ids=lambda text: f"{len(text)} chars")
def test_a_stored_comment_no_form_would_take_breaks_neither_mail_nor_page(
    people: Any, proposal: Any, text: str
) -> None:
    kommentar = stored(people, proposal, text)
    message = build_message(the_row(kommentar))
    assert message is not None
    for part in texts(message):
        assert "\x00" not in part
        assert len(part) < KOMMENTAR_MAX + 5_000
    assert message.message().as_bytes()
    page = client_for(people.pg).get(f"/kernaktivitaeten/{proposal.code}/")
    assert page.status_code == 200
    assert len(page.content) < KOMMENTAR_MAX * 4 + 200_000


def test_a_comment_that_is_gone_is_not_sent(people: Any, proposal: Any) -> None:
    enqueue(
        [Mail(key="ka-kommentar:gone", template="ka_kommentar", context={"kommentar": 987654}, to_users=[1])]
    )
    assert build_message(OutboxMessage.objects.get(key="ka-kommentar:gone")) is None


def test_the_opt_out_is_on_the_preference_page(people: Any) -> None:
    client = client_for(people.pg)
    page = client.get("/mail-einstellungen/").content.decode()
    assert 'name="kommentare"' in page
    response = client.post("/mail-einstellungen/", {"vorab_erinnerungen": "on", "wochenuebersicht": "on"})
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=people.pg)
    assert (preference.vorab_erinnerungen, preference.wochenuebersicht, preference.kommentare) == (
        True,
        True,
        False,
    )


def test_a_batch_of_comment_mails_reads_a_fixed_number_of_queries(people: Any, proposal: Any) -> None:
    def deliver(count: int) -> tuple[int, int]:
        for index in range(count):
            author = people.zirkel if index % 2 else people.pg
            services.kommentar_add(actor=author, kernaktivitaet=proposal, text=f"Punkt {index}")
        with CaptureQueriesContext(connection) as queries:
            results = delivery.deliver_batch(builder=build_message, limit=1000)
        assert [r.state for r in results] == [OutboxState.SENT] * count
        return len(queries), len(results)

    small_statements, small_mails = deliver(2)
    large_statements, large_mails = deliver(20)
    # Per mail one statement (its completion update); claiming and loading the batch's data is fixed.
    assert small_statements - small_mails == large_statements - large_mails
