"""Roles and rights: the one place that answers "may X do Y to Z?".

Roles are Django groups with global permissions; "own" KA or Kompetenz is a django-guardian object permission.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any, TypeAlias

from django.contrib.auth import get_user_model
from django.contrib.auth import models as auth_models
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from governance.models import Dokument, Kernaktivitaet, Kompetenz

from .models import Vertretung

# The project keeps Django's own user model (no AUTH_USER_MODEL), and django-stubs types request.user and
# every user foreign key with it; AbstractBaseUser would lack is_superuser and the permission lists read here.
User: TypeAlias = auth_models.User


class Role(models.TextChoices):
    PROJEKTGRUPPE = "Projektgruppe", _("Projektgruppe")
    KOMPETENZVERANTWORTLICHE = "Kompetenzverantwortliche", _("Kompetenzverantwortliche")
    STRATEGIEZIRKEL = "Strategiezirkel", _("Strategiezirkel")
    VERWALTUNGSVORSTAND = "Verwaltungsvorstand", _("Verwaltungsvorstand")
    RATSBUERO = "Ratsbuero", _("Ratsbüro")
    STRATEGIEBEIRAT = "Strategiebeirat", _("Strategiebeirat")


# Global permissions per role (app_label.codename). Object rights ("own") are granted per KA or Kompetenz.
ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.PROJEKTGRUPPE: ("governance.view_kernaktivitaet", "governance.add_kernaktivitaet"),
    Role.KOMPETENZVERANTWORTLICHE: ("governance.view_kernaktivitaet", "governance.add_kernaktivitaet"),
    Role.STRATEGIEZIRKEL: (
        "governance.view_kernaktivitaet",
        "governance.add_kernaktivitaet",
        "governance.edit_proposal",
        "governance.review_proposal",
        "governance.accept_statusbericht",
        "governance.confirm_completion",
        "governance.propose_stop",
        "governance.view_internal_kernaktivitaet",
        "governance.add_dokument",
        "governance.delete_dokument",
    ),
    Role.VERWALTUNGSVORSTAND: (
        "governance.view_kernaktivitaet",
        "governance.decide_kernaktivitaet",
        "governance.view_internal_kernaktivitaet",
    ),
    Role.RATSBUERO: (
        "governance.view_kernaktivitaet",
        "governance.record_resolution",
        "governance.view_internal_kernaktivitaet",
    ),
    Role.STRATEGIEBEIRAT: ("governance.view_kernaktivitaet", "governance.view_internal_kernaktivitaet"),
}
# viewflow shows a flow only to users with view_<process>; every role reads the decision processes.
ROLE_PERMISSIONS = {role: (*perms, "workflow.view_kaprocess") for role, perms in ROLE_PERMISSIONS.items()}

# Object permissions a project group member holds on their own KA.
OWN_KA_PERMISSIONS = (
    "edit_proposal",
    "report_kernaktivitaet",
    "view_internal_kernaktivitaet",
    "propose_stop",
)


def role_groups_ensure(using: str = "default") -> None:
    """Create the role groups and give them their global permissions (runs after every migrate); never takes
    a permission away. Four statements for all roles: a group and a permission at a time it was about 40."""
    names = [role.value for role in ROLE_PERMISSIONS]
    dotted_names = {dotted for perms in ROLE_PERMISSIONS.values() for dotted in perms}
    with transaction.atomic(using=using):
        groups = Group.objects.using(using)
        groups.bulk_create([Group(name=name) for name in names], ignore_conflicts=True)
        group_ids = dict(groups.filter(name__in=names).values_list("name", "pk"))
        by_name = Q()
        for dotted in dotted_names:
            app_label, codename = dotted.split(".")
            by_name |= Q(content_type__app_label=app_label, codename=codename)
        permission_ids = {
            f"{app_label}.{codename}": pk
            for pk, app_label, codename in Permission.objects.using(using)
            .filter(by_name)
            .values_list("pk", "content_type__app_label", "codename")
        }
        links = Group.permissions.through
        links.objects.using(using).bulk_create(
            [
                links(group_id=group_ids[role.value], permission_id=permission_ids[dotted])
                for role, perms in ROLE_PERMISSIONS.items()
                for dotted in perms
                if dotted in permission_ids
            ],
            ignore_conflicts=True,
        )


class Action(models.TextChoices):
    """Everything a person can do to a KA in the decision process."""

    CREATE = "create", _("Vorschlag anlegen")
    EDIT = "edit", _("Vorschlag bearbeiten")
    SUBMIT = "submit", _("Vorschlag einreichen")
    ZIRKEL_RETURN = "zirkel_return", _("an die Projektgruppe zurückgeben")
    ZIRKEL_FORWARD = "zirkel_forward", _("an den Verwaltungsvorstand weiterleiten")
    BOARD_APPROVE = "board_approve", _("dem Rat zur Entscheidung vorlegen")
    BOARD_REJECT = "board_reject", _("ablehnen")
    BOARD_RETURN = "board_return", _("an den Strategiezirkel zurückgeben")
    COUNCIL_RECORD = "council_record", _("Ratsbeschluss erfassen")
    PROPOSE_COMPLETION = "propose_completion", _("Abschluss vorschlagen")
    CONFIRM_COMPLETION = "confirm_completion", _("Abschluss bestätigen")
    DECLINE_COMPLETION = "decline_completion", _("Abschluss nicht bestätigen")
    PROPOSE_STOP = "propose_stop", _("Einstellung vorschlagen")
    PROPOSE_MERGE = "propose_merge", _("Überführung vorschlagen")
    BOARD_STOP = "board_stop", _("Einstellung beschließen")
    BOARD_MERGE = "board_merge", _("Überführung beschließen")
    BOARD_KEEP = "board_keep", _("weiterlaufen lassen")
    SUBMIT_REPORT = "submit_report", _("Sachstandsbericht einreichen")
    REVIEW_REPORT = "review_report", _("Sachstandsbericht annehmen oder zurückgeben")


# Actions on status reports: they move the report, never the KA's status.
REPORT_ACTIONS = (Action.SUBMIT_REPORT, Action.REVIEW_REPORT)


class DocumentAction(models.TextChoices):
    """What a person can do to the documents of a KA, in any of its states. No step of the decision process:
    the lifecycle, the flow and the decision mails know nothing of them (hence not in ``Action``); each writes
    an audit event of its code and never moves the KA's status."""

    UPLOAD = "document_upload", _("Dokument hochladen")
    REMOVE = "document_remove", _("Dokument entfernen")


