"""Reads of the decision process: inbox, queue and recently done tasks, with a fixed number of queries.

The queue is computed from the same rules as ``workflow.rights.decide``: a task is offered to exactly the
people who may do it (role right or object right, four-eyes, not the requester). A deputy sees their own
tasks and those of the people they stand in for today, never more than those people may do.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from governance.models import Kernaktivitaet

from .flows import HUMAN_NODES, NODE_ACTIONS, KaDecisionFlow
from .rights import RULES, absent_principals

KA = "process__kaprocess__kernaktivitaet"


def task_base() -> QuerySet[Task]:
    return Task.objects.filter(process__flow_class=KaDecisionFlow, flow_task_type="HUMAN").select_related(
        "process__kaprocess__kernaktivitaet__kompetenz", "owner"
    )


def _member(user: Any) -> Q:
    through = Kernaktivitaet.projektgruppe.through
    return Q(Exists(through.objects.filter(kernaktivitaet_id=OuterRef(f"{KA}_id"), user_id=user.pk))) | Q(
        **{f"{KA}__projektleitung_id": user.pk}
    )


def _object_perm(user: Any, codename: str) -> Q:
    from guardian.models import GroupObjectPermission, UserObjectPermission

    lookup = {
        "permission__codename": codename,
        "content_type": ContentType.objects.get_for_model(Kernaktivitaet),
        "object_pk": Cast(OuterRef(f"{KA}_id"), CharField()),
    }
    return Q(Exists(UserObjectPermission.objects.filter(user_id=user.pk, **lookup))) | Q(
        Exists(GroupObjectPermission.objects.filter(group__user=user.pk, **lookup))
    )


def may_do_q(person: Any, *, actor: Any = None) -> Q:
    """The tasks ``person`` may do (done by ``actor`` as their deputy, when given)."""
    actor = actor or person
    perms = person.get_all_permissions()
    allowed = Q(pk__in=[])
    for node in HUMAN_NODES:
        rule = RULES[NODE_ACTIONS[node][0]]
        grant = Q(pk__in=[])
        if rule.global_perm and (person.is_superuser or f"governance.{rule.global_perm}" in perms):
            grant = Q(pk__isnull=False)
        if rule.object_perm:
            grant |= _object_perm(person, rule.object_perm)
        condition = Q(flow_task=getattr(KaDecisionFlow, node)) & grant
        for somebody in {person.pk: person, actor.pk: actor}.values():
            if rule.four_eyes:
                condition &= ~_member(somebody)
            if rule.not_requester:
                condition &= ~Q(process__kaprocess__requested_by_id=somebody.pk) & ~Q(
                    process__kaprocess__requested_for_id=somebody.pk
                )
        allowed |= condition
    return allowed


@dataclass
class Entry:
    task: Task
    # The absent person the deputy acts for, or None for one's own tasks.
    for_person: Any = None

    @property
    def kernaktivitaet(self) -> Kernaktivitaet:
        return self.task.process.kaprocess.kernaktivitaet


@dataclass
class TaskLists:
    inbox: list[Entry]
    queue: list[Entry]
    done: list[Entry]
    principals: list[Any]


def task_lists(user: Any, *, done_limit: int = 10, kernaktivitaet: Kernaktivitaet | None = None) -> TaskLists:
    """Inbox (claimed by me or the person I stand in for), queue (open, may do) and my recently done tasks;
    only those of one KA when it is given."""
    principals = absent_principals(user)
    scope = Q(**{KA: kernaktivitaet}) if kernaktivitaet is not None else Q()
    people = [(user, None), *[(p, p) for p in principals]]
    inbox: list[Entry] = []
    queue: list[Entry] = []
    seen: set[int] = set()
    for person, for_person in people:
        may = may_do_q(person, actor=user)
        open_tasks = (
            task_base()
            .filter(scope, may)
            .filter(Q(status=STATUS.NEW) | Q(status=STATUS.ASSIGNED, owner_id=person.pk))
        )
        for task in open_tasks.order_by("created", "pk"):
            if task.pk in seen:
                continue
            seen.add(task.pk)
            (inbox if task.status == STATUS.ASSIGNED else queue).append(Entry(task, for_person))
    done = (
        [
            Entry(task)
            for task in task_base()
            .filter(scope, status=STATUS.DONE, data__executed_by=user.pk)
            .order_by("-finished", "-pk")[:done_limit]
        ]
        if done_limit
        else []
    )
    return TaskLists(inbox=inbox, queue=queue, done=done, principals=principals)


def task_for_user(user: Any, task_id: int) -> Entry | None:
    """One open task, if ``user`` (or the person they stand in for) may do it; None otherwise."""
    for person, for_person in [(user, None), *[(p, p) for p in absent_principals(user)]]:
        task = (
            task_base()
            .filter(pk=task_id)
            .filter(may_do_q(person, actor=user))
            .filter(Q(status=STATUS.NEW) | Q(status=STATUS.ASSIGNED, owner_id=person.pk))
            .first()
        )
        if task is not None:
            return Entry(task, for_person)
    return None


def council_tasks(user: Any) -> list[Entry]:
    """The open council tasks ``user`` may record, oldest first (the rows of a tranche form)."""
    lists = task_lists(user, done_limit=0)
    entries = [*lists.inbox, *lists.queue]
    entries = [e for e in entries if e.task.flow_task == KaDecisionFlow.council_record]
    return sorted(entries, key=lambda e: (e.kernaktivitaet.code, e.task.pk))
