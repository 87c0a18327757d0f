from .audit import AuditAction, AuditChain, AuditEvent, audit_action_label
from .bodies import Gremium, Organisationseinheit
from .documents import Dokument
from .kernaktivitaet import KaStatus, Kernaktivitaet
from .reports import Ampel, Statusbericht, StatusberichtState
from .resolutions import AgendaItem, Consultation, Meeting, Paper, Resolution, ResolutionResult
from .steckbrief import (
    Kennzahl,
    Projektmeilenstein,
    Querschnittswirkung,
    Ressourcenjahr,
    Richtung,
    Steckbrief,
    SteckbriefVersion,
    Wirkung,
)
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
    "Dokument",
    "Gremium",
    "KaStatus",
    "Kennzahl",
    "Kernaktivitaet",
    "Kompetenz",
    "Meeting",
    "Meilenstein",
    "Organisationseinheit",
    "Paper",
    "Projektmeilenstein",
    "Querschnittsthema",
    "Querschnittswirkung",
    "Resolution",
    "ResolutionResult",
    "Ressourcenjahr",
    "Richtung",
    "Schwerpunkt",
    "Statusbericht",
    "StatusberichtState",
    "Steckbrief",
    "SteckbriefVersion",
    "Strategie",
    "StrategischesZiel",
    "Tranche",
    "Wirkung",
    "audit_action_label",
]
