"""The public and internal pages of the web app: overview, KA page, dashboard."""

import re
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from governance.models import (
    KaStatus,
    Kernaktivitaet,
    Kompetenz,
    Querschnittsthema,
    Statusbericht,
    StatusberichtState,
    Tranche,
)
from governance.selectors import MAP_CELL_LIMIT
from tests.e2e.data import ka_history

pytestmark = pytest.mark.django_db
OVERVIEW = reverse("governance:ka_overview")


@pytest.fixture(autouse=True)
def plain_http(settings: Any) -> None:
    """The test client speaks plain HTTP; production redirects that to HTTPS."""
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def ka_codes(response: Any) -> list[str]:
    """The KA codes in the overview table, in order."""
    return re.findall(r'href="/kernaktivitaeten/([^/"]+)/">\1</a></td>', response.content.decode())


def test_overview_lists_the_first_page_of_all_ka(client: Client, strategy: None) -> None:
    response = client.get(OVERVIEW)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 65
    assert len(ka_codes(response)) == 25


def test_overview_second_page_continues_the_list(client: Client, strategy: None) -> None:
    first = ka_codes(client.get(OVERVIEW))
    second = ka_codes(client.get(OVERVIEW, {"page": 2}))
    assert len(second) == 25 and not set(first) & set(second)


def test_overview_filters_by_kompetenz_and_status(client: Client, strategy: None) -> None:
    kompetenz = Kompetenz.objects.get(code="GRO")
    response = client.get(OVERVIEW, {"kompetenz": str(kompetenz.pk), "status": "running"})
    expected = set(
        Kernaktivitaet.objects.filter(kompetenz=kompetenz, status="running").values_list("code", flat=True)
    )
    assert set(ka_codes(response)) == expected and expected


def test_overview_filters_by_tranche(client: Client, strategy: None) -> None:
    tranche = Tranche.objects.get(nummer=3)
    response = client.get(OVERVIEW, {"tranche": tranche.pk})
    assert response.context["page"].paginator.count == 12


def test_overview_filters_by_querschnittsthema(client: Client, strategy: None) -> None:
    thema = Querschnittsthema.objects.order_by("position").first()
    assert thema is not None
    ka = Kernaktivitaet.objects.get(code="VOR-01")
    ka.querschnittsthemen.add(thema)
    assert ka_codes(client.get(OVERVIEW, {"querschnittsthema": thema.pk})) == ["VOR-01"]


def test_overview_filters_ka_with_an_overdue_report(client: Client, strategy: None) -> None:
    ka = Kernaktivitaet.objects.get(code="TAL-05")
    Statusbericht.objects.create(kernaktivitaet=ka, faellig_am=timezone.localdate() - timedelta(days=1))
    Statusbericht.objects.create(
        kernaktivitaet=Kernaktivitaet.objects.get(code="VOR-01"),
        faellig_am=timezone.localdate() - timedelta(days=30),
        state=StatusberichtState.ACCEPTED,
    )
    assert ka_codes(client.get(OVERVIEW, {"overdue": "on"})) == ["TAL-05"]


def test_overview_search_finds_a_word_of_the_title(client: Client, strategy: None) -> None:
    assert "GRO-02" in ka_codes(client.get(OVERVIEW, {"q": "Markthalle"}))


def test_overview_search_finds_the_code(client: Client, strategy: None) -> None:
    assert ka_codes(client.get(OVERVIEW, {"q": "tal-05"})) == ["TAL-05"]


def test_overview_search_finds_the_description(client: Client, strategy: None) -> None:
    Kernaktivitaet.objects.filter(code="SHO-10").update(beschreibung="Ein Reallabor für Wasserstoffbusse.")
    assert ka_codes(client.get(OVERVIEW, {"q": "Wasserstoffbusse"})) == ["SHO-10"]


@pytest.mark.postgres
def test_overview_search_on_postgresql_matches_word_forms(client: Client, strategy: None) -> None:
    Kernaktivitaet.objects.filter(code="SHO-10").update(beschreibung="Neue Radwege für die Innenstadt.")
    assert ka_codes(client.get(OVERVIEW, {"q": "Radweg"})) == ["SHO-10"]


