from django.contrib import admin
from django.http import HttpRequest

from governance.admin import AuditedAdmin

from .models import DeadlineSettings, KaProcess, Vertretung


@admin.register(Vertretung)
class VertretungAdmin(AuditedAdmin):
    """A deputy acts with the rights of the person absent: naming one is a change of rights, audited."""

    list_display = ["vertretene_person", "vertretung", "von", "bis"]
    list_filter = ["von", "bis"]
    search_fields = ["vertretene_person__username", "vertretung__username"]
    autocomplete_fields = ["vertretene_person", "vertretung"]
    date_hierarchy = "von"


@admin.register(KaProcess)
class KaProcessAdmin(admin.ModelAdmin):
    """Read only: processes change through the tasks, never by hand."""

    list_display = ["kernaktivitaet", "kind", "status", "created", "finished"]
    list_filter = ["kind", "status"]
    search_fields = ["kernaktivitaet__code", "kernaktivitaet__titel"]
    list_select_related = ["kernaktivitaet"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DeadlineSettings)
class DeadlineSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "berichtsintervall_monate",
        "frist_pruefung_tage",
        "frist_vorstand_tage",
        "frist_ratsbeschluss_tage",
        "versandstunde",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not DeadlineSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
