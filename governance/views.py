from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import KaStatus, Meilenstein
from .selectors import kompetenz_list_with_status_counts


def home(request: HttpRequest) -> HttpResponse:
    kompetenzen = list(kompetenz_list_with_status_counts())
    totals = {
        status: sum(getattr(k, f"ka_{status.value}") for k in kompetenzen)
        for status in (KaStatus.DONE, KaStatus.RUNNING, KaStatus.STOPPED, KaStatus.MERGED)
    }
    return render(
        request,
        "home.html",
        {
            "kompetenzen": kompetenzen,
            "totals": totals,
            "ka_total": sum(k.ka_total for k in kompetenzen),
            "meilensteine": Meilenstein.objects.all(),
        },
    )


def accessibility_statement(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/accessibility.html")


def imprint(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/imprint.html")
