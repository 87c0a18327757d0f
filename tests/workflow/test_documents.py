"""The documents of a KA: upload and removal through the services and the pages, the audit trail of both, the
download only to who may see a document, and files in the storage the settings name.

Every test runs twice: with the file system storage of the embedded mode (in a temporary folder) and with a
second storage class (Django's in-memory storage), so that nothing depends on files being on a disk.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.errors import Invalid, MovedOn, Refused
from governance.models import AuditEvent, Dokument, Kernaktivitaet, Kompetenz
from tests.people import People, client_for, make_ka
from workflow import services
from workflow.grants import kernaktivitaet_set_projektgruppe, kompetenz_set_verantwortliche

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01"


@pytest.fixture(params=["filesystem", "memory"])
def storage(request: pytest.FixtureRequest, settings: Any, tmp_path: Any) -> Iterator[str]:
    """STORAGES["dokumente"] as a test sets it: a folder of its own, or memory."""
    backend = {
        "filesystem": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "dokumente")},
        },
        "memory": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }[request.param]
    settings.STORAGES = {**settings.STORAGES, "dokumente": backend}
    yield request.param


@pytest.fixture(autouse=True)
def kv_owns_the_kompetenz(people: People, kompetenz: Kompetenz) -> None:
    kompetenz_set_verantwortliche(kompetenz=kompetenz, users=[people.kv])


def stored_files(folder: str = "") -> list[str]:
    """Every file in the documents' storage."""
    storage = storages["dokumente"]
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return []
    found = [f"{folder}/{name}".lstrip("/") for name in files]
    for sub in folders:
        found += stored_files(f"{folder}/{sub}".lstrip("/"))
    return found


def upload(name: str = "Bericht.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def documents_url(ka: Kernaktivitaet) -> str:
    return f"/kernaktivitaeten/{ka.code}/dokumente/"


def link_to(url: str) -> str:
    return f'href="{url}"'


def download_url(ka: Kernaktivitaet, dokument: Dokument) -> str:
    return f"/kernaktivitaeten/{ka.code}/dokumente/{dokument.pk}/"


def written() -> tuple[int, int, list[str]]:
    return Dokument.objects.count(), AuditEvent.objects.count(), stored_files()


# --- the services ------


def test_upload_keeps_the_file_under_a_random_name_with_its_audit_event(
    storage: str, people: People, running: Kernaktivitaet
) -> None:
    dokument = services.dokument_upload(
        actor=people.pg, kernaktivitaet=running, uploaded_file=upload("Plan.pdf"), oeffentlich=False
    )
    dokument.refresh_from_db()
    assert (dokument.name, dokument.content_type, dokument.groesse) == (
        "Plan.pdf",
        "application/pdf",
        len(PDF),
    )
    folder, random_name = str(dokument.datei.name).split("/")
    assert folder == str(running.pk)
    assert len(random_name) == 32 and "Plan" not in random_name
    assert stored_files() == [dokument.datei.name]
    with storages["dokumente"].open(str(dokument.datei.name)) as stored:
        assert stored.read() == PDF
    event = AuditEvent.objects.get(kernaktivitaet=running, action="document_upload")
    assert (event.subject, event.actor, event.from_status, event.to_status) == ("Plan.pdf", people.pg, "", "")
    assert event.data["sha256"] == dokument.sha256 and len(dokument.sha256) == 64
    assert (event.data["groesse"], event.data["content_type"]) == (len(PDF), "application/pdf")
    running.refresh_from_db()
    assert running.status == "running"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("Bericht.pdf", b"Das ist kein PDF, nur Text.", "Diese Art von Datei wird nicht angenommen"),
        ("Bericht.pdf", PNG, "Der Dateiname passt nicht zum Inhalt"),
        ("Bild.png", PDF, "Der Name muss auf .pdf enden"),
        ("Bericht", PDF, "Der Name muss auf .pdf enden"),
        ("leer.pdf", b"", "Die Datei ist leer"),
        ("Seite.html", b"<html><script>alert(1)</script></html>", "nicht angenommen"),
    ],
)
def test_content_decides_and_a_refusal_writes_nothing(
    storage: str, people: People, running: Kernaktivitaet, name: str, content: bytes, message: str
) -> None:
    before = written()
    with pytest.raises(Invalid, match=message) as refusal:
        services.dokument_upload(
            actor=people.pg, kernaktivitaet=running, uploaded_file=upload(name, content), oeffentlich=True
        )
    assert refusal.value.field == "datei"
    assert written() == before


