"""The Projektsteckbrief's services: a draft saved at any point by the project group, a version frozen only
when nothing required is missing, numbered, and on PostgreSQL never changed or deleted afterwards."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, ProgrammingError, connection, transaction

from core.errors import Incomplete, Invalid, Refused
from governance.models import (
    AuditEvent,
    Kennzahl,
    Kernaktivitaet,
    Organisationseinheit,
    Querschnittsthema,
    Schwerpunkt,
    SteckbriefVersion,
)
from governance.steckbrief import changes
from tests.people import People
from workflow import services
from workflow.flows import KaDecisionFlow
from workflow.services.steckbrief import (
    KennzahlInput,
    MeilensteinInput,
    RessourcenInput,
    SteckbriefInput,
    WirkungInput,
    steckbrief_save,
)
from workflow.steckbrief_versions import steckbrief_freeze

pytestmark = pytest.mark.django_db


def kennzahl(zielwert: Decimal = Decimal("15")) -> KennzahlInput:
    return KennzahlInput(
        name="Radverkehrsanteil",
        einheit="%",
        ausgangswert=Decimal("8"),
        ausgangsdatum=date(2024, 1, 1),
        zielwert=zielwert,
        zieldatum=date(2030, 12, 31),
        richtung="hoeher",
        datenquelle="Zählstellen",
    )


def complete_input(**overrides: object) -> SteckbriefInput:
    values: dict[str, object] = {
        "ausgangslage": "Der Radverkehr wächst, die Wege nicht.",
        "massnahmen": "Planung, Ausschreibung, Bau in drei Abschnitten.",
        "risiken": "Fördermittel, Grunderwerb.",
        "personal_vzae": Decimal("1.5"),
        "querschnittswirkungen": [
            WirkungInput(thema, "positiv", "Mehr sichere Wege für alle.")
            for thema in Querschnittsthema.objects.order_by("position")
        ],
        "kennzahlen": [kennzahl()],
        "meilensteine": [
            MeilensteinInput("Planfeststellung", date(2027, 6, 30)),
            MeilensteinInput("Freigabe", date(2029, 9, 30)),
        ],
        "ressourcen": [RessourcenInput(2027, Decimal("500000"), haushalt_eur=Decimal("500000"))],
        "projektleitung": get_user_model().objects.get(username="pg_lead"),
    }
    values.update(overrides)
    return SteckbriefInput(**values)  # type: ignore[arg-type]


@pytest.fixture
def draft(strategy: None, people: People) -> Kernaktivitaet:
    """A draft whose KA fields are complete; its Steckbrief is what each test writes."""
    ka = services.kernaktivitaet_create_proposal(
        actor=people.pg,
        kompetenz=Schwerpunkt.objects.order_by("pk").first().kompetenz,  # type: ignore[union-attr]
        titel="Radschnellweg",
        smart_ziele="12 km bis Ende 2029",
        geplantes_ende=date(2029, 12, 31),
    )
    Kernaktivitaet.objects.filter(pk=ka.pk).update(
        schwerpunkt=Schwerpunkt.objects.filter(kompetenz=ka.kompetenz).first(),
        linienverantwortung=Organisationseinheit.objects.first(),
    )
    return Kernaktivitaet.objects.get(pk=ka.pk)


def test_a_half_written_draft_is_saved_and_its_freeze_names_every_missing_part(draft, people):
    steckbrief_save(
        actor=people.pg,
        kernaktivitaet=draft,
        data=SteckbriefInput(ausgangslage="Erst die Ausgangslage."),
    )
    assert draft.steckbrief.ausgangslage == "Erst die Ausgangslage."
    with pytest.raises(Incomplete) as refusal:
        steckbrief_freeze(actor=people.pg, kernaktivitaet=draft)
    fields = [field for field, _message in refusal.value.problems]
    assert fields[:2] == ["querschnittswirkungen"] * 2  # one per Querschnittsthema not rated yet
    assert {"massnahmen", "risiken", "kennzahlen", "meilensteine", "ressourcen"} <= set(fields)
    assert "ausgangslage" not in fields
    assert not SteckbriefVersion.objects.exists()


def test_each_submission_freezes_the_next_version_and_the_diff_shows_only_what_changed(draft, people):
    steckbrief_save(actor=people.pg, kernaktivitaet=draft, data=complete_input())
    first = steckbrief_freeze(actor=people.pg, kernaktivitaet=draft)
    changed = complete_input(
        risiken="Fördermittel, Grunderwerb, Baupreise.",
        meilensteine=[
            MeilensteinInput("Planfeststellung", date(2027, 6, 30)),
            MeilensteinInput("Freigabe", date(2029, 10, 31)),
        ],
    )
    steckbrief_save(actor=people.pg, kernaktivitaet=draft, data=changed)
    second = steckbrief_freeze(actor=people.pg, kernaktivitaet=draft)

    assert (first.nummer, second.nummer) == (1, 2)
    assert first.inhalt["risiken"] == "Fördermittel, Grunderwerb."
    diff = changes(first.inhalt, second.inhalt)
    assert [change.field for change in diff] == ["risiken", "meilensteine"]
    milestones = diff[1]
    assert (milestones.removed, milestones.added) == (["Freigabe: 2029-09-30"], ["Freigabe: 2029-10-31"])


def test_the_last_milestone_after_the_planned_end_is_refused_at_the_freeze(draft, people):
    late = complete_input(meilensteine=[MeilensteinInput("Freigabe", date(2030, 3, 31))])
    steckbrief_save(actor=people.pg, kernaktivitaet=draft, data=late)
    with pytest.raises(Incomplete) as refusal:
        steckbrief_freeze(actor=people.pg, kernaktivitaet=draft)
    assert refusal.value.problems == [
        ("meilensteine", "Der letzte Meilenstein liegt nach dem geplanten Ende des Vorhabens.")
    ]


def test_a_wrong_row_is_refused_with_its_field_and_nothing_is_written(draft, people):
    steckbrief_save(actor=people.pg, kernaktivitaet=draft, data=complete_input())
    huge = complete_input(kennzahlen=[kennzahl(zielwert=Decimal("1e20"))], risiken="anders")
    with pytest.raises(Invalid) as refusal:
        steckbrief_save(actor=people.pg, kernaktivitaet=draft, data=huge)
    assert refusal.value.field == "kennzahlen-0-zielwert"
    draft.steckbrief.refresh_from_db()
    assert draft.steckbrief.risiken == "Fördermittel, Grunderwerb."
    assert Kennzahl.objects.get().zielwert == Decimal("15")


def test_only_the_project_group_writes_the_draft(draft, people):
    for outsider in (people.pg_other, people.beirat, people.nobody):
        with pytest.raises(Refused):
            steckbrief_save(actor=outsider, kernaktivitaet=draft, data=complete_input())
    assert not hasattr(Kernaktivitaet.objects.get(pk=draft.pk), "steckbrief")


@pytest.mark.postgres
def test_a_version_is_never_changed_or_deleted_even_by_sql(draft, people):
    steckbrief_save(actor=people.pg, kernaktivitaet=draft, data=complete_input())
    version = steckbrief_freeze(actor=people.pg, kernaktivitaet=draft)
    with pytest.raises(ValueError):
        version.save()
    with pytest.raises(ValueError):
        version.delete()
    for statement in (
        "UPDATE governance_steckbriefversion SET inhalt = '{}'::jsonb WHERE id = %s",
        "DELETE FROM governance_steckbriefversion WHERE id = %s",
    ):
        with pytest.raises(ProgrammingError, match="immutable"), transaction.atomic():
            connection.cursor().execute(statement, [version.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        SteckbriefVersion.objects.create(kernaktivitaet=draft, nummer=1, inhalt={}, eingereicht_von=people.pg)
    assert SteckbriefVersion.objects.get().inhalt == version.inhalt


@pytest.mark.parametrize(
    ("risiken", "versions"), [("Fördermittel, Grunderwerb.", [1]), ("Baupreise.", [1, 2])]
)
def test_a_forwarding_freezes_a_new_version_only_when_the_zirkel_changed_the_steckbrief(
    draft, people, risiken, versions
):
    steckbrief_save(actor=people.pg, kernaktivitaet=draft, data=complete_input())
    services.kernaktivitaet_submit(actor=people.pg, kernaktivitaet=draft)
    review = services.open_task(draft.pk, KaDecisionFlow.zirkel_review)
    assert review is not None
    # The Zirkel saves the Steckbrief during its review, changed or as it was.
    steckbrief_save(actor=people.zirkel, kernaktivitaet=draft, data=complete_input(risiken=risiken))
    services.task_decide(actor=people.zirkel, task_id=review.pk, action="zirkel_forward", reason="ja")
    assert (
        list(SteckbriefVersion.objects.filter(kernaktivitaet=draft).values_list("nummer", flat=True))
        == versions
    )
    forwarded = AuditEvent.objects.get(kernaktivitaet=draft, action="zirkel_forward")
    assert forwarded.data["steckbrief_version"] == versions[-1]
