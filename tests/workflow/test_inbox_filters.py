"""„Meine Aufgaben“: search by KA code or title, filter by Kompetenz and by time limit (overdue, due within
7 days), sort overdue first; invalid values are reported and ignored, paging keeps the filters, and the page
runs the same number of queries with the filters set whatever the number of tasks."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from viewflow.workflow.models import Task

from core.paging import PAGE_SIZE
from governance.models import (
    Consultation,
    Gremium,
    Kompetenz,
    Meeting,
    Paper,
    Resolution,
    ResolutionResult,
)
from tests.people import client_for, propose
from workflow import selectors, services
from workflow.models import DeadlineSettings
from workflow.selectors import TaskFilter

from .helpers import open_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_kompetenz(db: None) -> Kompetenz:
    return Kompetenz.objects.create(key="andere", code="AND", name="Andere Kompetenz", position=91)


def submitted(people, kompetenz, titel):
    ka = propose(actor=people.pg, kompetenz=kompetenz, titel=titel)
    services.kernaktivitaet_submit(actor=people.pg, kernaktivitaet=ka)
    return ka


def age(ka, days):
    """The KA's review task as if it had been created ``days`` ago."""
    task = open_task(ka, "zirkel_review")
    Task.objects.filter(pk=task.pk).update(created=timezone.now() - timedelta(days=days))


def queue_codes(people, **filters):
    return [
        e.kernaktivitaet.code
        for e in selectors.task_lists(people.zirkel, filters=TaskFilter(**filters)).queue
    ]


def page_codes(people, query):
    body = client_for(people.zirkel).get("/aufgaben/", query).content.decode()
    queue = body.split('id="queue-title"', 1)[1].split("</section>", 1)[0]
    return re.findall(r"<td class=\"kern-table__cell\">([A-Z0-9-]+) – ", queue)


@pytest.fixture
def tasks(people, kompetenz, other_kompetenz):
    limit = DeadlineSettings.get().frist_pruefung_tage
    radweg = submitted(people, kompetenz, "Radwege am Ruhrufer")
    schule = submitted(people, other_kompetenz, "Schulhöfe öffnen")
    spaet = submitted(people, kompetenz, "Spätes Thema")
    bald = submitted(people, other_kompetenz, "Bald fälliges Thema")
    age(radweg, 1)  # due in limit - 1 days: not soon
    age(spaet, limit + 3)  # overdue by 3 days
    age(bald, limit - 3)  # due in 3 days
    age(schule, limit + 10)  # overdue by 10 days
    return {"radweg": radweg, "schule": schule, "spaet": spaet, "bald": bald}


def test_search_finds_code_or_title(people, tasks):
    assert queue_codes(people, search="ruhrufer") == [tasks["radweg"].code]
    assert queue_codes(people, search=tasks["schule"].code.lower()) == [tasks["schule"].code]
    assert page_codes(people, {"q": "Ruhrufer"}) == [tasks["radweg"].code]


def test_filter_by_kompetenz(people, tasks, other_kompetenz):
    expected = sorted([tasks["schule"].code, tasks["bald"].code])
    assert sorted(queue_codes(people, kompetenz_id=other_kompetenz.pk)) == expected
    assert sorted(page_codes(people, {"kompetenz": str(other_kompetenz.pk)})) == expected


def test_filter_by_time_limit_agrees_with_the_shown_due_date(people, tasks):
    every = {e.kernaktivitaet.code: e for e in selectors.task_lists(people.zirkel).queue}
    today = timezone.localdate()
    overdue = sorted(code for code, e in every.items() if e.overdue)
    soon = sorted(code for code, e in every.items() if e.due and today <= e.due <= today + timedelta(days=7))
    assert overdue == sorted([tasks["spaet"].code, tasks["schule"].code])
    assert soon == [tasks["bald"].code]
    assert sorted(queue_codes(people, due=selectors.DUE_OVERDUE)) == overdue
    assert sorted(queue_codes(people, due=selectors.DUE_WEEK)) == soon
    assert sorted(page_codes(people, {"faellig": "ueberfaellig"})) == overdue
    assert page_codes(people, {"faellig": "7tage"}) == soon


def test_due_exactly_today_and_in_seven_days_is_due_soon_not_overdue(people, kompetenz):
    limit = DeadlineSettings.get().frist_pruefung_tage
    today_ka = submitted(people, kompetenz, "Heute fällig")
    week_ka = submitted(people, kompetenz, "In einer Woche fällig")
    later_ka = submitted(people, kompetenz, "In acht Tagen fällig")
    age(today_ka, limit)
    age(week_ka, limit - 7)
    age(later_ka, limit - 8)
    assert queue_codes(people, due=selectors.DUE_OVERDUE) == []
    assert sorted(queue_codes(people, due=selectors.DUE_WEEK)) == sorted([today_ka.code, week_ka.code])


