"""Every list page runs the same number of SQL queries whatever the data size."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance.models import (
    AuditEvent,
    KaStatus,
    Kernaktivitaet,
    Kompetenz,
    Querschnittsthema,
    Schwerpunkt,
    Statusbericht,
    Tranche,
)

pytestmark = pytest.mark.django_db
EXTRA_KA = 300


@pytest.fixture(autouse=True)
def plain_http(settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def grow(extra: int = EXTRA_KA) -> None:
    """Add generated KA with every relation the pages show, and more history for TAL-05."""
    kompetenzen = list(Kompetenz.objects.all())
    by_kompetenz: dict[int, list[Schwerpunkt]] = {}
    for schwerpunkt in Schwerpunkt.objects.order_by("position"):
        by_kompetenz.setdefault(schwerpunkt.kompetenz_id, []).append(schwerpunkt)
    tranchen = list(Tranche.objects.all())
    themen = list(Querschnittsthema.objects.all())
    statuses = list(KaStatus)
    created = Kernaktivitaet.objects.bulk_create(
        Kernaktivitaet(
            code=f"GEN-{index:04d}",
            titel=f"Erzeugte Kernaktivität {index}",
            beschreibung="Beschreibung " * 5,
            kompetenz=kompetenzen[index % len(kompetenzen)],
            # A Schwerpunkt of the KA's own Kompetenz (the database refuses another).
            schwerpunkt=by_kompetenz[kompetenzen[index % len(kompetenzen)].pk][index % 5]
            if index % 3
            else None,
            tranche=tranchen[index % len(tranchen)],
            status=statuses[index % len(statuses)]
            if statuses[index % len(statuses)] != KaStatus.MERGED
            else "done",
        )
        for index in range(extra)
    )
    through = Kernaktivitaet.querschnittsthemen.through
    through.objects.bulk_create(
        through(kernaktivitaet_id=ka.pk, querschnittsthema_id=themen[(i + j) % len(themen)].pk)
        for i, ka in enumerate(created)
        for j in range(2)
    )
    today = timezone.localdate()
    Statusbericht.objects.bulk_create(
        Statusbericht(kernaktivitaet=ka, faellig_am=today - timedelta(days=1 + i % 40))
        for i, ka in enumerate(created)
    )
    target = Kernaktivitaet.objects.get(code="TAL-05")
    AuditEvent.objects.bulk_create(
        AuditEvent(kernaktivitaet=target, action="note", reason=f"Eintrag {i}") for i in range(50)
    )
    Statusbericht.objects.bulk_create(
        Statusbericht(kernaktivitaet=target, faellig_am=today - timedelta(days=200 + i)) for i in range(30)
    )


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


PAGES = [
    reverse("governance:ka_overview"),
    reverse("governance:ka_overview") + "?sort=-status&page=2",
    reverse("governance:ka_overview") + "?status=running&q=e&sort=-tranche",
    reverse("governance:dashboard"),
    reverse("governance:ka_detail", args=["TAL-05"]),
    "/",
]


@pytest.mark.parametrize("url", PAGES)
def test_page_query_count_does_not_grow_with_the_data(client: Client, strategy: None, url: str) -> None:
    small = count_queries(client, url)
    grow()
    assert count_queries(client, url) == small


@pytest.mark.parametrize(
    "url", [reverse("governance:ka_detail", args=["TAL-05"]), reverse("governance:ka_overview")]
)
def test_internal_reader_query_count_does_not_grow_with_the_data(
    client: Client, strategy: None, django_user_model: Any, url: str
) -> None:
    reader = django_user_model.objects.create_user("leser")
    reader.user_permissions.add(Permission.objects.get(codename="view_internal_kernaktivitaet"))
    client.force_login(reader)
    count_queries(client, url)  # fills the process-wide content type cache, as any earlier request would
    small = count_queries(client, url)
    grow()
    assert count_queries(client, url) == small


@pytest.mark.parametrize(
    ("url", "budget"),
    [
        (reverse("governance:ka_overview"), 10),
        (reverse("governance:dashboard"), 12),
        # The KA page: one more for the Steckbrief version it shows.
        (reverse("governance:ka_detail", args=["TAL-05"]), 9),
    ],
)
def test_page_stays_within_its_query_budget(
    client: Client, strategy: None, django_assert_max_num_queries: Callable[..., Any], url: str, budget: int
) -> None:
    grow()
    with django_assert_max_num_queries(budget):
        assert client.get(url).status_code == 200
