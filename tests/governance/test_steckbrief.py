"""The Steckbrief as a document: what is missing before a submission, and what changed between two versions,
on documents alone (no database)."""

from typing import Any

from django.utils import translation

from governance.steckbrief import changes, missing

THEMEN = ["Klima", "Digitalisierung"]


def document(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "titel": "Radschnellweg",
        "kompetenz": "Vorreiterin",
        "schwerpunkt": "Mobilität",
        "querschnittswirkungen": [
            {"thema": "Klima", "wirkung": "positiv", "begruendung": "Weniger Autoverkehr."},
            {"thema": "Digitalisierung", "wirkung": "neutral", "begruendung": "Kein Bezug."},
        ],
        "ausgangslage": "Zu wenig Radwege.",
        "ziele": "12 km bis 2029",
        "massnahmen": "Bauen.",
        "risiken": "Grunderwerb.",
        "kennzahlen": [
            {
                "name": "Radverkehrsanteil",
                "einheit": "%",
                "ausgangswert": "8",
                "ausgangsdatum": "2024-01-01",
                "zielwert": "15",
                "zieldatum": "2030-12-31",
                "richtung": "hoeher",
                "datenquelle": "Zählstellen",
            }
        ],
        "meilensteine": [{"name": "Freigabe", "geplant_am": "2029-09-30"}],
        "geplanter_start": "2026-01-01",
        "geplantes_ende": "2029-12-31",
        "ressourcen": [
            {
                "jahr": 2027,
                "kosten_eur": "500000",
                "haushalt_eur": "500000",
                "foerdermittel_eur": "0",
                "dritte_eur": "0",
            }
        ],
        "personal_vzae": "1.5",
        "linienverantwortung": "Dezernat V",
        "projektleitung": "Pia Lead",
        "projektgruppe": ["Pia Lead"],
        "partner": "",
    }
    values.update(overrides)
    return values


def test_a_complete_document_misses_nothing() -> None:
    assert missing(document(), THEMEN) == []


def test_every_missing_part_is_named_once_in_the_order_of_the_form() -> None:
    found = missing(
        document(
            schwerpunkt="",
            querschnittswirkungen=document()["querschnittswirkungen"][:1],
            risiken="  ",
            kennzahlen=[],
            ressourcen=[],
        ),
        THEMEN,
    )
    assert [item.field for item in found] == [
        "schwerpunkt",
        "querschnittswirkungen",
        "risiken",
        "kennzahlen",
        "ressourcen",
    ]
    assert found[1].message == "Bitte schätzen Sie die Wirkung auf „Digitalisierung“ ein."


def test_unchanged_documents_have_no_changes_and_equal_amounts_compare_equal() -> None:
    assert changes(document(), document()) == []


def test_a_changed_entry_of_a_list_shows_as_one_line_removed_and_one_added() -> None:
    before = document()
    after = document(
        kennzahlen=[{**before["kennzahlen"][0], "zielwert": "20"}],
        querschnittswirkungen=[
            before["querschnittswirkungen"][0],
            {"thema": "Digitalisierung", "wirkung": "positiv", "begruendung": "Zählstellen online."},
        ],
    )
    with translation.override("de"):
        found = changes(before, after)
    assert [change.field for change in found] == ["querschnittswirkungen", "kennzahlen"]
    wirkungen, kennzahlen = found
    assert wirkungen.removed == ["Digitalisierung: neutral – Kein Bezug."]
    assert wirkungen.added == ["Digitalisierung: positiv – Zählstellen online."]
    assert kennzahlen.label == "Kennzahlen"
    assert kennzahlen.removed == [
        "Radverkehrsanteil: 8 % (2024-01-01) → 15 % (2030-12-31), höher ist besser, Quelle: Zählstellen"
    ]
    assert kennzahlen.added[0].startswith("Radverkehrsanteil: 8 % (2024-01-01) → 20 %")


def test_a_field_that_was_filled_in_shows_only_what_was_added() -> None:
    found = changes(document(partner=""), document(partner="USB Bochum GmbH"))
    assert [(change.field, change.removed, change.added) for change in found] == [
        ("partner", [], ["USB Bochum GmbH"])
    ]
