from django.contrib import admin
from django.http import HttpRequest
from guardian.admin import GuardedModelAdmin

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
    Strategie,
    StrategischesZiel,
    Tranche,
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
class KompetenzAdmin(GuardedModelAdmin):
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
class KernaktivitaetAdmin(GuardedModelAdmin):
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


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ["reference", "name", "date", "paper_type"]
    search_fields = ["reference", "name"]
    date_hierarchy = "date"


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["name", "start", "organization", "cancelled"]
    list_filter = ["organization"]


@admin.register(AgendaItem)
class AgendaItemAdmin(admin.ModelAdmin):
    list_display = ["meeting", "number", "name", "result"]
    list_filter = ["result"]


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
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
        "created_at",
        "kernaktivitaet",
        "action",
        "from_status",
        "to_status",
        "actor",
        "on_behalf_of",
    ]
    list_filter = ["action", "to_status", "kernaktivitaet__kompetenz"]
    search_fields = ["kernaktivitaet__code", "kernaktivitaet__titel", "reason"]
    list_select_related = ["kernaktivitaet", "actor", "on_behalf_of"]


@admin.register(Statusbericht)
class StatusberichtAdmin(admin.ModelAdmin):
    list_display = ["kernaktivitaet", "faellig_am", "state", "ampel_zeitplan", "fortschritt_prozent"]
    list_filter = ["state", "kernaktivitaet__kompetenz", "ampel_zeitplan"]
    search_fields = ["kernaktivitaet__code", "kernaktivitaet__titel"]
    readonly_fields = ["state", "eingereicht_am", "eingereicht_von", "geprueft_am", "geprueft_von"]


admin.site.empty_value_display = "–"