class DiscussionAction(models.TextChoices):
    """Taking part in the discussion of a KA in preparation. No step of the decision process either (hence
    not in ``Action``): it never moves the KA's status and writes no audit event."""

    COMMENT = "add_comment", _("Kommentar schreiben")


@dataclass(frozen=True)
class Rule:
    """Who may do an action: a global role right, an object right on the KA, or either of both."""

    refusal: Promise
    global_perm: str | None = None
    # Further global rights, each granting the action as well (the discussion: the Zirkel or the board).
    more_global_perms: tuple[str, ...] = ()
    object_perm: str | None = None
    # An object right on the KA's Kompetenz (the Kompetenzverantwortliche).
    kompetenz_perm: str | None = None
    # Members and lead of the KA's project group may not review or decide it.
    four_eyes: bool = False
    # The person who asked for a completion or stop/merge may not decide it.
    not_requester: bool = False


_REVIEW = Rule(
    global_perm="review_proposal",
    four_eyes=True,
    refusal=_("Nur der Strategiezirkel prüft Vorschläge."),
)
_DECIDE = Rule(
    global_perm="decide_kernaktivitaet",
    four_eyes=True,
    refusal=_("Nur der Verwaltungsvorstand entscheidet hierüber."),
)
_DECIDE_REQUEST = Rule(
    global_perm="decide_kernaktivitaet",
    four_eyes=True,
    not_requester=True,
    refusal=_("Nur der Verwaltungsvorstand entscheidet hierüber."),
)
_CONFIRM = Rule(
    global_perm="confirm_completion",
    four_eyes=True,
    not_requester=True,
    refusal=_("Nur der Strategiezirkel bestätigt den Abschluss."),
)
_PROPOSE_STOP = Rule(
    global_perm="propose_stop",
    object_perm="propose_stop",
    refusal=_("Einstellung oder Überführung schlagen nur die Projektgruppe oder der Strategiezirkel vor."),
)


