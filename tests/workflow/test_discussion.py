"""The discussion of a KA in preparation: who may comment (also as a deputy), while which states, what a
comment is about (the latest Steckbrief version or the draft), who is told by mail and in which transaction,
who reads it (never the public) and what the pages show, with a query count that does not grow with it."""

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.errors import Invalid, MovedOn, Refused
from governance.models import KaStatus, Kernaktivitaet, SteckbriefVersion
from notifications.emails import build_message
from notifications.models import NotificationPreference
from outbox.models import OutboxMessage
from tests.people import client_for, make_ka, make_user
from workflow import services
from workflow.grants import kernaktivitaet_set_projektgruppe, kompetenz_set_verantwortliche
from workflow.models import KOMMENTAR_MAX, Kommentar, Vertretung

from .helpers import open_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def ka(people: Any, kompetenz: Any, proposal: Kernaktivitaet) -> Kernaktivitaet:
    """The proposal of ``pg`` (lead) and ``pg_member``, in a Kompetenz that ``kv`` oversees."""
    kompetenz_set_verantwortliche(kompetenz=kompetenz, users=[people.kv])
    return proposal


def name_deputy(absent: Any, deputy: Any) -> Vertretung:
    today = timezone.localdate()
    return Vertretung.objects.create(
        vertretene_person=absent,
        vertretung=deputy,
        von=today - timedelta(days=1),
        bis=today + timedelta(days=3),
    )


def comment(
    user: Any, ka: Kernaktivitaet, text: str = "Bitte die Kennzahlen ergänzen.", **kwargs: Any
) -> Kommentar:
    return services.kommentar_add(actor=user, kernaktivitaet=ka, text=text, **kwargs)


def rows(ka: Kernaktivitaet) -> list[OutboxMessage]:
    """The comment mails of the KA, oldest first."""
    ids = set(Kommentar.objects.filter(kernaktivitaet=ka).values_list("pk", flat=True))
    return [
        row
        for row in OutboxMessage.objects.filter(template="ka_kommentar").order_by("pk")
        if row.context["kommentar"] in ids
    ]


def world_state() -> tuple[int, int]:
    return Kommentar.objects.count(), OutboxMessage.objects.count()


# --- rights ------------------------------------------------------------------------------------------------

ALLOWED = ["pg", "pg_member", "zirkel", "vorstand", "kv"]
REFUSED = ["ratsbuero", "beirat", "nobody", "pg_other", "kv_other"]


@pytest.mark.parametrize("persona", ALLOWED)
def test_the_parties_of_the_preparation_may_comment(people: Any, ka: Kernaktivitaet, persona: str) -> None:
    kommentar = comment(getattr(people, persona), ka)
    assert (kommentar.author, kommentar.on_behalf_of, kommentar.kernaktivitaet) == (
        getattr(people, persona),
        None,
        ka,
    )


@pytest.mark.parametrize("persona", REFUSED)
def test_everybody_else_is_refused_and_nothing_is_written(
    people: Any, ka: Kernaktivitaet, persona: str
) -> None:
    # pg_other has the project group role, but of another KA; kv_other oversees another Kompetenz.
    make_ka(people.kompetenz, lead=people.pg_other)
    before = world_state()
    with pytest.raises(Refused) as refusal:
        comment(getattr(people, persona), ka)
    assert not isinstance(refusal.value, (Invalid, MovedOn))
    assert "Kommentieren können" in refusal.value.message
    assert world_state() == before


def test_a_deputy_comments_for_the_absent_person(people: Any, ka: Kernaktivitaet) -> None:
    deputy = make_user("vertretung")
    name_deputy(people.zirkel, deputy)
    kommentar = comment(deputy, ka, on_behalf_of=people.zirkel)
    assert (kommentar.author, kommentar.on_behalf_of) == (deputy, people.zirkel)
    # Neither of the two is told of their own comment.
    (row,) = rows(ka)
    assert not {deputy.pk, people.zirkel.pk} & set(row.to_users)


def test_a_deputy_without_todays_relation_is_refused(people: Any, ka: Kernaktivitaet) -> None:
    deputy = make_user("vertretung")
    before = world_state()
    with pytest.raises(Refused, match="nicht als Vertretung"):
        comment(deputy, ka, on_behalf_of=people.zirkel)
    assert world_state() == before


