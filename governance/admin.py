from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from guardian.shortcuts import get_group_perms, get_user_perms

from .admin_inputs import StrictGuardedModelAdmin
from .audit import AdminAction, admin_change_record, snapshot
from .models import (
    AgendaItem,
    AuditEvent,
    Consultation,
    Gremium,
    Kernaktivitaet,
    Kompetenz,
    Meeting,
    Meilenstein,
    Organisationseinheit,
    Paper,
    Querschnittsthema,
    Resolution,
    Schwerpunkt,
    Statusbericht,
    StatusberichtState,
    SteckbriefVersion,
    Strategie,
    StrategischesZiel,
    Tranche,
)


class AuditedAdmin(admin.ModelAdmin):
    """Every add, change and delete through this admin page is an audit event naming the changed fields with
    their old and new values, written in the same transaction as the change."""

    def audited_ka(self, obj: Any) -> Kernaktivitaet | None:
        return None

    def audited_fields(self, obj: models.Model) -> list[str]:
        return [
            field.name
            for field in obj._meta.get_fields()
            if (getattr(field, "concrete", False) or field.many_to_many)
            and not field.auto_created
            and getattr(field, "editable", False)
        ]

    def _stored(self, obj: models.Model) -> dict[str, Any]:
        fresh = type(obj)._default_manager.filter(pk=obj.pk).first() if obj.pk is not None else None
        return snapshot(fresh, self.audited_fields(obj)) if fresh is not None else {}

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        request._audit_before = self._stored(obj) if change else {}  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        obj = form.instance
        before = getattr(request, "_audit_before", {})
        after = self._stored(obj)
        changed = {
            name: [before.get(name), value] for name, value in after.items() if before.get(name) != value
        }
        admin_change_record(
            actor=request.user,
            obj=obj,
            action=AdminAction.CHANGE if change else AdminAction.ADD,
            changed=changed,
            kernaktivitaet=self.audited_ka(obj),
        )

    def _record_delete(self, request: HttpRequest, obj: Any) -> None:
        before = self._stored(obj)
        admin_change_record(
            actor=request.user,
            obj=obj,
            action=AdminAction.DELETE,
            changed={name: [value, None] for name, value in before.items()},
            kernaktivitaet=self.audited_ka(obj),
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            self._record_delete(request, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in queryset:
                self._record_delete(request, obj)
            super().delete_queryset(request, queryset)


def _strict_ids(*values: Any) -> None:
    # guardian's URLs take any text as an id; anything but a plain number is a page that does not exist.
    for value in values:
        text = str(value)
        if not (text.isascii() and text.isdigit() and len(text) <= 18):
            raise Http404


def _names(permissions: Iterable[Any]) -> list[str]:
    return sorted(str(permission) for permission in permissions)


class AuditedGuardedAdmin(StrictGuardedModelAdmin, AuditedAdmin):  # type: ignore[misc]
    """Object rights granted or taken in the admin (guardian's pages) are audit events too."""

    def obj_perms_manage_user_view(self, request: HttpRequest, object_pk: Any, user_id: Any) -> HttpResponse:
        _strict_ids(object_pk, user_id)
        if request.method != "POST":
            return super().obj_perms_manage_user_view(request, object_pk, user_id)
        with transaction.atomic():
            obj = get_object_or_404(self.get_queryset(request), pk=object_pk)
            user = get_object_or_404(get_user_model(), pk=user_id)
            before = _names(get_user_perms(user, obj))
            response = super().obj_perms_manage_user_view(request, object_pk, user_id)
            self._record_rights(
                request, obj, f"user:{user.get_username()}", before, _names(get_user_perms(user, obj))
            )
        return response

    def obj_perms_manage_group_view(
        self, request: HttpRequest, object_pk: Any, group_id: Any
    ) -> HttpResponse:
        _strict_ids(object_pk, group_id)
        if request.method != "POST":
            return super().obj_perms_manage_group_view(request, object_pk, group_id)
        with transaction.atomic():
            obj = get_object_or_404(self.get_queryset(request), pk=object_pk)
            group = get_object_or_404(Group, pk=group_id)
            before = _names(get_group_perms(group, obj))
            response = super().obj_perms_manage_group_view(request, object_pk, group_id)
            self._record_rights(
                request, obj, f"group:{group.name}", before, _names(get_group_perms(group, obj))
            )
        return response

    def _record_rights(
        self, request: HttpRequest, obj: Any, holder: str, before: list[str], after: list[str]
    ) -> None:
        if before != after:
            admin_change_record(
                actor=request.user,
                obj=obj,
                action=AdminAction.RIGHTS,
                changed={holder: [before, after]},
                kernaktivitaet=self.audited_ka(obj),
            )


class StrategischesZielInline(admin.TabularInline):
    model = StrategischesZiel
    extra = 0


@admin.register(Strategie)
class StrategieAdmin(admin.ModelAdmin):
    list_display = ["version", "name", "beschlossen_im", "anlass"]
    inlines = [StrategischesZielInline]


class SchwerpunktInline(admin.TabularInline):
    model = Schwerpunkt
    extra = 0
    max_num = 5


@admin.register(Kompetenz)
class KompetenzAdmin(AuditedGuardedAdmin):
    list_display = ["position", "code", "name"]
    search_fields = ["name", "code"]
    inlines = [SchwerpunktInline]


@admin.register(Schwerpunkt)
class SchwerpunktAdmin(admin.ModelAdmin):
    list_display = ["name", "kompetenz", "position"]
    list_filter = ["kompetenz"]
    search_fields = ["name"]


@admin.register(Querschnittsthema)
class QuerschnittsthemaAdmin(admin.ModelAdmin):
    list_display = ["name", "position"]


@admin.register(Tranche)
class TrancheAdmin(admin.ModelAdmin):
    list_display = ["nummer", "kurzname", "beschlusszeitraum", "geplante_anzahl"]


@admin.register(Meilenstein)
class MeilensteinAdmin(admin.ModelAdmin):
    list_display = ["position", "zeitpunkt", "ereignis"]


@admin.register(Organisationseinheit)
class OrganisationseinheitAdmin(admin.ModelAdmin):
    list_display = ["name", "art"]
    list_filter = ["art"]
    search_fields = ["name"]


@admin.register(Gremium)
class GremiumAdmin(admin.ModelAdmin):
    list_display = ["name", "art"]
    list_filter = ["art"]
    search_fields = ["name"]


@admin.register(Kernaktivitaet)
class KernaktivitaetAdmin(AuditedGuardedAdmin):
    list_display = ["code", "titel", "kompetenz", "status", "tranche", "linienverantwortung"]
    list_filter = [
        "kompetenz",
        "status",
        "tranche",
        "schwerpunkt",
        "querschnittsthemen",
        "linienverantwortung",
    ]
    search_fields = ["code", "titel", "beschreibung"]
    readonly_fields = ["status", "ueberfuehrt_in", "erstellt_am", "geaendert_am"]
    autocomplete_fields = ["schwerpunkt", "projektleitung", "projektgruppe"]
    filter_horizontal = ["querschnittsthemen"]
    list_select_related = ["kompetenz", "tranche", "linienverantwortung"]

    def audited_ka(self, obj: Kernaktivitaet) -> Kernaktivitaet | None:
        # A deleted KA cannot be pointed at (the event would block its deletion): the subject names it.
        return obj if obj.pk is not None and Kernaktivitaet.objects.filter(pk=obj.pk).exists() else None

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            super(AuditedAdmin, self).delete_model(request, obj)
            self._record_deleted_ka(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            gone = list(queryset)
            super(AuditedAdmin, self).delete_queryset(request, queryset)
            for obj in gone:
                self._record_deleted_ka(request, obj)

    def _record_deleted_ka(self, request: HttpRequest, obj: Kernaktivitaet) -> None:
        admin_change_record(
            actor=request.user,
            obj=obj,
            action=AdminAction.DELETE,
            changed={
                name: [value, None] for name, value in snapshot(obj, ["code", "titel", "status"]).items()
            },
        )


@admin.register(Paper)
class PaperAdmin(AuditedAdmin):
    list_display = ["reference", "name", "date", "paper_type"]
    search_fields = ["reference", "name"]
    date_hierarchy = "date"


@admin.register(Meeting)
class MeetingAdmin(AuditedAdmin):
    list_display = ["name", "start", "organization", "cancelled"]
    list_filter = ["organization"]


@admin.register(AgendaItem)
class AgendaItemAdmin(AuditedAdmin):
    list_display = ["meeting", "number", "name", "result"]
    list_filter = ["result"]


@admin.register(Consultation)
class ConsultationAdmin(AuditedAdmin):
    list_display = ["paper", "meeting", "organization", "authoritative"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of decisions are written by the process only; the admin shows them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Resolution)
class ResolutionAdmin(ReadOnlyAdmin):
    list_display = ["kernaktivitaet", "consultation", "result", "recorded_at"]
    list_filter = ["result", "kernaktivitaet__kompetenz"]
    search_fields = ["kernaktivitaet__code", "kernaktivitaet__titel", "consultation__paper__reference"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = [
        "seq",
        "created_at",
        "kernaktivitaet",
        "subject",
        "action",
        "from_status",
        "to_status",
        "actor",
        "on_behalf_of",
    ]
    list_filter = ["action", "to_status", "kernaktivitaet__kompetenz"]
    search_fields = ["kernaktivitaet__code", "kernaktivitaet__titel", "subject", "reason"]
    readonly_fields = ["seq", "previous_hash", "hash"]
    list_select_related = ["kernaktivitaet", "actor", "on_behalf_of"]


@admin.register(SteckbriefVersion)
class SteckbriefVersionAdmin(ReadOnlyAdmin):
    """What a project group submitted: shown, never changed or removed (on PostgreSQL a trigger refuses it
    as well). The draft is edited on the product's own pages, by its project group."""

    list_display = ["kernaktivitaet", "nummer", "eingereicht_am", "eingereicht_von"]
    list_filter = ["kernaktivitaet__kompetenz"]
    search_fields = ["kernaktivitaet__code", "kernaktivitaet__titel"]
    list_select_related = ["kernaktivitaet", "eingereicht_von"]


@admin.register(Statusbericht)
class StatusberichtAdmin(AuditedAdmin):
    """An accepted report is a record of what the city was told: shown, never changed or removed here.
    Reports not yet accepted may be corrected, each change an audit event of its KA."""

    list_display = ["kernaktivitaet", "faellig_am", "state", "ampel_zeitplan", "fortschritt_prozent"]
    list_filter = ["state", "kernaktivitaet__kompetenz", "ampel_zeitplan"]
    search_fields = ["kernaktivitaet__code", "kernaktivitaet__titel"]
    readonly_fields = ["state", "eingereicht_am", "eingereicht_von", "geprueft_am", "geprueft_von"]

    def audited_ka(self, obj: Statusbericht) -> Kernaktivitaet | None:
        return obj.kernaktivitaet

    def has_change_permission(self, request: HttpRequest, obj: Statusbericht | None = None) -> bool:
        if obj is not None and obj.state == StatusberichtState.ACCEPTED:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Statusbericht | None = None) -> bool:
        if obj is not None and obj.state == StatusberichtState.ACCEPTED:
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        # The bulk action asks for permission without an object: accepted reports stay.
        super().delete_queryset(request, queryset.exclude(state=StatusberichtState.ACCEPTED))


class AuditedUserAdmin(AuditedAdmin, UserAdmin):
    """Rights of people (roles as groups, permissions, staff and superuser flags) changed in the admin are
    audit events; the password hash is never written to the trail."""

    def audited_fields(self, obj: models.Model) -> list[str]:
        return [
            "username",
            "email",
            "first_name",
            "last_name",
            "is_active",
            "is_staff",
            "is_superuser",
            "groups",
            "user_permissions",
        ]


class AuditedGroupAdmin(AuditedAdmin, GroupAdmin):
    def audited_fields(self, obj: models.Model) -> list[str]:
        return ["name", "permissions"]


for _model, _admin in ((get_user_model(), AuditedUserAdmin), (Group, AuditedGroupAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin)


admin.site.empty_value_display = "–"