def _action_of(action: str) -> Action | DocumentAction | DiscussionAction:
    for kind in (DocumentAction, DiscussionAction):
        if action in kind.values:
            return kind(action)
    return Action(action)


RULES: dict[Action | DocumentAction | DiscussionAction, Rule] = {
    Action.CREATE: Rule(
        global_perm="add_kernaktivitaet",
        refusal=_("Vorschläge legen Projektgruppen, Kompetenzverantwortliche und der Strategiezirkel an."),
    ),
    Action.EDIT: Rule(
        global_perm="edit_proposal",
        object_perm="edit_proposal",
        refusal=_("Diesen Vorschlag bearbeitet nur seine Projektgruppe oder der Strategiezirkel."),
    ),
    Action.SUBMIT: Rule(
        object_perm="edit_proposal", refusal=_("Diesen Vorschlag reicht nur seine Projektgruppe ein.")
    ),
    Action.ZIRKEL_RETURN: _REVIEW,
    Action.ZIRKEL_FORWARD: _REVIEW,
    Action.BOARD_APPROVE: _DECIDE,
    Action.BOARD_REJECT: _DECIDE,
    Action.BOARD_RETURN: _DECIDE,
    Action.COUNCIL_RECORD: Rule(
        global_perm="record_resolution", refusal=_("Ratsbeschlüsse erfasst nur das Ratsbüro.")
    ),
    Action.PROPOSE_COMPLETION: Rule(
        object_perm="report_kernaktivitaet",
        refusal=_("Den Abschluss schlägt nur die Projektgruppe dieser Kernaktivität vor."),
    ),
    Action.CONFIRM_COMPLETION: _CONFIRM,
    Action.DECLINE_COMPLETION: _CONFIRM,
    Action.PROPOSE_STOP: _PROPOSE_STOP,
    Action.PROPOSE_MERGE: _PROPOSE_STOP,
    Action.BOARD_STOP: _DECIDE_REQUEST,
    Action.BOARD_MERGE: _DECIDE_REQUEST,
    Action.BOARD_KEEP: _DECIDE_REQUEST,
    Action.SUBMIT_REPORT: Rule(
        object_perm="report_kernaktivitaet",
        refusal=_("Nur die Projektgruppe dieser Kernaktivität kann ihren Sachstand berichten."),
    ),
    # The discussion of a KA in preparation: its project group and the people who review and decide it.
    # Only while it is prepared (KaStatus.in_preparation); the service checks the state.
    DiscussionAction.COMMENT: Rule(
        global_perm="review_proposal",
        more_global_perms=("decide_kernaktivitaet",),
        object_perm="view_internal_kernaktivitaet",
        kompetenz_perm="oversee_kompetenz",
        refusal=_(
            "Kommentieren können die Projektgruppe, der Strategiezirkel, die Kompetenzverantwortlichen "
            "und der Verwaltungsvorstand."
        ),
    ),
    Action.REVIEW_REPORT: Rule(
        global_perm="accept_statusbericht",
        kompetenz_perm="oversee_kompetenz",
        four_eyes=True,
        refusal=_(
            "Sachstandsberichte nehmen der Strategiezirkel oder die Kompetenzverantwortlichen an; "
            "nicht die eigene Projektgruppe."
        ),
    ),
    # Upload: the KA's project group (by the right it works on its own KA with), the Kompetenzverantwortlichen
    # of its Kompetenz and the Strategiezirkel. Remove: the Zirkel any document; the uploader their own while
    # they may still upload there (may_remove_document). Reading follows the KA's visibility
    # (governance.selectors.documents), no rule here.
    DocumentAction.UPLOAD: Rule(
        global_perm="add_dokument",
        object_perm="report_kernaktivitaet",
        kompetenz_perm="oversee_kompetenz",
        refusal=_(
            "Dokumente laden die Projektgruppe dieser Kernaktivität, die Kompetenzverantwortlichen ihrer "
            "Kompetenz und der Strategiezirkel hoch."
        ),
    ),
    DocumentAction.REMOVE: Rule(
        global_perm="delete_dokument",
        refusal=_("Ein Dokument entfernen nur, wer es hochgeladen hat, und der Strategiezirkel."),
    ),
}