def test_a_deputy_of_someone_without_the_right_gets_no_more(people: Any, ka: Kernaktivitaet) -> None:
    name_deputy(people.ratsbuero, people.nobody)
    with pytest.raises(Refused, match="Kommentieren können"):
        comment(people.nobody, ka, on_behalf_of=people.ratsbuero)


@pytest.mark.parametrize("status", KaStatus.in_preparation())
def test_every_state_of_the_preparation_is_open(people: Any, kompetenz: Any, status: str) -> None:
    ka = make_ka(kompetenz, status=status, lead=people.pg)
    assert comment(people.pg, ka).kernaktivitaet == ka


@pytest.mark.parametrize("status", [s for s in KaStatus if s not in KaStatus.in_preparation()])
def test_after_the_councils_resolution_the_discussion_is_closed(
    people: Any, kompetenz: Any, status: str
) -> None:
    fields: dict[str, Any] = {"ueberfuehrt_in": make_ka(kompetenz)} if status == KaStatus.MERGED else {}
    ka = make_ka(kompetenz, status=status, lead=people.pg, **fields)
    before = world_state()
    with pytest.raises(MovedOn, match="Die Diskussion ist geschlossen"):
        comment(people.zirkel, ka)
    assert world_state() == before


# --- the text --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Bitte schreiben Sie einen Kommentar."),
        ("   \n\t ", "Bitte schreiben Sie einen Kommentar."),
        ("\u202e\u2066", "Bitte schreiben Sie einen Kommentar."),
        ("gut\x00", "Der Kommentar darf keine Nullzeichen enthalten."),
        ("x" * (KOMMENTAR_MAX + 1), f"höchstens {KOMMENTAR_MAX} Zeichen"),
        ("x" * 1_000_000, f"höchstens {KOMMENTAR_MAX} Zeichen"),
    ],
)
def test_a_text_that_cannot_be_stored_is_refused_at_its_field(
    people: Any, ka: Kernaktivitaet, text: str, message: str
) -> None:
    before = world_state()
    with pytest.raises(Invalid) as refusal:
        comment(people.pg, ka, text)
    assert message in refusal.value.message
    assert refusal.value.field == "text"
    assert world_state() == before


def test_the_text_is_stored_stripped_and_without_direction_controls(people: Any, ka: Kernaktivitaet) -> None:
    kommentar = comment(people.pg, ka, "  Bitte \u202eprüfen\u202c.\n")
    assert Kommentar.objects.get(pk=kommentar.pk).text == "Bitte prüfen."
    long = comment(people.pg, ka, "x" * KOMMENTAR_MAX)
    assert len(long.text) == KOMMENTAR_MAX


def test_a_stored_comment_is_never_changed(people: Any, ka: Kernaktivitaet) -> None:
    kommentar = comment(people.pg, ka)
    kommentar.text = "anders"
    with pytest.raises(ValueError, match="never changed"):
        kommentar.save()


# --- the version it is about ------------------------------------------------------------------------------


def freeze(ka: Kernaktivitaet, nummer: int, by: Any) -> SteckbriefVersion:
    return SteckbriefVersion.objects.create(kernaktivitaet=ka, nummer=nummer, inhalt={}, eingereicht_von=by)


def test_a_comment_is_about_the_draft_then_the_latest_version(people: Any, ka: Kernaktivitaet) -> None:
    assert comment(people.pg, ka).steckbrief_version is None
    first = freeze(ka, 1, people.pg)
    assert comment(people.zirkel, ka).steckbrief_version == first
    second = freeze(ka, 2, people.pg)
    assert comment(people.pg, ka).steckbrief_version == second
    # Another KA's versions are not this one's.
    other = make_ka(people.kompetenz, status=KaStatus.PROPOSED, lead=people.pg)
    freeze(other, 7, people.pg)
    assert comment(people.pg, ka).steckbrief_version == second


# --- the mail ---------------------------------------------------------------------------------------------


def test_the_project_groups_comment_goes_to_the_zirkel_and_the_kompetenz(
    people: Any, ka: Kernaktivitaet
) -> None:
    kommentar = comment(people.pg, ka)
    (row,) = rows(ka)
    assert row.key == f"ka-kommentar:{kommentar.pk}"
    assert row.category == "kommentar"
    assert row.context == {"kommentar": kommentar.pk}
    assert set(row.to_users) == {people.zirkel.pk, people.kv.pk}