def test_a_file_over_the_limit_is_refused_with_the_limit(
    storage: str, settings: Any, people: People, running: Kernaktivitaet
) -> None:
    settings.DOKUMENT_MAX_BYTES = 1000
    before = written()
    with pytest.raises(
        Invalid, match="Die Datei ist zu groß \\(1,9\xa0KB\\)\\. Erlaubt sind höchstens 1000\xa0Bytes"
    ):
        services.dokument_upload(
            actor=people.pg,
            kernaktivitaet=running,
            uploaded_file=upload(content=PDF + b"0" * 1900),
            oeffentlich=False,
        )
    assert written() == before


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("pg", True),
        ("kv", True),
        ("zirkel", True),
        ("pg_member", False),  # a Projektgruppe member, but not of this KA (``running`` has only its lead)
        ("pg_other", False),
        ("kv_other", False),
        ("vorstand", False),
        ("ratsbuero", False),
        ("beirat", False),
        ("nobody", False),
    ],
)
def test_who_may_upload(
    storage: str, people: People, running: Kernaktivitaet, who: str, allowed: bool
) -> None:
    actor = getattr(people, who)
    before = written()
    if allowed:
        services.dokument_upload(
            actor=actor, kernaktivitaet=running, uploaded_file=upload(), oeffentlich=False
        )
        assert Dokument.objects.filter(hochgeladen_von=actor).count() == 1
    else:
        with pytest.raises(Refused, match="Dokumente laden die Projektgruppe"):
            services.dokument_upload(
                actor=actor, kernaktivitaet=running, uploaded_file=upload(), oeffentlich=False
            )
        assert written() == before