FOUR_EYES_REFUSAL = _(
    "Sie gehören zur Projektgruppe dieser Kernaktivität und dürfen sie deshalb nicht prüfen oder "
    "entscheiden (Vier-Augen-Prinzip)."
)
REQUESTER_REFUSAL = _(
    "Wer den Antrag gestellt hat, darf nicht selbst darüber entscheiden (Vier-Augen-Prinzip)."
)
DEPUTY_REFUSAL = _("Sie sind heute nicht als Vertretung für %(name)s eingetragen.")
INACTIVE_REFUSAL = _("Ihr Konto ist nicht aktiv.")


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    message: str = ""

    def __bool__(self) -> bool:
        return self.allowed


def held_permissions(user: User | AnonymousUser) -> set[str]:
    """The global rights a person holds by role (group) or given directly, as "app_label.codename".

    Django's ModelBackend hands a superuser every permission there is; for the decision process that
    would make the technical administrator every role at once. A superuser holds here only what they
    were given explicitly (one query, kept on the user object for the request); the admin is unaffected.
    """
    if not user.is_superuser:
        return set(user.get_all_permissions())
    cached: set[str] | None = getattr(user, "_held_perm_cache", None)
    if cached is None:
        cached = set()
        if user.is_active:
            rows = (
                Permission.objects.filter(Q(user=user) | Q(group__user=user))
                .values_list("content_type__app_label", "codename")
                .distinct()
            )
            cached = {f"{app_label}.{codename}" for app_label, codename in rows}
        # An ad-hoc attribute, as ModelBackend keeps its _perm_cache on the user object too.
        user._held_perm_cache = cached  # type: ignore[attr-defined]
    return cached


def _global_perm_exists(*codenames: str) -> Exists:
    return Exists(
        Permission.objects.filter(content_type__app_label="governance", codename__in=codenames).filter(
            Q(user=OuterRef("pk")) | Q(group__user=OuterRef("pk"))
        )
    )


def _object_perm_exists(codename: str, ka_pk: int, model: Any = None) -> Q:
    from guardian.models import GroupObjectPermission, UserObjectPermission

    content_type = ContentType.objects.get_for_model(model or Kernaktivitaet)
    lookup = {"permission__codename": codename, "content_type": content_type, "object_pk": str(ka_pk)}
    return Q(Exists(UserObjectPermission.objects.filter(user=OuterRef("pk"), **lookup))) | Q(
        Exists(GroupObjectPermission.objects.filter(group__user=OuterRef("pk"), **lookup))
    )


# The four-eyes rule (RuleSpec.four_eyes) keeps a KA's project group, its lead included, out of the reviews
# and decisions on that KA. These two give its membership test in the two shapes the queries need.
def _member_exists(ka_pk: int, user_pk: Any) -> Exists:
    """Is the person a member of the KA's project group (the lead is checked on the KA row)?"""
    through = Kernaktivitaet.projektgruppe.through
    return Exists(through.objects.filter(kernaktivitaet_id=ka_pk, user_id=user_pk))


def in_project_group_q(user: Any, ka_path: str) -> Q:
    """Rows whose KA (reached by ``ka_path``) has ``user`` in its project group or as its lead."""
    through = Kernaktivitaet.projektgruppe.through
    return Q(
        Exists(through.objects.filter(kernaktivitaet_id=OuterRef(f"{ka_path}_id"), user_id=user.pk))
    ) | Q(**{f"{ka_path}__projektleitung_id": user.pk})


