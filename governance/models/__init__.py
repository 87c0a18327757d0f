from .audit import AuditAction, AuditChain, AuditEvent, audit_action_label
from .bodies import Gremium, Organisationseinheit
from .kernaktivitaet import KaStatus, Kernaktivitaet
from .reports import Ampel, Statusbericht, StatusberichtState
from .resolutions import AgendaItem, Consultation, Meeting, Paper, Resolution, ResolutionResult
from .strategy import (
    Kompetenz,
    Meilenstein,
    Querschnittsthema,
    Schwerpunkt,
    Strategie,
    StrategischesZiel,
    Tranche,
)

__all__ = [
    "AgendaItem",
    "Ampel",
    "AuditAction",
    "AuditChain",
    "AuditEvent",
    "Consultation",
    "Gremium",
    "KaStatus",
    "Kernaktivitaet",
    "Kompetenz",
    "Meeting",
    "Meilenstein",
    "Organisationseinheit",
    "Paper",
    "Querschnittsthema",
    "Resolution",
    "ResolutionResult",
    "Schwerpunkt",
    "Statusbericht",
    "StatusberichtState",
    "Strategie",
    "StrategischesZiel",
    "Tranche",
    "audit_action_label",
]