def test_the_board_hears_of_the_project_groups_comment_while_it_decides(
    people: Any, ka: Kernaktivitaet
) -> None:
    Kernaktivitaet.objects.filter(pk=ka.pk).update(status=KaStatus.BOARD_DECISION)
    comment(people.pg_member, ka)
    (row,) = rows(ka)
    assert set(row.to_users) == {people.zirkel.pk, people.kv.pk, people.vorstand.pk}


@pytest.mark.parametrize("persona", ["zirkel", "kv", "vorstand"])
def test_a_reviewers_comment_goes_to_the_project_group(people: Any, ka: Kernaktivitaet, persona: str) -> None:
    comment(getattr(people, persona), ka)
    (row,) = rows(ka)
    assert set(row.to_users) == {people.pg.pk, people.pg_member.pk}


def test_who_took_part_hears_of_the_thread_while_still_a_party(people: Any, ka: Kernaktivitaet) -> None:
    comment(people.vorstand, ka, "Frage des Vorstands")
    comment(people.pg_member, ka, "Antwort der Projektgruppe")
    assert set(rows(ka)[-1].to_users) == {people.zirkel.pk, people.kv.pk, people.vorstand.pk}
    # Someone who has left the project group hears no more of it.
    kernaktivitaet_set_projektgruppe(kernaktivitaet=ka, projektleitung=people.pg, mitglieder=[people.pg])
    comment(people.zirkel, ka, "Nachfrage")
    assert set(rows(ka)[-1].to_users) == {people.pg.pk, people.vorstand.pk}


def test_the_mail_is_written_with_the_comment_or_not_at_all(people: Any, ka: Kernaktivitaet) -> None:
    before = world_state()
    with pytest.raises(RuntimeError), transaction.atomic():
        comment(people.pg, ka)
        assert world_state() == (before[0] + 1, before[1] + 1)
        raise RuntimeError("the transaction of the caller fails")
    assert world_state() == before


def test_the_author_is_never_mailed_even_as_a_recipients_deputy(people: Any, ka: Kernaktivitaet) -> None:
    name_deputy(people.zirkel, people.pg)
    comment(people.pg, ka)
    (row,) = rows(ka)
    message = build_message(row)
    assert message is not None
    addresses = set(message.to) | set(message.cc)
    assert people.pg.email not in addresses
    assert {people.zirkel.email, people.kv.email} <= addresses


def test_the_opt_out_is_respected(people: Any, ka: Kernaktivitaet) -> None:
    NotificationPreference.objects.create(user=people.zirkel, kommentare=False)
    NotificationPreference.objects.create(user=people.kv, wochenuebersicht=False)
    comment(people.pg, ka)
    (row,) = rows(ka)
    message = build_message(row)
    assert message is not None
    assert set(message.to) | set(message.cc) == {people.kv.email}
    NotificationPreference.objects.filter(user=people.kv).update(kommentare=False)
    assert build_message(row) is None


def test_nobody_left_means_no_row(people: Any, kompetenz: Any) -> None:
    # A KA without a project group: the reviewers' comment has nobody on the other side.
    lonely = make_ka(kompetenz, status=KaStatus.ZIRKEL_REVIEW)
    comment(people.zirkel, lonely)
    assert rows(lonely) == []


# --- the pages --------------------------------------------------------------------------------------------


def url(ka: Kernaktivitaet) -> str:
    return f"/kernaktivitaeten/{ka.code}/diskussion/"


def test_a_comment_posted_on_a_page_comes_back_to_it(people: Any, ka: Kernaktivitaet) -> None:
    client = client_for(people.zirkel)
    task = open_task_after_submit(people, ka)
    response = client.post(
        url(ka), {"kommentar-text": "Bitte Risiken ergänzen", "next": f"/aufgaben/{task}/"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/aufgaben/{task}/#diskussion"
    assert Kommentar.objects.get().text == "Bitte Risiken ergänzen"
    page = client.get(f"/kernaktivitaeten/{ka.code}/").content.decode()
    assert "Ihr Kommentar ist gespeichert." in page
    assert "Bitte Risiken ergänzen" in page
    # The comment is about the version the submission froze, if it froze one (else the draft).
    latest = SteckbriefVersion.objects.filter(kernaktivitaet=ka).order_by("-nummer").first()
    assert (f"zu Fassung {latest.nummer}" if latest else "zum Entwurf") in page
    assert Kommentar.objects.get().steckbrief_version == latest


def open_task_after_submit(people: Any, ka: Kernaktivitaet) -> int:
    services.kernaktivitaet_submit(actor=people.pg, kernaktivitaet=ka)
    return open_task(ka, "zirkel_review").pk


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "/ok\x00", "javascript:alert(1)", "x" * 3000, ""],
)
def test_a_foreign_or_broken_next_falls_back_to_the_ka_page(
    people: Any, ka: Kernaktivitaet, target: str
) -> None:
    response = client_for(people.pg).post(url(ka), {"kommentar-text": "Text", "next": target})
    assert response.status_code == 302
    assert response["Location"] == f"/kernaktivitaeten/{ka.code}/#diskussion"