def test_overview_sorts_by_title_descending_and_marks_the_column(client: Client, strategy: None) -> None:
    response = client.get(OVERVIEW, {"sort": "-titel"})
    titles = list(Kernaktivitaet.objects.order_by("-titel", "code").values_list("code", flat=True)[:25])
    assert ka_codes(response) == titles
    assert 'aria-sort="descending"><a class="kern-link" href="?sort=titel"' in response.content.decode()


def test_overview_reports_an_invalid_filter_and_ignores_it(client: Client, strategy: None) -> None:
    response = client.get(OVERVIEW, {"kompetenz": "999", "status": "nonsense", "sort": "x"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 65
    assert "Einige Filter waren ungültig" in response.content.decode()


def test_overview_without_data_says_so(client: Client) -> None:
    assert "Es sind noch keine Kernaktivitäten erfasst." in client.get(OVERVIEW).content.decode()


def ka_url(code: str) -> str:
    return reverse("governance:ka_detail", args=[code])


def test_ka_page_unknown_code_is_404(client: Client, strategy: None) -> None:
    assert client.get(ka_url("NIX-99")).status_code == 404


def test_ka_page_shows_resolution_and_public_report(client: Client, strategy: None) -> None:
    ka_history("GRO-03")
    page = client.get(ka_url("GRO-03")).content.decode()
    assert "20240123" in page and "Geändert beschlossen" in page
    assert "Mit der Maßgabe, jährlich zu berichten." in page
    assert "Planung abgeschlossen." in page
    assert 'ampel ampel--gelb"><span class="ampel__light" aria-hidden="true"></span>gelb' in page


def test_ka_page_hides_internal_data_and_people_from_the_public(client: Client, strategy: None) -> None:
    ka_history("GRO-03")
    page = client.get(ka_url("GRO-03")).content.decode()
    for secret in ("Vergabe verzögert sich.", "Fördermittel unsicher.", "Rita", "Vera", "ratsbuero1"):
        assert secret not in page


def test_ka_page_shows_internal_data_to_a_role_with_the_global_right(client: Client, strategy: None) -> None:
    history = ka_history("GRO-03")
    reader = history["clerk"]
    reader.user_permissions.add(Permission.objects.get(codename="view_internal_kernaktivitaet"))
    client.force_login(reader)
    page = client.get(ka_url("GRO-03")).content.decode()
    assert "Vergabe verzögert sich." in page and "Fördermittel unsicher." in page


def test_ka_page_shows_deputy_as_acting_for_the_absent_person(client: Client, strategy: None) -> None:
    history = ka_history("GRO-03")
    history["clerk"].user_permissions.add(Permission.objects.get(codename="view_internal_kernaktivitaet"))
    client.force_login(history["clerk"])
    assert "Vera Vertretung für Rita Rat" in client.get(ka_url("GRO-03")).content.decode()


def test_ka_page_shows_internal_data_to_its_own_project_group(
    client: Client, strategy: None, django_user_model: Any
) -> None:
    ka_history("GRO-03")
    member = django_user_model.objects.create_user("pg1")
    assign_perm("governance.view_internal_kernaktivitaet", member, Kernaktivitaet.objects.get(code="GRO-03"))
    client.force_login(member)
    assert "Fördermittel unsicher." in client.get(ka_url("GRO-03")).content.decode()
    assert "Fördermittel unsicher." not in client.get(ka_url("GRO-04")).content.decode()


def test_ka_page_shows_internal_data_to_the_owner_of_its_kompetenz(
    client: Client, strategy: None, django_user_model: Any
) -> None:
    ka_history("GRO-03")
    owner = django_user_model.objects.create_user("kv1")
    assign_perm("governance.oversee_kompetenz", owner, Kompetenz.objects.get(code="GRO"))
    client.force_login(owner)
    assert "Fördermittel unsicher." in client.get(ka_url("GRO-03")).content.decode()


def test_ka_page_of_a_running_ka_marks_the_current_step(client: Client, strategy: None) -> None:
    page = client.get(ka_url("TAL-05")).content.decode()
    current = re.findall(
        r'<li class="lifecycle__step[^"]*" aria-current="step">\s*<span class="lifecycle__label">([^<]+)',
        page,
    )
    assert current == ["Laufend"]


def test_ka_page_of_a_merged_ka_ends_in_merged_and_links_its_target(client: Client, strategy: None) -> None:
    page = client.get(ka_url("GRO-02")).content.decode()
    labels = re.findall(r'<span class="lifecycle__label">([^<]+)', page)
    assert labels[-1] == "Überführt" and "Umgesetzt" not in labels
    assert f'href="{ka_url("TAL-05")}">TAL-05' in page


def test_ka_page_of_the_merge_target_shows_reports_of_the_merged_ka(client: Client, strategy: None) -> None:
    Statusbericht.objects.create(
        kernaktivitaet=Kernaktivitaet.objects.get(code="GRO-02"),
        faellig_am=date(2023, 6, 30),
        state=StatusberichtState.ACCEPTED,
        text_oeffentlich="Markthalle eröffnet.",
    )
    assert "Markthalle eröffnet." in client.get(ka_url("TAL-05")).content.decode()


def test_ka_page_of_a_done_ka_carries_the_strategy_label(client: Client, strategy: None) -> None:
    label = "Ein Projekt der Bochum Strategie"
    assert label in client.get(ka_url("VOR-01")).content.decode()
    assert label not in client.get(ka_url("TAL-05")).content.decode()


def test_dashboard_shows_status_numbers_burnup_and_overdue_reports(client: Client, strategy: None) -> None:
    history = ka_history("GRO-03")
    owed = Statusbericht.objects.create(
        kernaktivitaet=Kernaktivitaet.objects.get(code="TAL-05"),
        faellig_am=timezone.localdate() - timedelta(days=3),
    )
    response = client.get(reverse("governance:dashboard"))
    page = response.content.decode()
    assert response.status_code == 200
    per_kompetenz = Counter(Kernaktivitaet.objects.values_list("kompetenz__position", flat=True))
    table = response.context["table"]
    totals = [row["total"] for row in table["rows"]]
    assert totals == [per_kompetenz[position] for position in sorted(per_kompetenz)]
    done = table["statuses"].index(KaStatus.DONE)
    assert sum(row["counts"][done] for row in table["rows"]) == (
        Kernaktivitaet.objects.filter(status=KaStatus.DONE).count()
    )
    assert response.context["burnup"][-1].decided == 65
    assert response.context["goal"] == 125
    # Only a running KA owes reports (as the reminders count): GRO-03 is done, its leftover is not listed.
    assert history["ka"].status == KaStatus.DONE
    assert [b.pk for b in response.context["overdue"]] == [owed.pk]
    # The loaded strategy assigns no Schwerpunkt and no Querschnittsthema: those two panels say so instead.
    assert page.count('role="img"') == 2


def test_dashboard_without_data_renders(client: Client) -> None:
    response = client.get(reverse("governance:dashboard"))
    assert response.status_code == 200
    assert "Kein Sachstandsbericht ist überfällig." in response.content.decode()


def test_navigation_links_to_overview_and_dashboard(client: Client) -> None:
    page = client.get("/").content.decode()
    assert f'href="{OVERVIEW}"' in page and f'href="{reverse("governance:dashboard")}"' in page


def test_unknown_page_uses_the_project_404_page(client: Client) -> None:
    response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Seite nicht gefunden" in page and 'href="#main"' in page and "mdc-" not in page


def test_strategy_map_names_at_most_a_cell_limit_of_ka_and_counts_the_rest(
    client: Client, strategy: None
) -> None:
    from governance.models import Schwerpunkt

    schwerpunkt = Schwerpunkt.objects.select_related("kompetenz").order_by("kompetenz__position", "position")[
        0
    ]
    Kernaktivitaet.objects.bulk_create(
        Kernaktivitaet(
            code=f"MAP-{i:02d}",
            titel=f"K {i}",
            kompetenz=schwerpunkt.kompetenz,
            schwerpunkt=schwerpunkt,
            status=KaStatus.RUNNING,
        )
        for i in range(30)
    )
    response = client.get(reverse("governance:dashboard"))
    cell = response.context["map_rows"][0].cells[schwerpunkt.position - 1]
    already = Kernaktivitaet.objects.filter(schwerpunkt=schwerpunkt).count() - 30
    assert (len(cell.kernaktivitaeten), cell.total) == (MAP_CELL_LIMIT, 30 + already)
    # The first by code, the same KA in the table as in the picture.
    assert [ka.code for ka in cell.kernaktivitaeten] == sorted(
        Kernaktivitaet.objects.filter(schwerpunkt=schwerpunkt).values_list("code", flat=True)
    )[:MAP_CELL_LIMIT]
    body = response.content.decode()
    assert f"und {30 + already - MAP_CELL_LIMIT} weitere" in body
    assert f"{30 + already} gesamt" in body


@pytest.mark.postgres
def test_overview_search_on_postgresql_matches_the_start_of_a_word(client: Client, strategy: None) -> None:
    assert "GRO-02" in ka_codes(client.get(OVERVIEW, {"q": "Markth"}))


def test_overview_search_with_only_punctuation_finds_nothing_and_does_not_fail(
    client: Client, strategy: None
) -> None:
    response = client.get(OVERVIEW, {"q": "&|!:*"})
    assert response.status_code == 200 and ka_codes(response) == []


def test_ka_page_shows_the_actions_the_workflow_app_offers(
    client: Client, strategy: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.utils.html import format_html

    from workflow import views as workflow_views

    def ka_actions_html(request: Any, ka: Kernaktivitaet) -> str:
        return format_html('<a class="kern-btn" href="/x/{}">Sachstand berichten</a>', ka.code)

    monkeypatch.setattr(workflow_views, "ka_actions_html", ka_actions_html, raising=False)
    page = client.get(ka_url("TAL-05")).content.decode()
    assert 'id="actions-heading"' in page and '<a class="kern-btn" href="/x/TAL-05">' in page


def test_ka_page_without_actions_has_no_actions_section(client: Client, strategy: None) -> None:
    assert 'id="actions-heading"' not in client.get(ka_url("TAL-05")).content.decode()


def test_overview_links_an_invalid_filter_to_its_message(client: Client, strategy: None) -> None:
    page = client.get(OVERVIEW, {"status": "nonsense"}).content.decode()
    assert 'aria-describedby="id_status-error"' in page and 'aria-invalid="true"' in page
    assert '<p class="kern-error" id="id_status-error">' in page


def test_ka_page_publishes_report_content_only_once_accepted(client: Client, strategy: None) -> None:
    ka = Kernaktivitaet.objects.get(code="TAL-05")
    Statusbericht.objects.create(
        kernaktivitaet=ka,
        faellig_am=date(2025, 6, 30),
        state=StatusberichtState.SUBMITTED,
        text_oeffentlich="Entwurf des Sachstands.",
    )
    page = client.get(ka_url("TAL-05")).content.decode()
    assert "Entwurf des Sachstands." not in page
    assert "Der Inhalt wird veröffentlicht, sobald der Bericht angenommen ist." in page


def test_overview_page_beyond_the_last_shows_the_last_page(client: Client, strategy: None) -> None:
    response = client.get(OVERVIEW, {"page": "99"})
    assert response.context["page"].number == 3 and len(ka_codes(response)) == 65 - 50


def test_overview_page_that_is_no_number_shows_the_first_page(client: Client, strategy: None) -> None:
    response = client.get(OVERVIEW, {"page": "zwei"})
    assert response.context["page"].number == 1 and response.context["page"].paginator.num_pages == 3
