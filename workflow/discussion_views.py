"""The discussion's own page: where a comment is posted (from the KA page, the proposal form or a task page,
which come back through ``next``) and where it comes back with its errors."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import Invalid, Refused, form_refusal, render_refusal
from governance.inputs import submitted
from governance.models import Kernaktivitaet

from . import services
from .discussion_forms import KommentarForm
from .discussion_selectors import discussion_context, discussion_principal, discussion_readable

# Where a comment lands: the discussion's heading (tabindex="-1"), so the focus is where the person wrote.
DISCUSSION_FOCUS = "diskussion"
REFUSAL_TEMPLATE = "workflow/discussion_refused.html"
# A page's own path and query; anything longer did not come from one of the product's links.
NEXT_MAX = 2000


def _next_url(request: HttpRequest, ka: Kernaktivitaet) -> str:
    """The page the comment was written on, if it is one of this site's; else the KA page."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if (
        wanted
        and len(wanted) <= NEXT_MAX
        and wanted.isprintable()
        and wanted.startswith("/")
        and url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return wanted
    return reverse("governance:ka_detail", args=[ka.code])


@login_required
@require_http_methods(["GET", "POST"])
def discussion(request: HttpRequest, code: str) -> HttpResponse:
    user: Any = request.user
    ka = get_object_or_404(Kernaktivitaet.objects.select_related("kompetenz"), code=code)
    # Whoever may not read the KA's internal data learns nothing of its discussion, not even that it exists.
    if not discussion_readable(user, ka):
        raise Http404
    next_url = _next_url(request, ka)
    form = KommentarForm(submitted(request))
    status = 200
    if request.method == "POST":
        _may, on_behalf_of = discussion_principal(user, ka)
        if form.is_valid():
            try:
                services.kommentar_add(
                    actor=user,
                    kernaktivitaet=ka,
                    text=form.cleaned_data["text"],
                    on_behalf_of=on_behalf_of,
                )
            except Invalid as exc:
                form_refusal(form, exc)
            except Refused as exc:
                return render_refusal(request, exc, template=REFUSAL_TEMPLATE, back=next_url)
            else:
                messages.success(request, _("Ihr Kommentar ist gespeichert."))
                target = next_url if "#" in next_url else f"{next_url}#{DISCUSSION_FOCUS}"
                return redirect(target)
        status = 400
    context: dict[str, Any] = {
        "ka": ka,
        "form": form,
        "discussion": discussion_context(request, ka, next_url=next_url, form=form),
        "back": next_url,
    }
    return render(request, "workflow/discussion.html", context, status=status)
