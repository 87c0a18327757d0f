"""What a decision mail says happened, as one sentence in the council's and the administration's words.

The sentence is built when the mail is rendered (``outcome``: a lazy string), so it follows the language the
mail builder renders in, not the one active when the context was prepared."""

from typing import Any

from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from governance.models import AuditAction, AuditEvent, ResolutionResult, audit_action_label
from workflow.rights import Action

SENTENCES = {
    Action.SUBMIT: lambda: _("Die Projektgruppe hat den Vorschlag eingereicht"),
    Action.ZIRKEL_RETURN: lambda: _(
        "Der Strategiezirkel hat den Vorschlag an die Projektgruppe zurückgegeben"
    ),
    Action.ZIRKEL_FORWARD: lambda: _(
        "Der Strategiezirkel hat den Vorschlag an den Verwaltungsvorstand weitergeleitet"
    ),
    Action.BOARD_APPROVE: lambda: _(
        "Der Verwaltungsvorstand hat den Vorschlag dem Rat zur Entscheidung vorgelegt"
    ),
    Action.BOARD_REJECT: lambda: _("Der Verwaltungsvorstand hat den Vorschlag abgelehnt"),
    Action.BOARD_RETURN: lambda: _(
        "Der Verwaltungsvorstand hat den Vorschlag an den Strategiezirkel zurückgegeben"
    ),
    Action.PROPOSE_COMPLETION: lambda: _(
        "Der Abschluss der Kernaktivität ist beantragt; der Strategiezirkel entscheidet darüber"
    ),
    Action.CONFIRM_COMPLETION: lambda: _(
        "Der Strategiezirkel hat den Abschluss bestätigt – die Kernaktivität ist umgesetzt"
    ),
    Action.DECLINE_COMPLETION: lambda: _(
        "Der Strategiezirkel hat den Abschluss nicht bestätigt – die Kernaktivität läuft weiter"
    ),
    Action.PROPOSE_STOP: lambda: _(
        "Die Einstellung der Kernaktivität ist beantragt; der Verwaltungsvorstand entscheidet darüber"
    ),
    Action.BOARD_STOP: lambda: _("Der Verwaltungsvorstand hat beschlossen, die Kernaktivität einzustellen"),
    Action.BOARD_KEEP: lambda: _("Der Verwaltungsvorstand hat beschlossen: Die Kernaktivität läuft weiter"),
}


def _day(value: Any) -> str:
    return date_format(value, "DATE_FORMAT")


def _council(event: AuditEvent) -> str:
    resolution = event.resolution
    result = (event.data or {}).get("result") or (resolution.result if resolution else "")
    session = ""
    if resolution is not None:
        session = _day(localtime(resolution.consultation.meeting.start).date())
    if not session:
        return _("Der Ratsbeschluss ist erfasst: %(result)s") % {"result": audit_action_label(event.action)}
    if result == ResolutionResult.ADOPTED:
        return _("Der Rat hat am %(date)s beschlossen – die Kernaktivität läuft") % {"date": session}
    if result == ResolutionResult.ADOPTED_AMENDED:
        return _("Der Rat hat am %(date)s mit Änderungen beschlossen – die Kernaktivität läuft") % {
            "date": session
        }
    if result == ResolutionResult.REJECTED:
        return _("Der Rat hat den Vorschlag am %(date)s abgelehnt") % {"date": session}
    if resolution is not None and resolution.deferred_to:
        return _("Der Rat hat die Entscheidung am %(date)s auf seine Sitzung am %(next)s vertagt") % {
            "date": session,
            "next": _day(resolution.deferred_to),
        }
    return _("Der Rat hat die Entscheidung am %(date)s vertagt") % {"date": session}


def outcome_text(event: AuditEvent) -> str:
    """The sentence (without a full stop) for one decision event; every action has one."""
    if event.action == Action.COUNCIL_RECORD:
        return _council(event)
    target = (event.data or {}).get("merge_target", "")
    if event.action == Action.PROPOSE_MERGE:
        return _(
            "Die Überführung der Kernaktivität in %(target)s ist beantragt; der Verwaltungsvorstand "
            "entscheidet darüber"
        ) % {"target": target}
    if event.action == Action.BOARD_MERGE:
        return _("Der Verwaltungsvorstand hat beschlossen, die Kernaktivität in %(target)s zu überführen") % {
            "target": target
        }
    sentence = SENTENCES.get(event.action)  # type: ignore[call-overload]
    if sentence is not None:
        return str(sentence())
    if event.action not in AuditAction.values and event.to_status:
        return _("Die Kernaktivität steht jetzt auf „%(status)s“") % {"status": event.get_to_status_display()}
    return audit_action_label(event.action, event.data)


outcome = lazy(outcome_text, str)