def defer(people, ka, day):
    """A deferral of the KA's council session to ``day``: its time limit runs from that day."""
    rat = Gremium.objects.create(name=f"Rat {ka.code}", art=Gremium.Art.RAT)
    meeting = Meeting.objects.create(
        name="Ratssitzung", start=timezone.now() - timedelta(days=30), organization=rat
    )
    paper = Paper.objects.create(
        reference=f"P{ka.pk}", name="Tranche", date=timezone.localdate() - timedelta(days=40)
    )
    consultation = Consultation.objects.create(paper=paper, meeting=meeting, organization=rat)
    Resolution.objects.create(
        consultation=consultation,
        kernaktivitaet=ka,
        result=ResolutionResult.DEFERRED,
        deferred_to=day,
        recorded_by=people.ratsbuero,
    )


def test_overdue_first_sort_and_a_deferred_limit(people, tasks):
    # The oldest task's limit runs from a later day: it is not overdue, and "overdue first" puts it after.
    defer(people, tasks["schule"], timezone.localdate() - timedelta(days=2))
    every = {e.kernaktivitaet.code: e for e in selectors.task_lists(people.zirkel).queue}
    assert not every[tasks["schule"].code].overdue
    assert queue_codes(people) == [tasks[k].code for k in ("schule", "spaet", "bald", "radweg")]
    expected = [tasks[k].code for k in ("spaet", "schule", "bald", "radweg")]
    assert queue_codes(people, overdue_first=True) == expected
    assert page_codes(people, {"sortierung": "ueberfaellig"}) == expected
    assert queue_codes(people, due=selectors.DUE_OVERDUE) == [tasks["spaet"].code]


def test_form_has_labelled_fields_and_keeps_the_values(people, tasks):
    body = client_for(people.zirkel).get("/aufgaben/", {"q": "Ruhr", "faellig": "7tage"}).content.decode()
    for name in ("q", "kompetenz", "faellig", "sortierung"):
        assert f'<label class="kern-label" for="id_{name}">' in body
    assert 'value="Ruhr"' in body
    assert '<option value="7tage" selected>' in body
    assert "Überfällige zuerst" in body
    assert "Alle Filter zurücksetzen" in body


@pytest.mark.parametrize(
    "query",
    [
        {"kompetenz": "9" * 400},
        {"kompetenz": "-1"},
        {"kompetenz": "١"},
        {"faellig": "morgen"},
        {"sortierung": "\x00"},
        {"q": "x" * 1_000_000},
        {"q": "a\x00b"},
        {"queue_page": "9" * 100, "inbox_page": "-5"},
    ],
)
def test_invalid_values_are_reported_and_ignored(people, tasks, query):
    response = client_for(people.zirkel).get("/aufgaben/", query)
    assert response.status_code == 200
    body = response.content.decode()
    if set(query) - {"queue_page", "inbox_page"}:
        assert "Einige Filter waren ungültig und wurden nicht angewendet." in body
        assert 'aria-invalid="true"' in body
    # The invalid filter is not applied: every open task is listed.
    assert len(page_codes(people, query)) == 4


def test_paging_keeps_the_filters(people, kompetenz):
    kas = [submitted(people, kompetenz, f"Reihe {i}") for i in range(PAGE_SIZE + 2)]
    client = client_for(people.zirkel)
    body = client.get("/aufgaben/", {"q": "Reihe", "kompetenz": str(kompetenz.pk)}).content.decode()
    link = f'href="?q=Reihe&amp;kompetenz={kompetenz.pk}&amp;queue_page=2#queue-title"'
    assert link in body
    second = client.get(f"/aufgaben/?q=Reihe&kompetenz={kompetenz.pk}&queue_page=2").content.decode()
    assert kas[-1].code in second
    assert 'value="Reihe"' in second
    assert f'href="?q=Reihe&amp;kompetenz={kompetenz.pk}&amp;queue_page=1#queue-title"' in second


def _queries(client, query):
    client.get("/aufgaben/", query)  # warm per-process caches (content types)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/aufgaben/", query)
    assert response.status_code == 200
    return len(queries)


def test_filtered_page_runs_a_fixed_number_of_queries(people, kompetenz):
    query = {"q": "Liste", "kompetenz": str(kompetenz.pk), "faellig": "7tage", "sortierung": "ueberfaellig"}
    client = client_for(people.zirkel)
    for i in range(3):
        submitted(people, kompetenz, f"Liste {i}")
    few = _queries(client, query)
    for i in range(30):
        submitted(people, kompetenz, f"Liste x{i}")
    many = _queries(client, query)
    unfiltered = _queries(client, {})
    assert few == many
    # The filters cost one query: the Kompetenz choices of the form.
    assert few <= unfiltered + 1
