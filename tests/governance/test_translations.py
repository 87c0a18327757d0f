"""The English catalog is complete: every message translated, none fuzzy, and the compiled file is current."""

import ast
import gettext
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

CATALOG = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int | None, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False


def parse_po(text: str) -> list[Entry]:
    """A small reader of the gettext .po format (enough for the catalogs makemessages writes)."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int | None] = ("msgid", None)

    def finish() -> None:
        nonlocal entry
        if entry is not None:
            entries.append(entry)
        entry = None

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            finish()
            continue
        if entry is None:
            entry = Entry()
        if line.startswith("#~"):
            entry.obsolete = True
            continue
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if keyword == "msgid":
            target = ("msgid", None)
            entry.msgid = ast.literal_eval(rest)
        elif keyword == "msgid_plural":
            target = ("msgid_plural", None)
            entry.msgid_plural = ast.literal_eval(rest)
        elif keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else None
            target = ("msgstr", index)
            entry.msgstr[index] = ast.literal_eval(rest)
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if target[0] == "msgstr":
                entry.msgstr[target[1]] += value
            elif target[0] == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + value
            else:
                entry.msgid += value
    finish()
    return [e for e in entries if e.msgid and not e.obsolete]


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return parse_po(CATALOG.read_text(encoding="utf-8"))


def test_catalog_has_messages(entries: list[Entry]) -> None:
    assert len(entries) > 100


def test_no_message_is_left_untranslated(entries: list[Entry]) -> None:
    empty = [
        e.msgid for e in entries if not e.msgstr or any(not value.strip() for value in e.msgstr.values())
    ]
    assert not empty, f"{len(empty)} untranslated messages, e.g. {empty[:10]}"


def test_no_message_is_fuzzy(entries: list[Entry]) -> None:
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert not fuzzy, f"{len(fuzzy)} fuzzy messages, e.g. {fuzzy[:10]}"


def test_plural_messages_have_both_english_forms(entries: list[Entry]) -> None:
    incomplete = [e.msgid for e in entries if e.msgid_plural is not None and set(e.msgstr) != {0, 1}]
    assert not incomplete


def test_compiled_catalog_matches_the_source(entries: list[Entry]) -> None:
    """The committed .mo carries every translation of the .po (compilemessages ran after the last edit)."""
    with CATALOG.with_suffix(".mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)
    stale = [
        e.msgid
        for e in entries
        if (e.msgid_plural is None and catalog.gettext(e.msgid) != e.msgstr[None])
        or (e.msgid_plural is not None and catalog.ngettext(e.msgid, e.msgid_plural, 1) != e.msgstr.get(0))
    ]
    assert not stale, f"{len(stale)} messages differ from django.mo, e.g. {stale[:5]}: run compilemessages"


def test_parser_reports_an_empty_and_a_fuzzy_entry() -> None:
    sample = 'msgid "A"\nmsgstr ""\n\n#, fuzzy, python-format\nmsgid "B"\nmsgstr "b"\n'
    parsed = parse_po(sample)
    assert [(e.msgid, e.msgstr[None], "fuzzy" in e.flags) for e in parsed] == [
        ("A", "", False),
        ("B", "b", True),
    ]


def test_english_is_served_from_the_catalog() -> None:
    with translation.override("en"):
        assert translation.gettext("Kernaktivitäten") == "Core activities"


def test_catalog_holds_every_message_of_the_code_and_templates(tmp_path: Path) -> None:
    """makemessages on a copy of the sources finds no message the committed catalog lacks."""
    root = Path(settings.BASE_DIR)
    packages = [
        p.name for p in root.iterdir() if (p / "__init__.py").exists() and p.name not in ("tests", "bench")
    ]
    for name in (*packages, "templates", "locale"):
        shutil.copytree(root / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(root / "manage.py", tmp_path / "manage.py")
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete"],
        cwd=tmp_path,
        env={**os.environ, "DEBUG": "true", "VAR_DIR": str(tmp_path / "var")},
        check=True,
        capture_output=True,
    )
    fresh = {e.msgid for e in parse_po((tmp_path / "locale/en/LC_MESSAGES/django.po").read_text("utf-8"))}
    committed = {e.msgid for e in parse_po(CATALOG.read_text("utf-8")) if not e.obsolete}
    assert fresh - committed == set(), "run `make messages` and translate the new entries"
