import json
from collections import Counter
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from governance.models import KaStatus, Kernaktivitaet, Kompetenz, Querschnittsthema, Schwerpunkt
from governance.strategy_data import DEFAULT_DATA_FILE

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_app_config("governance").get_models()
    }


def load(path: Path = DEFAULT_DATA_FILE) -> str:
    out = StringIO()
    call_command("load_strategy", file=path, stdout=out)
    return out.getvalue()


def test_first_load_reports_what_it_created() -> None:
    output = load()
    assert "Kernaktivitäten: 65 neu, 0 aktualisiert" in output
    assert "Schwerpunkte: 25 neu" in output


def test_second_load_changes_nothing() -> None:
    load()
    before = row_counts()
    output = load()
    assert row_counts() == before
    assert "nichts geändert" in output


def test_status_counts_match_the_strategy() -> None:
    load()
    counts = Counter(Kernaktivitaet.objects.values_list("status", flat=True))
    assert counts == {KaStatus.DONE: 34, KaStatus.RUNNING: 29, KaStatus.STOPPED: 1, KaStatus.MERGED: 1}


def test_merged_ka_points_to_haus_des_wissens() -> None:
    load()
    merged = Kernaktivitaet.objects.get(status=KaStatus.MERGED)
    assert merged.titel.startswith("Bochums Speisekammer")
    assert merged.ueberfuehrt_in is not None
    assert merged.ueberfuehrt_in.titel == "Haus des Wissens"
    assert merged.ueberfuehrt_in.status == KaStatus.RUNNING


def test_each_ka_is_in_its_kompetenz() -> None:
    load()
    raw = json.loads(DEFAULT_DATA_FILE.read_text(encoding="utf-8"))
    expected = {ka["code"]: ka["kompetenz"] for ka in raw["kernaktivitaeten"]}
    actual = dict(Kernaktivitaet.objects.values_list("code", "kompetenz__key"))
    assert actual == expected


def test_strategy_tree_is_complete() -> None:
    load()
    assert Kompetenz.objects.count() == 5
    assert Schwerpunkt.objects.count() == 25
    assert all(k.schwerpunkte.count() == 5 for k in Kompetenz.objects.all())
    assert Querschnittsthema.objects.count() == 5
    assert Kernaktivitaet.objects.filter(tranche__nummer=3).count() == 12


def test_second_run_keeps_status_moved_on_by_the_lifecycle() -> None:
    """After creation only the lifecycle writes status; reloading the data must not undo a decision."""
    load()
    Kernaktivitaet.objects.filter(code="VOR-11").update(status=KaStatus.DONE)
    load()
    assert Kernaktivitaet.objects.get(code="VOR-11").status == KaStatus.DONE


def test_reload_updates_a_changed_title(tmp_path: Path) -> None:
    load()
    raw = json.loads(DEFAULT_DATA_FILE.read_text(encoding="utf-8"))
    raw["kernaktivitaeten"][0]["titel"] = "Mein Bochum – neu benannt"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(raw), encoding="utf-8")
    output = load(changed)
    assert "Kernaktivitäten: 0 neu, 1 aktualisiert" in output
    assert (
        Kernaktivitaet.objects.get(code=raw["kernaktivitaeten"][0]["code"]).titel
        == "Mein Bochum – neu benannt"
    )


MALFORMED = [
    (
        "unknown status",
        lambda raw: raw["kernaktivitaeten"][40].update(status="vielleicht"),
        "unbekannter Status",
    ),
    (
        "unknown kompetenz",
        lambda raw: raw["kernaktivitaeten"][3].update(kompetenz="mond"),
        "unbekannte Kompetenz",
    ),
    ("duplicate code", lambda raw: raw["kernaktivitaeten"][5].update(code="VOR-01"), "VOR-01"),
    ("six schwerpunkte", lambda raw: raw["kompetenzen"][1]["schwerpunkte"].append("Sechster"), "fünf"),
    (
        "merge target missing",
        lambda raw: raw["kernaktivitaeten"][15].update(ueberfuehrt_in="Gibt es nicht"),
        "Ziel",
    ),
    ("title missing", lambda raw: raw["kernaktivitaeten"][64].pop("titel"), "titel"),
]


@pytest.mark.parametrize(("case", "damage", "message"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_file_changes_nothing_and_names_the_entry(tmp_path: Path, case, damage, message) -> None:
    load()
    before = row_counts()
    raw = json.loads(DEFAULT_DATA_FILE.read_text(encoding="utf-8"))
    damage(raw)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(CommandError) as error:
        load(bad)
    assert message in str(error.value)
    assert "nichts geändert" in str(error.value)
    assert row_counts() == before


def test_malformed_file_on_empty_database_writes_no_row(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"strategie": ', encoding="utf-8")
    with pytest.raises(CommandError, match="kein gültiges JSON"):
        load(bad)
    assert sum(row_counts().values()) == 0


def test_error_names_the_bad_ka_by_code(tmp_path: Path) -> None:
    raw = json.loads(DEFAULT_DATA_FILE.read_text(encoding="utf-8"))
    raw["kernaktivitaeten"][10]["tranche"] = 9
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(CommandError) as error:
        load(bad)
    assert raw["kernaktivitaeten"][10]["code"] in str(error.value)
    assert Kernaktivitaet.objects.count() == 0


def test_a_load_reads_and_inserts_each_kind_of_row_at_once(
    django_assert_max_num_queries: Any,
) -> None:
    """Ten kinds of rows: one read and one insert each, not a statement per row (294 before), since every
    browser test that needs the strategy loads it again."""
    with django_assert_max_num_queries(25):
        load()
    with django_assert_max_num_queries(13):
        assert "nichts geändert" in load()
