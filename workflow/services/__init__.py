"""Every write of the decision process: keyword-only services, one transaction each, by sub-domain:
``proposals`` (proposals and requests), ``tasks`` (claim, release, decide), ``council`` (resolutions) and
``discussion`` (comments on a KA in preparation).
Status reports have their own services in ``workflow.reports``; a KA's documents are uploaded and removed
in ``documents``.

Views and tasks call these; they call the lifecycle for every status change and the flow for the tasks.
"""

from .council import ADOPTED_RESULTS, Outcome, paper_record_resolution
from .discussion import kommentar_add
from .documents import dokument_remove, dokument_upload
from .proposals import (
    PROPOSAL_FIELDS,
    kernaktivitaet_create_proposal,
    kernaktivitaet_propose_completion,
    kernaktivitaet_propose_stop,
    kernaktivitaet_submit,
    kernaktivitaet_update_proposal,
    proposal_editable,
    proposal_moved_on,
)
from .steckbrief import (
    KennzahlInput,
    MeilensteinInput,
    RessourcenInput,
    SteckbriefInput,
    WirkungInput,
    proposal_save,
    steckbrief_save,
)
from .tasks import (
    OPEN,
    TASK_DONE,
    open_task,
    process_requesters,
    task_claim,
    task_decide,
    task_principal,
    task_release,
)

__all__ = [
    "ADOPTED_RESULTS",
    "OPEN",
    "PROPOSAL_FIELDS",
    "TASK_DONE",
    "KennzahlInput",
    "MeilensteinInput",
    "Outcome",
    "RessourcenInput",
    "SteckbriefInput",
    "WirkungInput",
    "dokument_remove",
    "dokument_upload",
    "kernaktivitaet_create_proposal",
    "kernaktivitaet_propose_completion",
    "kernaktivitaet_propose_stop",
    "kernaktivitaet_submit",
    "kernaktivitaet_update_proposal",
    "kommentar_add",
    "open_task",
    "paper_record_resolution",
    "process_requesters",
    "proposal_editable",
    "proposal_moved_on",
    "proposal_save",
    "steckbrief_save",
    "task_claim",
    "task_decide",
    "task_principal",
    "task_release",
]
