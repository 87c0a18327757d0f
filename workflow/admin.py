from django.contrib import admin

from governance.admin import AuditedAdmin

from .models import KaProcess, Vertretung


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
