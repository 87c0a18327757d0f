"""Helpers for the decision-process tests: find open tasks, act through the pages, read the audit trail."""

from typing import Any

from django import forms
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from governance.models import AuditEvent, Kernaktivitaet
from governance.steckbrief import steckbrief_queryset
from tests.people import client_for
from workflow.flows import KaDecisionFlow
from workflow.steckbrief_forms import SteckbriefEditor


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


def proposal_page_data(ka: Kernaktivitaet, **changes: Any) -> dict[str, Any]:
    """What the proposal page sends when nothing is changed on it: every field of its forms with the value it
    shows (``changes`` replace single values, by the field's name on the page)."""
    ka = steckbrief_queryset().get(pk=ka.pk)
    editor = SteckbriefEditor(None, ka=ka, profile=getattr(ka, "steckbrief", None))
    data: dict[str, Any] = {}
    for formset in editor.formsets.values():
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management.initial[name]
    for form in editor.all_forms:
        for name, field in form.fields.items():
            value = form[name].value()
            if value in (None, "") or name == "DELETE":
                continue
            if isinstance(field, forms.ModelMultipleChoiceField):
                data[form.add_prefix(name)] = [str(pk) for pk in value]
            else:
                data[form.add_prefix(name)] = field.widget.format_value(value)
    data.update(changes)
    return data


def submit(user: Any, ka: Kernaktivitaet, **changes: Any) -> Any:
    return client_for(user).post(
        f"/vorschlaege/{ka.pk}/", {**proposal_page_data(ka, **changes), "op": "submit"}
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
