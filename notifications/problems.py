"""What the sweep could not do, recorded for the admin (``SweepProblem``) and logged: each KA's failure is
kept apart so that the sweep still does everything else, and a problem that went away is removed."""

import logging
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Now

from .models import SweepProblem

logger = logging.getLogger(__name__)


def problem_record(stage: str, message: str, kernaktivitaet_id: int | None = None) -> None:
    """Create or refresh the admin's note of a problem (one per step and KA); never raises."""
    logger.error("Sweep problem (%s, KA %s): %s", stage, kernaktivitaet_id, message)
    try:
        with transaction.atomic():
            same = SweepProblem.objects.filter(stage=stage)
            same = (
                same.filter(kernaktivitaet__isnull=True)
                if kernaktivitaet_id is None
                else same.filter(kernaktivitaet_id=kernaktivitaet_id)
            )
            updated = same.update(message=message[:4000], last_seen=Now(), occurrences=F("occurrences") + 1)
            if not updated:
                SweepProblem.objects.create(
                    stage=stage, kernaktivitaet_id=kernaktivitaet_id, message=message[:4000]
                )
    except Exception:  # the note is a courtesy; the log line above already tells
        logger.exception("Could not record the sweep problem")


def problems_clear(stage: str, *, keep_kernaktivitaet_ids: Iterable[int] = ()) -> int:
    """After a step ran through: remove its notes except those of the KA that failed again this time."""
    return (
        SweepProblem.objects.filter(stage=stage)
        .exclude(kernaktivitaet_id__in=list(keep_kernaktivitaet_ids))
        .delete()[0]
    )
