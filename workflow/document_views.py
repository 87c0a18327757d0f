"""The documents of a KA: the page that lists them with the upload form and the remove buttons, and the
download, which is the only way to a document's file (the storage has no public address)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import Invalid, Refused, form_refusal, render_refusal
from governance.inputs import strict_int, submitted
from governance.models import Dokument, Kernaktivitaet
from governance.selectors import (
    dokument_get_visible,
    dokument_list_visible,
    kernaktivitaet_internal_visible,
    kernaktivitaet_visible,
)

from . import rights, services
from .document_forms import DokumentForm
from .rights import DocumentAction


def _ka_or_404(request: HttpRequest, code: str) -> Kernaktivitaet:
    ka = get_object_or_404(
        Kernaktivitaet.objects.select_related("kompetenz").prefetch_related("resolutions"), code=code
    )
    # A KA the person may not see is not there: the same 404 as for a code that does not exist.
    if not kernaktivitaet_visible(user=request.user, ka=ka):
        raise Http404
    return ka


@login_required
@require_http_methods(["GET", "POST"])
def dokumente(request: HttpRequest, code: str) -> HttpResponse:
    ka = _ka_or_404(request, code)
    here = reverse("workflow:dokumente", kwargs={"code": ka.code})
    form = DokumentForm()
    status = 200
    if request.method == "POST" and request.POST.get("op") == "remove":
        pk = strict_int(request.POST.get("dokument"), minimum=1)
        dokument = dokument_get_visible(user=request.user, ka=ka, pk=pk) if pk is not None else None
        if dokument is None:
            raise Http404
        try:
            services.dokument_remove(actor=request.user, dokument=dokument)
        except Refused as exc:
            return render_refusal(request, exc, back=here)
        messages.success(request, _("Das Dokument „%(name)s“ ist entfernt.") % {"name": dokument.name})
        return redirect(here)
    if request.method == "POST":
        form = DokumentForm(submitted(request), request.FILES)
        if form.is_valid():
            try:
                dokument = services.dokument_upload(
                    actor=request.user,
                    kernaktivitaet=ka,
                    uploaded_file=form.cleaned_data["datei"],
                    oeffentlich=form.cleaned_data["oeffentlich"],
                )
            except Invalid as exc:
                form_refusal(form, exc)
            except Refused as exc:
                return render_refusal(request, exc, back=here)
            else:
                messages.success(
                    request, _("Das Dokument „%(name)s“ ist hochgeladen.") % {"name": dokument.name}
                )
                return redirect(here)
        status = 400
    internal = kernaktivitaet_internal_visible(user=request.user, ka=ka)
    documents = list(dokument_list_visible(user=request.user, ka=ka, internal=internal))
    may_upload = bool(rights.may(request.user, DocumentAction.UPLOAD, ka))
    may_remove_any = bool(rights.may(request.user, DocumentAction.REMOVE, ka))
    for dokument in documents:
        # rights.may_remove_document for each row, from the two answers above (no query per document).
        dokument.removable = may_remove_any or (  # type: ignore[attr-defined]
            may_upload and dokument.hochgeladen_von_id == request.user.pk
        )
    return render(
        request,
        "workflow/dokumente.html",
        {"ka": ka, "form": form, "documents": documents, "internal": internal, "may_upload": may_upload},
        status=status,
    )


@require_http_methods(["GET", "HEAD"])
def dokument_download(request: HttpRequest, code: str, pk: int) -> FileResponse:
    """The file of a document, as an attachment, to whoever may see it; 404 for everyone else alike."""
    ka = (
        Kernaktivitaet.objects.select_related("kompetenz")
        .prefetch_related("resolutions")
        .filter(code=code)
        .first()
    )
    dokument: Dokument | None = (
        dokument_get_visible(user=request.user, ka=ka, pk=pk) if ka is not None else None
    )
    if dokument is None:
        raise Http404
    try:
        handle = dokument.datei.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=dokument.name, content_type=dokument.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-cache"
    return response
