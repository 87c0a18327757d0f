from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import NotificationPreference, ReminderRule, SweepProblem


@admin.register(ReminderRule)
class ReminderRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "offset_tage", "wiederholen_tage", "an", "pflicht", "aktiv"]
    list_filter = ["kind", "aktiv", "pflicht"]
    list_editable = ["aktiv"]
    ordering = ["kind", "offset_tage"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "vorab_erinnerungen", "wochenuebersicht", "kommentare"]
    list_filter = ["vorab_erinnerungen", "wochenuebersicht", "kommentare"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]


@admin.register(SweepProblem)
class SweepProblemAdmin(admin.ModelAdmin):
    """What the sweep could not do. The entry goes away by itself once the KA's data is corrected (e.g. its
    planned start) and the next sweep succeeds for it; deleting it only hides it until then."""

    list_display = ["stage", "kernaktivitaet_link", "message", "first_seen", "last_seen", "occurrences"]
    list_filter = ["stage"]
    list_select_related = ["kernaktivitaet"]
    search_fields = ["kernaktivitaet__code", "message"]
    readonly_fields = ["stage", "kernaktivitaet_link", "message", "first_seen", "last_seen", "occurrences"]
    exclude = ["kernaktivitaet"]

    @admin.display(description=_("Kernaktivität"), ordering="kernaktivitaet__code")
    def kernaktivitaet_link(self, obj: SweepProblem) -> str:
        if obj.kernaktivitaet_id is None:
            return "–"
        url = reverse("admin:governance_kernaktivitaet_change", args=[obj.kernaktivitaet_id])
        return format_html('<a href="{}">{}</a>', url, obj.kernaktivitaet)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.method in ("GET", "HEAD") or obj is None