def test_an_empty_comment_comes_back_on_a_page_with_the_field_error_linked(
    people: Any, ka: Kernaktivitaet
) -> None:
    before = world_state()
    response = client_for(people.pg).post(url(ka), {"kommentar-text": "  ", "next": "/aufgaben/"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#id_kommentar-text"' in page
    assert 'id="id_kommentar-text-error"' in page
    assert 'aria-invalid="true"' in page
    assert "Bitte schreiben Sie einen Kommentar." in page
    assert 'name="next" value="/aufgaben/"' in page
    assert world_state() == before


def test_a_nul_in_the_text_is_refused_in_german(people: Any, ka: Kernaktivitaet) -> None:
    response = client_for(people.pg).post(url(ka), {"kommentar-text": "a\x00b"})
    assert response.status_code == 400
    assert "Nullzeichen" in response.content.decode()
    assert Kommentar.objects.count() == 0


def test_a_reader_without_the_right_is_refused_on_the_page(people: Any, ka: Kernaktivitaet) -> None:
    client = client_for(people.ratsbuero)
    page = client.get(url(ka))
    assert page.status_code == 200
    assert "<textarea" not in page.content.decode()
    response = client.post(url(ka), {"kommentar-text": "Text"})
    assert response.status_code == 403
    assert "Kommentieren können" in response.content.decode()
    assert Kommentar.objects.count() == 0


def test_the_closed_discussion_answers_409_and_shows_no_form(people: Any, kompetenz: Any) -> None:
    running = make_ka(kompetenz, status=KaStatus.COUNCIL, lead=people.pg)
    comment(people.pg, running, "Noch in Vorbereitung")
    Kernaktivitaet.objects.filter(pk=running.pk).update(status=KaStatus.RUNNING)
    client = client_for(people.pg)
    response = client.post(url(running), {"kommentar-text": "Zu spät"})
    assert response.status_code == 409
    page = client.get(f"/kernaktivitaeten/{running.code}/").content.decode()
    assert "Noch in Vorbereitung" in page
    assert "Die Diskussion ist geschlossen" in page
    assert 'name="kommentar-text"' not in page


def test_the_public_never_sees_the_discussion(people: Any, kompetenz: Any) -> None:
    # In the council's hands the KA is public record; its discussion is not.
    public = make_ka(kompetenz, status=KaStatus.COUNCIL, lead=people.pg)
    comment(people.zirkel, public, "Vertrauliche Einschätzung")
    anonymous = Client()
    page = anonymous.get(f"/kernaktivitaeten/{public.code}/")
    assert page.status_code == 200
    assert "Vertrauliche Einschätzung" not in page.content.decode()
    assert 'id="diskussion"' not in page.content.decode()
    assert anonymous.get(url(public))["Location"].startswith("/anmelden/")
    assert anonymous.post(url(public), {"kommentar-text": "x"}).status_code == 302
    for outsider in (people.nobody, people.pg_other):
        client = client_for(outsider)
        assert client.get(url(public)).status_code == 404
        assert client.post(url(public), {"kommentar-text": "x"}).status_code == 404
        assert (
            "Vertrauliche Einschätzung"
            not in client.get(f"/kernaktivitaeten/{public.code}/").content.decode()
        )
    assert Kommentar.objects.count() == 1


def test_a_proposal_in_preparation_is_not_found_by_outsiders(people: Any, ka: Kernaktivitaet) -> None:
    comment(people.pg, ka)
    assert client_for(people.nobody).get(url(ka)).status_code == 404
    assert client_for(people.nobody).get(f"/kernaktivitaeten/{ka.code}/").status_code == 404


def test_the_ka_page_shows_author_date_version_and_the_form(people: Any, ka: Kernaktivitaet) -> None:
    deputy = make_user("vertretung", first_name="Vera", last_name="Vertretung")
    name_deputy(people.zirkel, deputy)
    comment(people.pg, ka, "Zum Entwurf geschrieben")
    freeze(ka, 1, people.pg)
    comment(deputy, ka, "Zur ersten Fassung", on_behalf_of=people.zirkel)
    page = client_for(people.kv).get(f"/kernaktivitaeten/{ka.code}/").content.decode()
    assert page.index("Zum Entwurf geschrieben") < page.index("Zur ersten Fassung") < page.index("Verlauf")
    assert "zum Entwurf" in page and "zu Fassung 1" in page
    assert "Vera Vertretung für zirkel" in page
    assert f'action="/kernaktivitaeten/{ka.code}/diskussion/"' in page
    assert f'name="next" value="/kernaktivitaeten/{ka.code}/"' in page
    # The deputy (no role of their own, so no KA page) writes for the absent person on the discussion's page.
    page = client_for(deputy).get(url(ka)).content.decode()
    assert "Sie schreiben in Vertretung für zirkel." in page
    response = client_for(deputy).post(url(ka), {"kommentar-text": "Noch einer"})
    assert response.status_code == 302
    assert Kommentar.objects.order_by("-pk").values_list("author", "on_behalf_of").first() == (
        deputy.pk,
        people.zirkel.pk,
    )


def test_an_internal_reader_sees_the_comments_without_a_form(people: Any, ka: Kernaktivitaet) -> None:
    comment(people.pg, ka, "Sichtbar für Berechtigte")
    page = client_for(people.beirat).get(f"/kernaktivitaeten/{ka.code}/").content.decode()
    assert "Sichtbar für Berechtigte" in page
    assert "<textarea" not in page


# --- query counts -----------------------------------------------------------------------------------------


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def _add_comments(ka: Kernaktivitaet, people: Any, count: int) -> None:
    authors = [people.pg, people.zirkel, people.kv, people.vorstand]
    version = SteckbriefVersion.objects.filter(kernaktivitaet=ka).order_by("-nummer").first()
    version = version or freeze(ka, 1, people.pg)
    Kommentar.objects.bulk_create(
        Kommentar(
            kernaktivitaet=ka,
            author=authors[i % len(authors)],
            on_behalf_of=people.zirkel if i % 7 == 0 else None,
            steckbrief_version=version if i % 2 else None,
            text=f"Kommentar {i}",
        )
        for i in range(count)
    )


@pytest.mark.parametrize("persona", ["zirkel", "pg", "beirat"])
def test_the_ka_page_reads_as_much_with_50_comments_as_with_none(
    people: Any, ka: Kernaktivitaet, persona: str
) -> None:
    client = client_for(getattr(people, persona))
    path = f"/kernaktivitaeten/{ka.code}/"
    _queries(client, path)  # the process-wide caches (content types) are filled, as by any earlier request
    none = _queries(client, path)
    _add_comments(ka, people, 50)
    assert _queries(client, path) == none


def test_the_review_task_page_reads_as_much_with_50_comments_as_with_none(
    people: Any, ka: Kernaktivitaet
) -> None:
    task = open_task_after_submit(people, ka)
    client = client_for(people.zirkel)
    path = f"/aufgaben/{task}/"
    _queries(client, path)
    none = _queries(client, path)
    _add_comments(ka, people, 50)
    assert _queries(client, path) == none


def test_the_discussion_as_the_task_and_proposal_pages_include_it_reads_a_fixed_number(
    people: Any, ka: Kernaktivitaet
) -> None:
    template = Template("{% load workflow_actions %}{% ka_discussion ka %}")
    request = RequestFactory().get(f"/vorschlaege/{ka.pk}/")
    request.user = people.zirkel

    def render() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            html = template.render(Context({"request": request, "ka": ka}))
        return len(queries), html

    render()
    none, html = render()
    assert "Noch keine Kommentare." in html
    assert 'name="next" value="/vorschlaege/' in html
    _add_comments(ka, people, 50)
    fifty, html = render()
    assert html.count('class="timeline__item"') == 50
    assert fifty == none
