"""What a document is, told by its content: the accepted kinds by their bytes, everything else refused, and
the name kept for a download free of folders, control characters and excess length."""

import io
import zipfile

import pytest

from governance.documents import (
    FALLBACK_STEM,
    NAME_MAX,
    clean_name,
    detect,
    extension_of,
)

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def zipped(*members: tuple[str, bytes], stored_first: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index, (name, content) in enumerate(members):
            method = zipfile.ZIP_STORED if index == 0 and stored_first else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name), content, compress_type=method)
    return buffer.getvalue()


def odf(mimetype: str) -> bytes:
    return zipped(("mimetype", mimetype.encode()), ("content.xml", b"<office:document-content/>"))


def ooxml(folder: str) -> bytes:
    return zipped(("[Content_Types].xml", b"<Types/>"), (f"{folder}main.xml", b"<x/>"))


def ole2(stream: str) -> bytes:
    # The header, then a directory entry holding the stream's name in UTF-16, NUL-terminated.
    return OLE2_MAGIC + b"\x00" * 504 + stream.encode("utf-16-le") + b"\x00\x00" + b"\x00" * 64


SAMPLES = {
    "pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "application/pdf"),
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
    "jpg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"),
    "gif": (b"GIF89a\x01\x00\x01\x00", "image/gif"),
    "webp": (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
    "odt": (odf("application/vnd.oasis.opendocument.text"), "application/vnd.oasis.opendocument.text"),
    "ods": (
        odf("application/vnd.oasis.opendocument.spreadsheet"),
        "application/vnd.oasis.opendocument.spreadsheet",
    ),
    "odp": (
        odf("application/vnd.oasis.opendocument.presentation"),
        "application/vnd.oasis.opendocument.presentation",
    ),
    "docx": (
        ooxml("word/"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xlsx": (ooxml("xl/"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": (
        ooxml("ppt/"),
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    "doc": (ole2("WordDocument"), "application/msword"),
    "xls": (ole2("Workbook"), "application/vnd.ms-excel"),
    "ppt": (ole2("PowerPoint Document"), "application/vnd.ms-powerpoint"),
}


@pytest.mark.parametrize("extension", sorted(SAMPLES))
def test_each_accepted_kind_is_told_by_its_bytes(extension: str) -> None:
    content, content_type = SAMPLES[extension]
    kind = detect(io.BytesIO(content))
    assert kind is not None
    assert kind.content_type == content_type
    assert extension in kind.extensions


def test_detection_leaves_the_file_at_its_start() -> None:
    file = io.BytesIO(SAMPLES["docx"][0])
    file.seek(7)
    detect(file)
    assert file.tell() == 0


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"Hallo, ich bin ein Text und kein PDF.",
        b" %PDF-1.4 (the magic must open the file)",
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"<!DOCTYPE html><html><body>",
        b"MZ\x90\x00\x03\x00\x00\x00",  # a Windows program
        b"\x7fELF\x02\x01\x01",
        zipped(("readme.txt", b"just a zip")),
        # mimetype not the first member, or compressed: not an OpenDocument file
        zipped(("content.xml", b"<x/>"), ("mimetype", b"application/vnd.oasis.opendocument.text")),
        odf("application/vnd.oasis.opendocument.formula"),
        zipped(("word/document.xml", b"<x/>")),  # OOXML without its content types
        zipped(("[Content_Types].xml", b"<Types/>"), ("word/a.xml", b"<x/>"), ("xl/b.xml", b"<x/>")),
        OLE2_MAGIC + b"\x00" * 600,  # a compound file without an Office stream (an installer, a mail)
        b"PK\x03\x04 broken zip",
        b"RIFF\x24\x00\x00\x00WAVEfmt ",
    ],
    ids=lambda content: repr(content[:12]),
)
def test_unknown_content_is_none(content: bytes) -> None:
    assert detect(io.BytesIO(content)) is None


def test_a_legacy_office_stream_name_is_found_beyond_the_first_chunk() -> None:
    from governance import documents

    content = OLE2_MAGIC + b"\x00" * (documents.CHUNK - 10) + "Workbook".encode("utf-16-le") + b"\x00\x00"
    kind = detect(io.BytesIO(content))
    assert kind is not None and kind.content_type == "application/vnd.ms-excel"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("Bericht 2026.pdf", "Bericht 2026.pdf"),
        ("C:\\Users\\x\\Bericht.pdf", "Bericht.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("Be\x00richt.pdf", "Be richt.pdf"),
        ("\u202eevil\u202cfdp.pdf", "evil fdp.pdf"),
        ("  viel    Platz\t\n.pdf", "viel Platz.pdf"),
        (".pdf", f"{FALLBACK_STEM}.pdf"),
        ("", f"{FALLBACK_STEM}.pdf"),
        ("name.", "name"),
        ("Maße und Straße.odt", "Maße und Straße.odt"),
    ],
)
def test_the_kept_name_has_no_folders_and_no_control_characters(given: str, kept: str) -> None:
    pdf = detect(io.BytesIO(SAMPLES["pdf"][0]))
    assert clean_name(given, pdf) == kept


def test_a_long_name_is_cut_keeping_its_extension() -> None:
    name = clean_name("x" * 5000 + ".docx")
    assert len(name) == NAME_MAX
    assert extension_of(name) == "docx"


def test_the_extension_is_compared_in_lower_case() -> None:
    assert extension_of("Scan.JPEG") == "jpeg"
    assert extension_of("ohne Endung") == ""
