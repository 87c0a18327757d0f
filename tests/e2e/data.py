"""Rows that make the pages show everything they can: a KA with reports, a resolution and a timeline."""

from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from governance.models import (
    Ampel,
    AuditEvent,
    Consultation,
    Gremium,
    KaStatus,
    Kernaktivitaet,
    Meeting,
    Paper,
    Resolution,
    ResolutionResult,
    Statusbericht,
    StatusberichtState,
)


def ka_history(code: str = "GRO-03") -> dict[str, Any]:
    """Give the KA (of the loaded strategy) a council resolution, two transitions, one accepted and one
    overdue report; return the people and rows created."""
    user_model = get_user_model()
    clerk = user_model.objects.create_user("ratsbuero1", first_name="Rita", last_name="Rat")
    deputy = user_model.objects.create_user("vertretung1", first_name="Vera", last_name="Vertretung")
    ka = Kernaktivitaet.objects.get(code=code)
    rat = Gremium.objects.get_or_create(name="Rat der Stadt Bochum", defaults={"art": Gremium.Art.RAT})[0]
    meeting = Meeting.objects.create(
        name="Sitzung des Rates", start=timezone.make_aware(datetime(2024, 3, 14, 15, 0)), organization=rat
    )
    paper = Paper.objects.create(
        reference="20240123", name="Kernaktivitäten der 3. Tranche", date=date(2024, 2, 1)
    )
    consultation = Consultation.objects.create(paper=paper, meeting=meeting, organization=rat)
    resolution = Resolution.objects.create(
        consultation=consultation,
        kernaktivitaet=ka,
        result=ResolutionResult.ADOPTED_AMENDED,
        resolution_text="Mit der Maßgabe, jährlich zu berichten.",
        recorded_by=clerk,
    )
    AuditEvent.objects.create(
        kernaktivitaet=ka,
        action="forward",
        from_status=KaStatus.ZIRKEL_REVIEW,
        to_status=KaStatus.BOARD_DECISION,
        actor=deputy,
        on_behalf_of=clerk,
        reason="Empfehlung: beschließen",
        created_at=timezone.make_aware(datetime(2024, 1, 10, 9, 30)),
    )
    AuditEvent.objects.create(
        kernaktivitaet=ka,
        action="resolution",
        from_status=KaStatus.COUNCIL,
        to_status=KaStatus.RUNNING,
        actor=clerk,
        resolution=resolution,
        created_at=timezone.make_aware(datetime(2024, 3, 15, 10, 0)),
    )
    accepted = Statusbericht.objects.create(
        kernaktivitaet=ka,
        faellig_am=date(2024, 9, 30),
        state=StatusberichtState.ACCEPTED,
        ampel_zeitplan=Ampel.GRUEN,
        ampel_budget=Ampel.GELB,
        ampel_umfang=Ampel.ROT,
        fortschritt_prozent=40,
        text_oeffentlich="Planung abgeschlossen.",
        text_intern="Vergabe verzögert sich.",
        risiken="Fördermittel unsicher.",
    )
    overdue = Statusbericht.objects.create(
        kernaktivitaet=ka, faellig_am=timezone.localdate() - timedelta(days=10), state=StatusberichtState.DUE
    )
    return {
        "ka": ka,
        "clerk": clerk,
        "deputy": deputy,
        "resolution": resolution,
        "accepted": accepted,
        "overdue": overdue,
    }
