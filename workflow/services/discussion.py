"""The discussion of a KA in preparation: the project group on one side; the Strategiezirkel, the
Kompetenzverantwortliche and the Verwaltungsvorstand on the other. A comment is tied to the Steckbrief version
it is about and tells the other side by mail, written into the outbox in the comment's own transaction."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.errors import Invalid, MovedOn, Refused
from governance.inputs import strip_bidi
from governance.models import KaStatus, Kernaktivitaet, SteckbriefVersion
from outbox.delivery import Mail, enqueue

from .. import people, rights
from ..models import KOMMENTAR_MAX, Kommentar
from ..rights import DiscussionAction, Role, User

# The mail of a comment may be switched off (notifications.audiences reads this category).
DISCUSSION_MAIL_CATEGORY = "kommentar"
DISCUSSION_MAIL_TEMPLATE = "ka_kommentar"

DISCUSSION_CLOSED = _(
    "Die Diskussion ist geschlossen: Kernaktivität %(code)s steht auf „%(status)s“. Kommentiert wird nur, "
    "solange sie vorbereitet wird."
)


def discussion_open(ka: Kernaktivitaet) -> bool:
    return ka.status in KaStatus.in_preparation()


def kommentar_text_clean(text: Any) -> str:
    """The text as it is stored, or a refusal naming the field: direction controls go, the ends are
    stripped; empty, too long or with a NUL character is refused."""
    value = strip_bidi(str(text or "")).strip()
    if "\x00" in value:
        raise Invalid(_("Der Kommentar darf keine Nullzeichen enthalten."), field="text")
    if not value:
        raise Invalid(_("Bitte schreiben Sie einen Kommentar."), field="text")
    if len(value) > KOMMENTAR_MAX:
        raise Invalid(
            _("Der Kommentar darf höchstens %(max)d Zeichen lang sein (er hat %(length)d).")
            % {"max": KOMMENTAR_MAX, "length": len(value)},
            field="text",
        )
    return value


def _recipients(ka: Kernaktivitaet, writers: set[int]) -> list[int]:
    """The other side of the comment's writers, and whoever of the current parties already took part in the
    thread; never the writers themselves. Deputies are added at delivery."""
    group = people.projektgruppe_ids(ka)
    roles = people.load_roles({Role.STRATEGIEZIRKEL.value, Role.VERWALTUNGSVORSTAND.value})
    zirkel = roles.get(Role.STRATEGIEZIRKEL.value, set())
    board = roles.get(Role.VERWALTUNGSVORSTAND.value, set())
    kompetenz = people.kompetenz_ids(ka.kompetenz)
    reviewers = zirkel | kompetenz | board
    if writers & group:
        # The board hears of a comment of the project group while the decision lies with it.
        other_side = zirkel | kompetenz
        if ka.status == KaStatus.BOARD_DECISION:
            other_side |= board
    else:
        other_side = group
    taken_part: set[int] = set()
    for author, principal in Kommentar.objects.filter(kernaktivitaet=ka).values_list(
        "author_id", "on_behalf_of_id"
    ):
        taken_part |= {author, principal} - {None}
    # Only people who are still a party hear of the thread (someone who left the group reads no more).
    return sorted((other_side | (taken_part & (group | reviewers))) - writers)


def kommentar_add(
    *, actor: User, kernaktivitaet: Kernaktivitaet, text: str, on_behalf_of: User | None = None
) -> Kommentar:
    """Add a comment to the discussion of a KA in preparation, about its latest Steckbrief version (or the
    draft), and write the mail to the other side into the outbox in the same transaction."""
    with transaction.atomic():
        ka = (
            Kernaktivitaet.objects.select_for_update(of=("self",))
            .select_related("kompetenz")
            .get(pk=kernaktivitaet.pk)
        )
        principal = on_behalf_of if on_behalf_of is not None and on_behalf_of.pk != actor.pk else None
        verdict = rights.may(actor, DiscussionAction.COMMENT, ka, on_behalf_of=principal)
        if not verdict:
            raise Refused(verdict.message)
        if not discussion_open(ka):
            raise MovedOn(DISCUSSION_CLOSED % {"code": ka.code, "status": ka.get_status_display()})
        value = kommentar_text_clean(text)
        # The KA's row lock orders this read after any submission that freezes a new version.
        version = SteckbriefVersion.objects.filter(kernaktivitaet=ka).order_by("-nummer").first()
        kommentar = Kommentar(
            kernaktivitaet=ka, steckbrief_version=version, author=actor, on_behalf_of=principal, text=value
        )
        recipients = _recipients(ka, {actor.pk} | ({principal.pk} if principal else set()))
        kommentar.save()
        if recipients:
            enqueue(
                [
                    Mail(
                        key=f"ka-kommentar:{kommentar.pk}",
                        template=DISCUSSION_MAIL_TEMPLATE,
                        context={"kommentar": kommentar.pk},
                        to_users=recipients,
                        category=DISCUSSION_MAIL_CATEGORY,
                    )
                ]
            )
    return kommentar
