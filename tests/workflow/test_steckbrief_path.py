"""The whole path of a proposal with its Projektsteckbrief through the pages: a draft saved half-way, what is
missing listed and linked, a refused submission that writes nothing, the submission that freezes version 1, a
return with a reason and a comment, a change and a resubmission, the Zirkel's view of exactly what changed,
the decisions naming their version, the council adopting it and the rights of the people it names."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.models import (
    AuditEvent,
    KaStatus,
    Organisationseinheit,
    Querschnittsthema,
    Resolution,
    Steckbrief,
    SteckbriefVersion,
)
from tests.people import People, client_for, make_user
from workflow import rights
from workflow.rights import Action, Role

from .helpers import council, decide, open_task, proposal_page_data, status_of, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def themen(db: None) -> list[Querschnittsthema]:
    return [
        Querschnittsthema.objects.create(name="Klima", position=1),
        Querschnittsthema.objects.create(name="Digitalisierung", position=2),
    ]


def complete_fields(people: People, themen: list[Querschnittsthema], *members: Any) -> dict[str, Any]:
    """Every part a submission needs, as a person types it into the page."""
    fields: dict[str, Any] = {
        "smart_ziele": "20 km Radweg bis Ende 2028",
        "geplantes_ende": "2028-12-31",
        "ausgangslage": "Das Radnetz hat Lücken.",
        "massnahmen": "Planung, Ausschreibung, Bau.",
        "risiken": "Lieferzeiten.",
        "projektleitung": str(people.pg.pk),
        "mitglieder": [str(person.pk) for person in members],
        "kennzahlen-0-name": "Radweg",
        "kennzahlen-0-einheit": "km",
        "kennzahlen-0-ausgangswert": "0",
        "kennzahlen-0-ausgangsdatum": "2025-01-01",
        "kennzahlen-0-zielwert": "20",
        "kennzahlen-0-zieldatum": "2028-12-31",
        "kennzahlen-0-richtung": "hoeher",
        "kennzahlen-0-datenquelle": "Tiefbauamt",
        "meilensteine-0-name": "Planung fertig",
        "meilensteine-0-geplant_am": "2027-06-30",
        "ressourcen-0-jahr": "2027",
        "ressourcen-0-kosten_eur": "100000",
        "ressourcen-0-haushalt_eur": "80000",
        "ressourcen-0-foerdermittel_eur": "20000",
    }
    for thema in themen:
        fields[f"wirkung_{thema.pk}"] = "positiv"
        fields[f"begruendung_{thema.pk}"] = "Mehr Wege mit dem Rad."
    return fields


def save(user: Any, ka: Any, **changes: Any) -> Any:
    return client_for(user).post(
        f"/vorschlaege/{ka.pk}/", {**proposal_page_data(ka, **changes), "op": "save"}
    )


def test_the_whole_path_with_a_complete_steckbrief(people, draft, themen):
    ka = draft
    draft.schwerpunkt = draft.kompetenz.schwerpunkte.create(position=1, name="Mobilität")
    draft.save()
    office = Organisationseinheit.objects.create(name="Dezernat V", art=Organisationseinheit.Art.DEZERNAT)
    colleague = make_user("kollege", Role.PROJEKTGRUPPE)

    # A draft saved half-way: what is there is kept, what is missing is listed with a link to its field.
    assert save(people.pg, ka, ausgangslage="Das Radnetz hat Lücken.").status_code == 302
    assert Steckbrief.objects.get(kernaktivitaet=ka).ausgangslage == "Das Radnetz hat Lücken."
    page = client_for(people.pg).get(f"/vorschlaege/{ka.pk}/").content.decode()
    assert "Im gespeicherten Entwurf fehlen noch" in page
    assert 'href="#kennzahlen"' in page and 'href="#id_massnahmen"' in page
    assert 'href="#id_ausgangslage"' not in page

    # A submission that lacks parts is refused at their fields and writes nothing, not even the new text.
    refused = submit(people.pg, ka, massnahmen="Erst planen.")
    assert refused.status_code == 400
    body = refused.content.decode()
    assert 'href="#meilensteine"' in body and "Bitte nennen Sie mindestens eine Kennzahl." in body
    assert 'href="#id_linienverantwortung"' in body
    assert Steckbrief.objects.get(kernaktivitaet=ka).massnahmen == ""
    assert status_of(ka) == KaStatus.PROPOSED and not SteckbriefVersion.objects.exists()

    # Complete and submitted: version 1, named in the audit event of the submission.
    fields = complete_fields(people, themen, people.pg, people.pg_member, colleague)
    assert save(people.pg, ka, linienverantwortung=str(office.pk), **fields).status_code == 302
    assert submit(people.pg, ka).status_code == 302
    assert status_of(ka) == KaStatus.ZIRKEL_REVIEW
    first = SteckbriefVersion.objects.get(kernaktivitaet=ka)
    assert first.nummer == 1 and first.inhalt["risiken"] == "Lieferzeiten."
    assert AuditEvent.objects.filter(kernaktivitaet=ka, action="submit").get().data["steckbrief_version"] == 1

    # Returned with a reason and a comment on the version.
    review = open_task(ka, "zirkel_review")
    assert client_for(people.zirkel).get(f"/aufgaben/{review.pk}/").context["steckbrief"].previous is None
    assert decide(people.zirkel, review, "zirkel_return", "Risiken unvollständig").status_code == 302
    comment = client_for(people.zirkel).post(
        f"/kernaktivitaeten/{ka.code}/diskussion/",
        {"kommentar-text": "Bitte die Baupreise als Risiko nennen.", "next": f"/vorschlaege/{ka.pk}/"},
    )
    assert comment.status_code == 302
    page = client_for(people.pg).get(f"/vorschlaege/{ka.pk}/").content.decode()
    assert "Risiken unvollständig" in page and "Bitte die Baupreise als Risiko nennen." in page

    # Changed (one text, one member fewer) and resubmitted: version 2.
    assert (
        save(
            people.pg,
            ka,
            risiken="Lieferzeiten, Baupreise.",
            mitglieder=[str(people.pg.pk), str(people.pg_member.pk)],
        ).status_code
        == 302
    )
    assert submit(people.pg_member, ka).status_code == 302
    assert list(SteckbriefVersion.objects.filter(kernaktivitaet=ka).values_list("nummer", flat=True)) == [
        1,
        2,
    ]

    # The Zirkel sees exactly what changed, line by line.
    review = open_task(ka, "zirkel_review")
    response = client_for(people.zirkel).get(f"/aufgaben/{review.pk}/")
    shown = response.context["steckbrief"]
    assert (shown.version.nummer, shown.previous) == (2, 1)
    assert [change.field for change in shown.changes] == ["risiken", "projektgruppe"]
    risiken, gruppe = shown.changes
    assert (risiken.removed, risiken.added) == (["Lieferzeiten."], ["Lieferzeiten, Baupreise."])
    assert (gruppe.removed, gruppe.added) == (["kollege"], [])
    assert "Geändert gegenüber Fassung 1" in response.content.decode()

    # Approved and adopted: every decision names version 2, and so does the resolution.
    assert decide(people.zirkel, review, "zirkel_forward", "Empfehlung").status_code == 302
    assert decide(people.vorstand, open_task(ka, "board_decision"), "board_approve").status_code == 302
    task = open_task(ka, "council_record")
    assert council(people.ratsbuero, [task], {task.pk: {"result": "adopted"}}).status_code == 302
    assert status_of(ka) == KaStatus.RUNNING
    adopted = Resolution.objects.get(kernaktivitaet=ka).steckbrief_version
    assert adopted is not None and adopted.nummer == 2
    ka_page = client_for(people.zirkel).get(f"/kernaktivitaeten/{ka.code}/").content.decode()
    assert "über Fassung 2 des Steckbriefs" in ka_page and "Projektsteckbrief, Fassung 2" in ka_page
    named = AuditEvent.objects.filter(
        kernaktivitaet=ka, action__in=["zirkel_forward", "board_approve", "council_record"]
    )
    assert [event.data["steckbrief_version"] for event in named.order_by("seq")] == [2, 2, 2]

    # The people of the adopted version hold the project group's rights; the one removed does not.
    ka.refresh_from_db()
    for member in (people.pg, people.pg_member):
        assert rights.may(member, Action.SUBMIT_REPORT, ka), member
    assert not rights.may(colleague, Action.SUBMIT_REPORT, ka)
    assert set(ka.projektgruppe.values_list("username", flat=True)) == {"pg_lead", "pg_member"}


def test_a_person_named_in_a_draft_gets_no_rights_before_the_council(people, draft, themen):
    colleague = make_user("kollege", Role.PROJEKTGRUPPE)
    assert save(people.pg, draft, mitglieder=[str(people.pg.pk), str(colleague.pk)]).status_code == 302
    assert list(Steckbrief.objects.get(kernaktivitaet=draft).mitglieder.all()) != []
    assert not rights.may(colleague, Action.EDIT, draft)
    assert client_for(colleague).get(f"/vorschlaege/{draft.pk}/").status_code == 404


def versions(ka: Any, count: int, author: Any) -> None:
    document = {"titel": ka.titel, "risiken": "Lieferzeiten."}
    start = SteckbriefVersion.objects.filter(kernaktivitaet=ka).count()
    for number in range(start + 1, count + 1):
        SteckbriefVersion.objects.create(
            kernaktivitaet=ka,
            nummer=number,
            inhalt={**document, "risiken": f"Stand {number}"},
            eingereicht_von=author,
        )


def queries(user: Any, url: str) -> int:
    client = client_for(user)
    client.get(url)  # caches of the process (content types, permissions) filled as by any request before
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_ka_page_and_review_page_read_the_same_at_one_and_at_twenty_versions(people, proposal):
    submit(people.pg, proposal)
    review = open_task(proposal, "zirkel_review")
    pages = [
        (people.zirkel, f"/kernaktivitaeten/{proposal.code}/"),
        (people.pg, f"/kernaktivitaeten/{proposal.code}/"),
        (people.zirkel, f"/aufgaben/{review.pk}/"),
    ]
    at_one = [queries(user, url) for user, url in pages]
    versions(proposal, 20, people.pg)
    at_twenty = [queries(user, url) for user, url in pages]
    assert at_one == at_twenty
