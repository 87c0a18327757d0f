"""The mails a decision causes, written into the outbox by the lifecycle and the flow in their own
transaction: the decision and its mail are committed together or not at all. Only the row is written here
(who, which kind, which ids); what the mail says is built at delivery (``notifications``)."""

import hashlib
from collections import defaultdict
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from guardian.shortcuts import get_users_with_perms

from governance.inputs import add_days
from governance.models import AuditEvent, KaStatus, Kernaktivitaet
from outbox.delivery import Mail, enqueue

from . import deadlines, people
from .models import DeadlineSettings, KaProcess
from .rights import RULES, Action

User = get_user_model()


def decision_notice(kernaktivitaet: Kernaktivitaet, event: AuditEvent) -> None:
    """The project group learns the outcome of each decision on its KA (not of its own submission); nobody is
    told of their own step or request."""
    if event.from_status == KaStatus.PROPOSED and event.to_status == KaStatus.ZIRKEL_REVIEW:
        return
    recipients = people.projektgruppe_ids(kernaktivitaet) - {event.actor_id, event.on_behalf_of_id}
    if not recipients:
        return
    enqueue(
        [
            Mail(
                key=f"ka-entscheidung:{event.pk}",
                template="ka_entscheidung",
                context={"event": event.pk},
                to_users=sorted(recipients),
            )
        ]
    )


def _permission_holders(permission: str, cache: dict[str, set[int]]) -> set[int]:
    """Active holders of a global permission (through a group or directly); one query per permission."""
    if permission not in cache:
        app_label, codename = permission.split(".", 1)
        global_perm = Q(
            groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label
        ) | Q(user_permissions__codename=codename, user_permissions__content_type__app_label=app_label)
        cache[permission] = set(User.objects.filter(global_perm, is_active=True).values_list("pk", flat=True))
    return cache[permission]


def _task_people(task: Any, cache: dict[str, set[int]]) -> set[int]:
    """Who may work on the task: its owner, else the holders of its permission (on its object, if any)."""
    if task.owner_id:
        return {task.owner_id}
    if not task.owner_permission or "." not in task.owner_permission:
        return set()
    if task.owner_permission_obj_pk and task.owner_permission_content_type_id:
        obj = task.owner_permission_obj
        if obj is None:
            return set()
        codename = task.owner_permission.split(".", 1)[1]
        users: Any = get_users_with_perms(obj, only_with_perms_in=[codename], with_group_users=True)
        return {user.pk for user in users if user.is_active}
    return _permission_holders(task.owner_permission, cache)


def _kernaktivitaeten(tasks: list[Any]) -> dict[int, Kernaktivitaet]:
    """process id → KA, for all tasks in one query."""
    process_ids = {task.process_id for task in tasks}
    rows = KaProcess.objects.filter(pk__in=process_ids).select_related("kernaktivitaet")
    return {row.pk: row.kernaktivitaet for row in rows}


def _task_entry(task: Any, ka: Kernaktivitaet | None, limits: dict[str, int], today: date) -> dict[str, Any]:
    """What the mail says about one task: its title, its KA, its page and, for a decision, its time limit."""
    ka_label, frist = "", ""
    if ka is not None:
        ka_label = f"{ka.code} {ka.titel}"
        if ka.status in limits:
            frist = add_days(today, limits[ka.status]).isoformat()
    return {
        "id": task.pk,
        "titel": str(task.title or ""),
        "ka": ka_label,
        "frist": frist,
    }


def _four_eyes(task: Any) -> bool:
    """Does the rule of the task's first action keep the KA's project group out (``rights.RULES``)?"""
    actions: tuple[Action, ...] = getattr(task.flow_task, "actions", ())
    return bool(actions) and RULES[actions[0]].four_eyes


def _four_eyes_barred(tasks: list[Any], kas: dict[int, Kernaktivitaet]) -> dict[int, set[int]]:
    """task id → the KA's project group, for tasks its members may not do (review and decisions)."""
    four_eyes = [task for task in tasks if task.process_id in kas and _four_eyes(task)]
    if not four_eyes:
        return {}
    groups = people.load_projektgruppen({kas[task.process_id].pk for task in four_eyes})
    return {task.pk: groups.get(kas[task.process_id].pk, set()) for task in four_eyes}


def tasks_notice(tasks: list[Any], reason: str = "") -> None:
    """One mail per group of people with the same new tasks (a tranche of 25 KA: one mail listing 25)."""
    tasks_of: dict[int, list[Any]] = defaultdict(list)
    cache: dict[str, set[int]] = {}
    # A proposal sent back for rework: the decision mail to the project group names the outcome and links the
    # form, so the group gets one mail for the step, not two.
    tasks = [task for task in tasks if task.flow_task.name != "rework"]
    if not tasks:
        return
    kas = _kernaktivitaeten(tasks)
    barred = _four_eyes_barred(tasks, kas)
    for task in tasks:
        for user_id in _task_people(task, cache) - barred.get(task.pk, set()):
            tasks_of[user_id].append(task)
    people_of: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for user_id, user_tasks in tasks_of.items():
        people_of[tuple(sorted(t.pk for t in user_tasks))].append(user_id)
    limits = deadlines.decision_days(DeadlineSettings.get())
    today = timezone.localdate()
    entries = {task.pk: _task_entry(task, kas.get(task.process_id), limits, today) for task in tasks}
    mails = []
    for task_ids, user_ids in people_of.items():
        digest = hashlib.sha256(f"{task_ids}|{sorted(user_ids)}".encode()).hexdigest()[:24]
        mails.append(
            Mail(
                key=f"aufgaben:{task_ids[0]}:{digest}",
                template="aufgaben_neu",
                context={"aufgaben": [entries[pk] for pk in task_ids], "anlass": str(reason or "")},
                to_users=sorted(user_ids),
            )
        )
    enqueue(mails)