def test_a_failed_transaction_deletes_the_stored_file(
    storage: str, people: People, running: Kernaktivitaet, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the audit trail is unavailable")

    monkeypatch.setattr(AuditEvent.objects, "create", broken)
    before = written()
    with pytest.raises(RuntimeError):
        services.dokument_upload(
            actor=people.pg, kernaktivitaet=running, uploaded_file=upload(), oeffentlich=False
        )
    assert written() == before


def test_removal_deletes_row_and_file_and_the_audit_trail_keeps_both_events(
    storage: str, people: People, running: Kernaktivitaet, django_capture_on_commit_callbacks: Any
) -> None:
    dokument = services.dokument_upload(
        actor=people.pg, kernaktivitaet=running, uploaded_file=upload("Alt.pdf"), oeffentlich=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.dokument_remove(actor=people.pg, dokument=dokument)
    assert not Dokument.objects.exists()
    assert stored_files() == []
    events = list(
        AuditEvent.objects.filter(kernaktivitaet=running).order_by("seq").values_list("action", "subject")
    )
    assert events == [("document_upload", "Alt.pdf"), ("document_remove", "Alt.pdf")]
    with pytest.raises(MovedOn, match="bereits entfernt"):
        services.dokument_remove(actor=people.pg, dokument=dokument)


def test_the_file_stays_until_the_removal_is_committed(
    storage: str, people: People, running: Kernaktivitaet, django_capture_on_commit_callbacks: Any
) -> None:
    dokument = services.dokument_upload(
        actor=people.pg, kernaktivitaet=running, uploaded_file=upload(), oeffentlich=False
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.dokument_remove(actor=people.zirkel, dokument=dokument)
    assert stored_files() == [dokument.datei.name]
    assert len(callbacks) == 1


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("pg", True),  # the uploader
        ("zirkel", True),
        ("pg_member", False),  # in the project group, but not the uploader
        ("kv", False),  # may upload, but did not upload this one
        ("vorstand", False),
        ("beirat", False),
        ("nobody", False),
    ],
)
def test_who_may_remove(
    storage: str, people: People, running: Kernaktivitaet, who: str, allowed: bool
) -> None:
    kernaktivitaet_set_projektgruppe(
        kernaktivitaet=running, projektleitung=people.pg, mitglieder=[people.pg, people.pg_member]
    )
    dokument = services.dokument_upload(
        actor=people.pg, kernaktivitaet=running, uploaded_file=upload(), oeffentlich=False
    )
    actor = getattr(people, who)
    if allowed:
        services.dokument_remove(actor=actor, dokument=dokument)
        assert not Dokument.objects.exists()
    else:
        before = written()
        with pytest.raises(Refused, match="entfernen nur, wer es hochgeladen hat"):
            services.dokument_remove(actor=actor, dokument=dokument)
        assert written() == before


def test_an_uploader_who_left_the_project_group_no_longer_removes(
    storage: str, people: People, running: Kernaktivitaet
) -> None:
    kernaktivitaet_set_projektgruppe(
        kernaktivitaet=running, projektleitung=people.pg, mitglieder=[people.pg, people.pg_member]
    )
    dokument = services.dokument_upload(
        actor=people.pg_member, kernaktivitaet=running, uploaded_file=upload(), oeffentlich=False
    )
    kernaktivitaet_set_projektgruppe(kernaktivitaet=running, projektleitung=people.pg, mitglieder=[people.pg])
    with pytest.raises(Refused):
        services.dokument_remove(actor=people.pg_member, dokument=dokument)


# --- the pages ------


@pytest.fixture
def internal_and_public(people: People, running: Kernaktivitaet) -> tuple[Dokument, Dokument]:
    internal = services.dokument_upload(
        actor=people.pg, kernaktivitaet=running, uploaded_file=upload("intern.pdf"), oeffentlich=False
    )
    public = services.dokument_upload(
        actor=people.pg, kernaktivitaet=running, uploaded_file=upload("Flyer.png", PNG), oeffentlich=True
    )
    return internal, public


def test_download_is_an_attachment_that_no_browser_sniffs_or_shares(
    storage: str, people: People, running: Kernaktivitaet, internal_and_public: tuple[Dokument, Dokument]
) -> None:
    internal, _public = internal_and_public
    response = client_for(people.pg).get(download_url(running, internal))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="intern.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]


def test_an_internal_document_is_404_for_the_public_and_another_project_group(
    storage: str, people: People, running: Kernaktivitaet, internal_and_public: tuple[Dokument, Dokument]
) -> None:
    internal, public = internal_and_public
    assert Client().get(download_url(running, internal)).status_code == 404
    assert client_for(people.pg_other).get(download_url(running, internal)).status_code == 404
    assert client_for(people.kv_other).get(download_url(running, internal)).status_code == 404
    # The public document of a public KA is there for everybody.
    response = Client().get(download_url(running, public))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG  # type: ignore[attr-defined]
    # Who reads the KA's internal data gets both.
    for reader in (people.pg, people.kv, people.zirkel, people.beirat):
        assert client_for(reader).get(download_url(running, internal)).status_code == 200


def test_the_public_history_tells_only_of_public_documents(
    storage: str, people: People, running: Kernaktivitaet, internal_and_public: tuple[Dokument, Dokument]
) -> None:
    internal, _public = internal_and_public
    services.dokument_remove(actor=people.pg, dokument=internal)
    public_history = Client().get(f"/kernaktivitaeten/{running.code}/").context["audit_events"]
    assert [(e.action, e.data["oeffentlich"]) for e in public_history] == [("document_upload", True)]
    internal_history = (
        client_for(people.zirkel).get(f"/kernaktivitaeten/{running.code}/").context["audit_events"]
    )
    assert sorted(e.action for e in internal_history) == [
        "document_remove",
        "document_upload",
        "document_upload",
    ]


def test_a_public_document_of_a_ka_in_preparation_is_404_for_the_public(
    storage: str, people: People, draft: Kernaktivitaet
) -> None:
    dokument = services.dokument_upload(
        actor=people.pg, kernaktivitaet=draft, uploaded_file=upload(), oeffentlich=True
    )
    assert Client().get(download_url(draft, dokument)).status_code == 404
    assert client_for(people.pg_other).get(download_url(draft, dokument)).status_code == 404
    assert client_for(people.pg).get(download_url(draft, dokument)).status_code == 200


def test_a_document_of_another_ka_under_this_code_is_404(
    storage: str, people: People, running: Kernaktivitaet, kompetenz: Any
) -> None:
    other = make_ka(kompetenz, "PRF-02", lead=people.pg)
    dokument = services.dokument_upload(
        actor=people.pg, kernaktivitaet=other, uploaded_file=upload(), oeffentlich=True
    )
    assert client_for(people.zirkel).get(download_url(running, dokument)).status_code == 404
    assert client_for(people.zirkel).get(download_url(other, dokument)).status_code == 200
    assert (
        client_for(people.zirkel).get(f"/kernaktivitaeten/{running.code}/dokumente/999999/").status_code
        == 404
    )


def test_a_lost_file_is_404_not_a_server_error(
    storage: str, people: People, running: Kernaktivitaet, internal_and_public: tuple[Dokument, Dokument]
) -> None:
    internal, _public = internal_and_public
    storages["dokumente"].delete(str(internal.datei.name))
    assert client_for(people.pg).get(download_url(running, internal)).status_code == 404


def test_upload_through_the_page_redirects_with_a_german_message(
    storage: str, people: People, running: Kernaktivitaet
) -> None:
    client = client_for(people.pg)
    page = client.get(documents_url(running))
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()
    response = client.post(
        documents_url(running), {"datei": upload("Plan.pdf"), "oeffentlich": "on"}, follow=True
    )
    assert response.redirect_chain == [(documents_url(running), 302)]
    body = response.content.decode()
    assert "Das Dokument „Plan.pdf“ ist hochgeladen." in body
    dokument = Dokument.objects.get()
    assert dokument.oeffentlich
    assert download_url(running, dokument) in body


def test_a_wrong_file_comes_back_on_its_field_in_german(
    storage: str, people: People, running: Kernaktivitaet
) -> None:
    response = client_for(people.pg).post(
        documents_url(running), {"datei": upload("Bericht.pdf", b"kein pdf")}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Bitte prüfen Sie Ihre Angaben" in body
    assert "Diese Art von Datei wird nicht angenommen" in body
    assert 'id="id_datei-error"' in body
    assert written() == (0, 0, [])


def test_a_file_over_the_upload_limit_is_not_kept_and_the_form_says_so(
    storage: str, settings: Any, people: People, running: Kernaktivitaet
) -> None:
    # Above the limit the upload handler drops the bytes: the service sees the size, not the content.
    settings.DOKUMENT_MAX_BYTES = settings.UPLOAD_MAX_BYTES = 100_000
    big = PDF + b"0" * 300_000
    response = client_for(people.pg).post(documents_url(running), {"datei": upload("gross.pdf", big)})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Die Datei ist zu groß (293,0\xa0KB). Erlaubt sind höchstens 97,7\xa0KB." in body
    assert written() == (0, 0, [])


def test_removal_through_the_page(
    storage: str,
    people: People,
    running: Kernaktivitaet,
    internal_and_public: tuple[Dokument, Dokument],
    django_capture_on_commit_callbacks: Any,
) -> None:
    internal, public = internal_and_public
    client = client_for(people.zirkel)
    assert client.get(documents_url(running)).content.decode().count('value="remove"') == 2
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            documents_url(running), {"op": "remove", "dokument": str(internal.pk)}, follow=True
        )
    assert "Das Dokument „intern.pdf“ ist entfernt." in response.content.decode()
    assert list(Dokument.objects.values_list("pk", flat=True)) == [public.pk]
    assert stored_files() == [public.datei.name]
    # Not the removal of a document one may not see, nor of another KA's: 404.
    assert client.post(documents_url(running), {"op": "remove", "dokument": "999999"}).status_code == 404


def test_a_removal_refused_changes_nothing(
    storage: str, people: People, running: Kernaktivitaet, internal_and_public: tuple[Dokument, Dokument]
) -> None:
    internal, _public = internal_and_public
    before = written()
    response = client_for(people.beirat).post(
        documents_url(running), {"op": "remove", "dokument": str(internal.pk)}
    )
    assert response.status_code == 403
    assert "entfernen nur, wer es hochgeladen hat" in response.content.decode()
    assert written() == before
    # The public document is all the outsider sees, and it is no removal of theirs to make either.
    outsider = client_for(people.pg_other)
    assert (
        outsider.post(documents_url(running), {"op": "remove", "dokument": str(internal.pk)}).status_code
        == 404
    )
    assert written() == before


def test_the_documents_page_of_an_internal_ka_is_404_for_outsiders(
    storage: str, people: People, draft: Kernaktivitaet
) -> None:
    for outsider in (people.pg_other, people.nobody, people.kv_other):
        assert client_for(outsider).get(documents_url(draft)).status_code == 404
        assert client_for(outsider).post(documents_url(draft), {"datei": upload()}).status_code == 404
    assert Client().get(documents_url(draft)).status_code == 302  # to the sign-in, as for any code
    assert not Dokument.objects.exists()


def test_who_reads_but_may_not_upload_sees_the_list_without_the_form(
    storage: str, people: People, running: Kernaktivitaet, internal_and_public: tuple[Dokument, Dokument]
) -> None:
    body = client_for(people.beirat).get(documents_url(running)).content.decode()
    assert "intern.pdf" in body and "Flyer.png" in body
    assert "multipart/form-data" not in body and 'value="remove"' not in body
    response = client_for(people.beirat).post(documents_url(running), {"datei": upload()})
    assert response.status_code == 403
    assert Dokument.objects.count() == 2


def test_the_ka_page_lists_what_the_reader_may_see(
    storage: str, people: People, running: Kernaktivitaet, internal_and_public: tuple[Dokument, Dokument]
) -> None:
    public_page = Client().get(f"/kernaktivitaeten/{running.code}/").content.decode()
    assert "Flyer.png" in public_page and "intern.pdf" not in public_page
    assert link_to(documents_url(running)) not in public_page
    # The timeline names the steps in German.
    assert "Dokument hochgeladen" in public_page
    group_page = client_for(people.pg).get(f"/kernaktivitaeten/{running.code}/").content.decode()
    assert "Flyer.png" in group_page and "intern.pdf" in group_page
    assert link_to(documents_url(running)) in group_page  # the way to upload, for who may
    beirat_page = client_for(people.beirat).get(f"/kernaktivitaeten/{running.code}/").content.decode()
    assert "intern.pdf" in beirat_page and link_to(documents_url(running)) not in beirat_page


def test_the_ka_page_of_a_ka_without_documents_has_no_section_for_the_public(
    storage: str, running: Kernaktivitaet
) -> None:
    assert 'id="documents-heading"' not in Client().get(f"/kernaktivitaeten/{running.code}/").content.decode()


def test_no_document_has_a_public_address(
    storage: str, settings: Any, people: People, running: Kernaktivitaet
) -> None:
    dokument = services.dokument_upload(
        actor=people.pg, kernaktivitaet=running, uploaded_file=upload(), oeffentlich=False
    )
    # Neither the media URL nor the static URL reach the file; only the download view does.
    for url in (f"/{settings.MEDIA_URL.strip('/')}/{dokument.datei.name}", f"/static/{dokument.datei.name}"):
        assert Client().get(url.replace("//", "/")).status_code == 404


def test_the_default_storage_is_under_var_and_not_served() -> None:
    from django.conf import settings as django_settings

    options = django_settings.STORAGES["dokumente"]
    if options["BACKEND"] != "django.core.files.storage.FileSystemStorage":
        pytest.skip("a deployment with another backend")
    location = str(options["OPTIONS"]["location"])
    assert location.startswith(str(django_settings.VAR_DIR))
    assert not location.startswith(str(django_settings.STATIC_ROOT))
