from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import outbox
from .models import (
    DeadlineSettings,
    NotificationPreference,
    OutboxMessage,
    OutboxState,
    ReminderRule,
    SweepProblem,
)


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


@admin.register(ReminderRule)
class ReminderRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "offset_tage", "wiederholen_tage", "an", "pflicht", "aktiv"]
    list_filter = ["kind", "aktiv", "pflicht"]
    list_editable = ["aktiv"]
    ordering = ["kind", "offset_tage"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["key", "template", "state", "attempts", "created_at", "sent_at", "subject_sent"]
    list_filter = ["state", "transient", "template", "category"]
    search_fields = ["key", "recipients_sent", "subject_sent"]
    date_hierarchy = "created_at"
    actions = ["retry"]
    readonly_fields = [
        *(f.name for f in OutboxMessage._meta.fields if f.name != "recipients"),
        "recipient_table",
    ]
    exclude = ["recipients"]

    @admin.display(description=_("Empfänger und Antworten des Mailservers"))
    def recipient_table(self, obj: OutboxMessage) -> str:
        rows = sorted((obj.recipients or {}).items())
        if not rows:
            return "–"
        labels = {"sent": _("zugestellt"), "retry": _("wird erneut versucht"), "failed": _("abgelehnt")}
        return format_html_join(
            "\n",
            "<div>{}: {} ({})</div>",
            (
                (address, labels.get(info.get("state"), info.get("state")), info.get("answer", ""))
                for address, info in rows
            ),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.method in ("GET", "HEAD") or obj is None

    @admin.action(description=_("Fehlgeschlagene erneut senden"))
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        count = outbox.retry_failed(queryset.filter(state=OutboxState.FAILED).values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext("%(n)d Mail wird erneut gesendet.", "%(n)d Mails werden erneut gesendet.", count)
            % {"n": count},
            messages.SUCCESS,
        )


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "vorab_erinnerungen", "wochenuebersicht"]
    list_filter = ["vorab_erinnerungen", "wochenuebersicht"]
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
