"""Helpers for the decision-process tests: find open tasks, act through the pages, read the audit trail."""

from typing import Any

from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from governance.models import AuditEvent, Kernaktivitaet
from tests.people import client_for
from workflow.flows import KaDecisionFlow


def open_tasks(ka: Kernaktivitaet) -> list[Task]:
    return list(
        Task.objects.filter(
            process__kaprocess__kernaktivitaet=ka,
            flow_task_type="HUMAN",
            status__in=[STATUS.NEW, STATUS.ASSIGNED],
        ).order_by("pk")
    )


def open_task(ka: Kernaktivitaet, node: str) -> Task:
    tasks = open_tasks(ka)
    assert [t.flow_task.name for t in tasks] == [node], f"expected one open {node}, got {tasks}"
    assert tasks[0].flow_task == getattr(KaDecisionFlow, node)
    return tasks[0]


def events(ka: Kernaktivitaet) -> list[tuple[str, str, str]]:
    return [
        (e.action, e.from_status, e.to_status)
        for e in AuditEvent.objects.filter(kernaktivitaet=ka).order_by("created_at", "pk")
    ]


def last_event(ka: Kernaktivitaet) -> AuditEvent:
    event = AuditEvent.objects.filter(kernaktivitaet=ka).order_by("-created_at", "-pk").first()
    assert event is not None, f"no audit event for {ka}"
    return event


def status_of(ka: Kernaktivitaet) -> str:
    return Kernaktivitaet.objects.values_list("status", flat=True).get(pk=ka.pk)


def decide(user: Any, task: Task, action: str, reason: str = "", **extra: Any) -> Any:
    return client_for(user).post(
        f"/aufgaben/{task.pk}/", {"op": "decide", "action": action, "reason": reason, **extra}
    )


def submit(user: Any, ka: Kernaktivitaet) -> Any:
    return client_for(user).post(
        f"/vorschlaege/{ka.pk}/",
        {"op": "submit", "titel": ka.titel, "smart_ziele": ka.smart_ziele, "beschreibung": ka.beschreibung},
    )


def council(user: Any, tasks: list[Task], rows: dict[int, dict[str, str]], **paper: str) -> Any:
    data = {
        "reference": "20260815",
        "name": "Kernaktivitäten der Bochum Strategie",
        "paper_date": "2026-08-01",
        "session_date": "2026-09-10",
        "session_time": "15:00",
        "agenda_number": "7.1",
        **paper,
    }
    for task in tasks:
        row = rows.get(task.pk, {})
        data[f"t{task.pk}_result"] = row.get("result", "")
        data[f"t{task.pk}_text"] = row.get("text", "")
        data[f"t{task.pk}_deferred_to"] = row.get("deferred_to", "")
    query = "&".join(f"task={t.pk}" for t in tasks) if len(tasks) == 1 else ""
    return client_for(user).post(f"/aufgaben/ratsbeschluss/?{query}", data)
