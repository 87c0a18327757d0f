"""Meine Aufgaben at scale: a long queue is paged oldest first, each open task shows its time limit and an
overdue mark, and the reports sections show the most urgent with a way to all of them."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from viewflow.workflow.models import Task

from core.paging import PAGE_SIZE
from tests.people import client_for, propose
from workflow import selectors, services
from workflow.models import DeadlineSettings

from .helpers import open_task

pytestmark = pytest.mark.django_db


def _submitted(people, kompetenz, count):
    kas = []
    for i in range(count):
        ka = propose(actor=people.pg, kompetenz=kompetenz, titel=f"Reihe {i}")
        services.kernaktivitaet_submit(actor=people.pg, kernaktivitaet=ka)
        kas.append(ka)
    return kas


def test_long_queue_is_paged_oldest_first_with_its_total(people, kompetenz):
    kas = _submitted(people, kompetenz, PAGE_SIZE + 3)
    first = selectors.task_lists(people.zirkel).queue
    assert first.total == PAGE_SIZE + 3
    assert (first.number, first.pages, first.has_next, first.has_previous) == (1, 2, True, False)
    assert [e.kernaktivitaet.code for e in first] == [ka.code for ka in kas[:PAGE_SIZE]]

    second = selectors.task_lists(people.zirkel, queue_page=2).queue
    assert [e.kernaktivitaet.code for e in second] == [ka.code for ka in kas[PAGE_SIZE:]]
    # A page number beyond the end or no number at all is no error.
    assert selectors.task_lists(people.zirkel, queue_page=99).queue.number == 2
    assert selectors.task_lists(people.zirkel, queue_page="x").queue.number == 1


def test_inbox_page_shows_totals_and_links_the_next_page(people, kompetenz):
    kas = _submitted(people, kompetenz, PAGE_SIZE + 1)
    body = client_for(people.zirkel).get("/aufgaben/").content.decode()
    assert f"Offen für mich ({PAGE_SIZE + 1})" in body
    assert kas[0].code in body and kas[-1].code not in body
    assert 'href="?queue_page=2#queue-title"' in body
    assert "Seite 1 von 2" in body

    second = client_for(people.zirkel).get("/aufgaben/?queue_page=2").content.decode()
    assert kas[-1].code in second and kas[0].code not in second
    assert 'href="?queue_page=1#queue-title"' in second


def test_open_tasks_show_their_time_limit_and_an_overdue_mark(people, kompetenz):
    fresh, late = _submitted(people, kompetenz, 2)
    days = DeadlineSettings.get().frist_pruefung_tage
    late_task = open_task(late, "zirkel_review")
    Task.objects.filter(pk=late_task.pk).update(created=timezone.now() - timedelta(days=days + 3))

    entries = {e.kernaktivitaet.code: e for e in selectors.task_lists(people.zirkel).queue}
    today = timezone.localdate()
    assert entries[fresh.code].due == today + timedelta(days=days)
    assert not entries[fresh.code].overdue
    assert entries[late.code].due == today - timedelta(days=3)
    assert entries[late.code].overdue

    body = client_for(people.zirkel).get("/aufgaben/").content.decode()
    rows = {
        code: row
        for row in re.findall(r"<tr.*?</tr>", body, re.S)
        for code in (fresh.code, late.code)
        if code in row
    }
    assert "überfällig" in rows[late.code]
    assert "überfällig" not in rows[fresh.code]
    assert (today - timedelta(days=3)).strftime("%d.%m.%Y") in rows[late.code]


def test_rework_has_no_time_limit(people, kompetenz):
    (ka,) = _submitted(people, kompetenz, 1)
    task = open_task(ka, "zirkel_review")
    services.task_decide(actor=people.zirkel, task_id=task.pk, action="zirkel_return", reason="mehr Ziele")
    (entry,) = selectors.task_lists(people.pg).queue
    assert entry.task.flow_task.name == "rework"
    assert entry.due is None and not entry.overdue