def may(
    user: User | AnonymousUser | None,
    action: Action | DocumentAction | DiscussionAction | str,
    ka: Any,
    *,
    on_behalf_of: User | None = None,
    requester_ids: frozenset[int] = frozenset(),
    today: date | None = None,
) -> Verdict:
    """May ``user`` do ``action`` to KA ``ka`` (optionally as deputy of ``on_behalf_of``)?

    One query answers everything: the rights are those of the person acted for (a deputy has no more rights
    than the absent person), the four-eyes rule binds both the deputy and the absent person, and a deputy
    relation only counts when it names exactly these two people for today, so it cannot be passed on.
    """
    rule = RULES[_action_of(action)]
    if user is None or not user.is_authenticated or not user.is_active:
        return Verdict(False, str(INACTIVE_REFUSAL))
    principal = on_behalf_of if on_behalf_of is not None and on_behalf_of.pk != user.pk else user
    ka_pk = ka.pk if ka is not None else None
    annotations: dict[str, Any] = {}
    if rule.global_perm:
        annotations["has_global"] = _global_perm_exists(rule.global_perm, *rule.more_global_perms)
    if rule.object_perm and ka_pk is not None:
        annotations["has_object"] = _object_perm_exists(rule.object_perm, ka_pk)
    if rule.kompetenz_perm and ka is not None:
        annotations["has_kompetenz"] = _object_perm_exists(rule.kompetenz_perm, ka.kompetenz_id, Kompetenz)
    if rule.four_eyes and ka_pk is not None:
        annotations["principal_member"] = _member_exists(ka_pk, OuterRef("pk"))
        annotations["actor_member"] = _member_exists(ka_pk, user.pk)
    if principal is not user:
        day = today or timezone.localdate()
        annotations["is_deputy"] = Exists(
            Vertretung.objects.filter(
                vertretene_person=OuterRef("pk"), vertretung=user.pk, von__lte=day, bis__gte=day
            )
        )
    row = (
        get_user_model()
        ._default_manager.filter(pk=principal.pk)
        .annotate(**annotations)
        .values("is_active", *annotations)
        .first()
    )
    if row is None or not row["is_active"]:
        return Verdict(False, str(INACTIVE_REFUSAL))
    if principal is not user and not row["is_deputy"]:
        return Verdict(False, str(DEPUTY_REFUSAL % {"name": principal.get_username()}))
    # Only rights given explicitly count: the technical superuser decides as no role unless given it
    # (segregation of duties). The annotations read the permission tables, never Django's or guardian's
    # superuser shortcut.
    granted = bool(row.get("has_global") or row.get("has_object") or row.get("has_kompetenz"))
    if not granted:
        return Verdict(False, str(rule.refusal))
    if rule.four_eyes and ka is not None:
        leads = ka.projektleitung_id in {user.pk, principal.pk}
        if leads or row["principal_member"] or row["actor_member"]:
            return Verdict(False, str(FOUR_EYES_REFUSAL))
    if rule.not_requester and requester_ids & {user.pk, principal.pk}:
        return Verdict(False, str(REQUESTER_REFUSAL))
    return Verdict(True)


def may_remove_document(user: User | AnonymousUser | None, dokument: Dokument) -> Verdict:
    """May ``user`` remove this document? The Zirkel any (DocumentAction.REMOVE); the person who uploaded it
    as long as they may still upload to its KA, so that someone who left the project group no longer can."""
    ka = dokument.kernaktivitaet
    verdict = may(user, DocumentAction.REMOVE, ka)
    if verdict or user is None or dokument.hochgeladen_von_id != user.pk:
        return verdict
    return Verdict(True) if may(user, DocumentAction.UPLOAD, ka) else verdict


def is_deputy(user: User, absent: User | int, today: date | None = None) -> bool:
    """Is ``user`` named today as the deputy of ``absent``? Only direct relations count (no passing on)."""
    day = today or timezone.localdate()
    return Vertretung.objects.filter(
        vertretene_person=absent, vertretung=user, von__lte=day, bis__gte=day
    ).exists()


def absent_principals(user: User, today: date | None = None) -> list[User]:
    """The people ``user`` stands in for today."""
    day = today or timezone.localdate()
    return [
        v.vertretene_person
        for v in Vertretung.objects.filter(vertretung=user, von__lte=day, bis__gte=day)
        .select_related("vertretene_person")
        .order_by("vertretene_person__username")
    ]
