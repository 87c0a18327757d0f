"""What kind of file a document is, told by its content and never by its name, and a name fit to keep.

The name a person gives a file is only checked against what its content is: a PDF must be called ``.pdf``, a
Word file ``.docx``. Only the kinds listed here are taken; SVG and HTML are not among them, since a browser
runs the scripts they may carry. No third-party library: the magic bytes and, for the zip-based formats, the
names in the archive's directory suffice (nothing is unpacked).
"""

import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import IO

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Dokumenttyp:
    content_type: str
    label: Promise
    extensions: tuple[str, ...]


PDF = Dokumenttyp("application/pdf", _("PDF-Dokument"), ("pdf",))
PNG = Dokumenttyp("image/png", _("PNG-Bild"), ("png",))
JPEG = Dokumenttyp("image/jpeg", _("JPEG-Bild"), ("jpg", "jpeg"))
GIF = Dokumenttyp("image/gif", _("GIF-Bild"), ("gif",))
WEBP = Dokumenttyp("image/webp", _("WebP-Bild"), ("webp",))
ODF_TYPES = {
    "application/vnd.oasis.opendocument.text": Dokumenttyp(
        "application/vnd.oasis.opendocument.text", _("OpenDocument-Text"), ("odt",)
    ),
    "application/vnd.oasis.opendocument.spreadsheet": Dokumenttyp(
        "application/vnd.oasis.opendocument.spreadsheet", _("OpenDocument-Tabelle"), ("ods",)
    ),
    "application/vnd.oasis.opendocument.presentation": Dokumenttyp(
        "application/vnd.oasis.opendocument.presentation", _("OpenDocument-Präsentation"), ("odp",)
    ),
    "application/vnd.oasis.opendocument.graphics": Dokumenttyp(
        "application/vnd.oasis.opendocument.graphics", _("OpenDocument-Zeichnung"), ("odg",)
    ),
}
# OOXML: the folder of the main part in the archive says which application wrote it.
OOXML_TYPES = {
    "word/": Dokumenttyp(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _("Word-Dokument"),
        ("docx",),
    ),
    "xl/": Dokumenttyp(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _("Excel-Tabelle"), ("xlsx",)
    ),
    "ppt/": Dokumenttyp(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _("PowerPoint-Präsentation"),
        ("pptx",),
    ),
}
# Legacy Office files are OLE2 compound files, as are installers and mail files: the stream that holds the
# document (its name in UTF-16 in the compound file's directory) tells the three applications apart.
OLE2_TYPES = {
    "WordDocument": Dokumenttyp("application/msword", _("Word-Dokument (alt)"), ("doc",)),
    "Workbook": Dokumenttyp("application/vnd.ms-excel", _("Excel-Tabelle (alt)"), ("xls",)),
    "Book": Dokumenttyp("application/vnd.ms-excel", _("Excel-Tabelle (alt)"), ("xls",)),
    "PowerPoint Document": Dokumenttyp(
        "application/vnd.ms-powerpoint", _("PowerPoint-Präsentation (alt)"), ("ppt",)
    ),
}
TYPES = (PDF, PNG, JPEG, GIF, WEBP, *ODF_TYPES.values(), *OOXML_TYPES.values(), *OLE2_TYPES.values())
BY_CONTENT_TYPE = {kind.content_type: kind for kind in TYPES}

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
HEAD_BYTES = 512
CHUNK = 1 << 20


def detect(file: IO[bytes]) -> Dokumenttyp | None:
    """The kind of the file's content, or None when it is none of the accepted kinds. Reads from the start
    and leaves the file at its start."""
    file.seek(0)
    head = file.read(HEAD_BYTES)
    try:
        if head.startswith(b"%PDF-"):
            return PDF
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return PNG
        if head.startswith(b"\xff\xd8\xff"):
            return JPEG
        if head.startswith((b"GIF87a", b"GIF89a")):
            return GIF
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            return WEBP
        if head.startswith(ZIP_MAGIC):
            return _odf(head) or _ooxml(file)
        if head.startswith(OLE2_MAGIC):
            return _ole2(file)
        return None
    finally:
        file.seek(0)


def _odf(head: bytes) -> Dokumenttyp | None:
    """OpenDocument: the archive's first member is ``mimetype``, stored uncompressed, holding the type."""
    name_length = int.from_bytes(head[26:28], "little")
    extra_length = int.from_bytes(head[28:30], "little")
    if head[30 : 30 + name_length] != b"mimetype":
        return None
    start = 30 + name_length + extra_length
    for content_type, kind in ODF_TYPES.items():
        if head[start : start + len(content_type)] == content_type.encode("ascii"):
            return kind
    return None


def _ooxml(file: IO[bytes]) -> Dokumenttyp | None:
    """Office Open XML: ``[Content_Types].xml`` and the main part's folder, read from the archive's directory
    (nothing is unpacked)."""
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    kinds = {kind for folder, kind in OOXML_TYPES.items() if any(name.startswith(folder) for name in names)}
    return kinds.pop() if len(kinds) == 1 else None


def _ole2(file: IO[bytes]) -> Dokumenttyp | None:
    wanted = {name.encode("utf-16-le") + b"\x00\x00": kind for name, kind in OLE2_TYPES.items()}
    overlap = max(len(needle) for needle in wanted)
    file.seek(0)
    tail = b""
    while chunk := file.read(CHUNK):
        window = tail + chunk
        for needle, kind in wanted.items():
            if needle in window:
                return kind
        tail = window[-overlap:]
    return None


NAME_MAX = 200
FALLBACK_STEM = "dokument"


def clean_name(name: str, kind: Dokumenttyp | None = None) -> str:
    """The file name to keep and offer at download: no folders, no control or formatting characters (NUL,
    bidi overrides), spaces collapsed, at most NAME_MAX characters with the extension kept."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    # Control, formatting, unassigned and surrogate characters (categories C*), then runs of spaces.
    name = "".join(" " if unicodedata.category(char).startswith("C") else char for char in name)
    name = re.sub(r"\s+", " ", name).strip().rstrip(". ")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    extension = extension[:10]
    if not stem:
        stem = FALLBACK_STEM
        if not extension and kind is not None:
            extension = kind.extensions[0]
    room = NAME_MAX - (len(extension) + 1 if extension else 0)
    stem = stem[:room].rstrip(" .") or FALLBACK_STEM
    return f"{stem}.{extension}" if extension else stem


def extension_of(name: str) -> str:
    _stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot else ""
