"""The status-report rows of the rights matrix (DESIGN.md §4): every role × own/other KA × submit/review.

Submitting is for the KA's own project group; accepting or returning is for the Strategiezirkel and the
Kompetenzverantwortliche of the KA's Kompetenz, never for the KA's own project group. Refusals change nothing.
"""

import datetime as dt

import pytest
from guardian.shortcuts import assign_perm

from core.errors import MovedOn, Refused
from governance.models import AuditEvent, Statusbericht, StatusberichtState
from tests.people import make_user
from workflow.grants import kernaktivitaet_set_projektgruppe
from workflow.reports import services as reporting
from workflow.rights import Role

pytestmark = pytest.mark.django_db

ROLES = list(Role)
REPORT = reporting.ReportInput(
    ampel_zeitplan="gruen",
    ampel_budget="gruen",
    ampel_umfang="gelb",
    fortschritt_prozent=30,
    text_oeffentlich="Es geht voran.",
)


def expected(action: str, role: Role, own: bool, owns_kompetenz: bool) -> bool:
    if action == "submit":
        return own
    # The object right on a Kompetenz is what makes a person its Kompetenzverantwortliche.
    return not own and (role == Role.STRATEGIEZIRKEL or owns_kompetenz)


@pytest.mark.parametrize("owns_kompetenz", [True, False], ids=["own-kompetenz", "other-kompetenz"])
@pytest.mark.parametrize("own", [True, False], ids=["own", "other"])
@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
@pytest.mark.parametrize("action", ["submit", "review"])
def test_report_rights_matrix(action, role, own, owns_kompetenz, people, kompetenz, running) -> None:
    bericht = Statusbericht.objects.create(kernaktivitaet=running, faellig_am=dt.date(2026, 6, 30))
    if action == "review":
        reporting.statusbericht_submit(actor=people.pg, bericht=bericht, data=REPORT)
    user = make_user("tester", role)
    if own:
        kernaktivitaet_set_projektgruppe(
            kernaktivitaet=running,
            projektleitung=running.projektleitung,
            mitglieder=[*running.projektgruppe.all(), user],
        )
    if owns_kompetenz:
        assign_perm("governance.oversee_kompetenz", user, kompetenz)
    before = (
        Statusbericht.objects.values_list("state", flat=True).get(pk=bericht.pk),
        AuditEvent.objects.count(),
    )

    def act() -> None:
        if action == "submit":
            reporting.statusbericht_submit(actor=user, bericht=bericht, data=REPORT)
        else:
            reporting.statusbericht_accept(actor=user, bericht=bericht)

    if expected(action, role, own, owns_kompetenz):
        act()
        bericht.refresh_from_db()
        wanted = StatusberichtState.SUBMITTED if action == "submit" else StatusberichtState.ACCEPTED
        assert bericht.state == wanted
        assert AuditEvent.objects.order_by("-pk").values_list("actor", flat=True).first() == user.pk
    else:
        with pytest.raises(Refused) as refusal:
            act()
        assert not isinstance(refusal.value, MovedOn)
        assert refusal.value.message
        after = (
            Statusbericht.objects.values_list("state", flat=True).get(pk=bericht.pk),
            AuditEvent.objects.count(),
        )
        assert after == before
