"""The outbox in the admin: every mail with its state and each recipient's answer; failed ones sent again."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import delivery
from .models import OutboxMessage, OutboxState


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
        count = delivery.retry_failed(queryset.filter(state=OutboxState.FAILED).values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext("%(n)d Mail wird erneut gesendet.", "%(n)d Mails werden erneut gesendet.", count)
            % {"n": count},
            messages.SUCCESS,
        )
