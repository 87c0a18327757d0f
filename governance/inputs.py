"""Reading untrusted input: strict integers, plain text, and the dates the product accepts.

Everything a request carries is parsed here once, so that no page has its own idea of a number or a date.
"""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import formats, timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from core.paging import ascii_number

# The largest value of a bigint column (ids, OFFSET): a larger number can never name a row or a page.
BIGINT_MAX = 2**63 - 1


def submitted(request: Any) -> Any:
    """The form data of a POST, even an empty one: ``request.POST or None`` would treat a submission with
    every field missing (or every box unticked) as no submission at all."""
    return request.POST if request.method == "POST" else None


def strict_int(value: Any, *, minimum: int = 0, maximum: int = BIGINT_MAX) -> int | None:
    """The number ``value`` spells in ASCII digits, if it lies within the bounds; otherwise None."""
    if isinstance(value, bool):
        return None
    number = (
        value if isinstance(value, int) else ascii_number(value, maximum) if isinstance(value, str) else None
    )
    return number if number is not None and minimum <= number <= maximum else None


def strict_ints(values: list[str], **bounds: int) -> list[int]:
    """The valid numbers of a repeated query parameter, in order, without repeats."""
    numbers: list[int] = []
    for value in values:
        number = strict_int(value, **bounds)
        if number is not None and number not in numbers:
            numbers.append(number)
    return numbers


# The shape of a KA code: the Kompetenz's letters, then groups of capitals and digits joined by hyphens
# ("VOR-01", "SHO-MARK-517", "PRF-V001"): governance/data/bochum-strategie.json and the proposal numbering.
KA_CODE_PATTERN = r"[A-Z0-9]+(?:-[A-Z0-9]+)*"
KA_CODE_MAX_LENGTH = 40


# --- text ---------------------------------------------------------------------------------------------

# Bidirectional embedding, override and isolate controls and the direction marks: in a title they can make
# text read differently from what it is ("Trojan source"); German and English texts never need them.
BIDI_CONTROLS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI_TABLE = str.maketrans("", "", BIDI_CONTROLS)

# Lengths of free texts: long descriptions, and reasons (they travel by mail and stay in the audit trail).
LONG_TEXT_MAX = 10_000
REASON_MAX = 2_000
# A search is a few words.
SEARCH_MAX = 200


def text_limit(length: int) -> dict[str, Any]:
    """Keyword arguments of a model TextField limited to ``length`` characters: the form's limit and the
    model validation's (Django checks a TextField's max_length in forms only)."""
    return {"max_length": length, "validators": [MaxLengthValidator(length)]}


def strip_bidi(value: str) -> str:
    return value.translate(_BIDI_TABLE)


class TextField(forms.CharField):
    """A form's text: direction controls removed before the length is counted; NUL refused (CharField)."""

    def to_python(self, value: Any) -> str:
        return strip_bidi(super().to_python(value) or "")


# --- dates --------------------------------------------------------------------------------------------

# Planned dates of a KA and dates of the council's papers: the strategy runs from 2020 to 2030; anything
# outside this century is a typing error, and 9999-12-31 would break every computation of deadlines that
# follows.
DATE_MIN = datetime.date(2000, 1, 1)
DATE_MAX = datetime.date(2100, 12, 31)
# A council session (or the session a resolution is deferred to) lies at most this far ahead.
SESSION_YEARS_AHEAD = 5


def _format(day: datetime.date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


@deconstructible
class DateRangeValidator:
    """Refuses dates (or datetimes, by their local day) outside ``minimum``..``maximum``."""

    def __init__(self, minimum: datetime.date = DATE_MIN, maximum: datetime.date = DATE_MAX) -> None:
        self.minimum = minimum
        self.maximum = maximum

    def __call__(self, value: Any) -> None:
        day = _local_day(value)
        if day is not None and not self.minimum <= day <= self.maximum:
            raise ValidationError(
                _("Bitte geben Sie ein Datum zwischen dem %(minimum)s und dem %(maximum)s an."),
                code="date_range",
                params={"minimum": _format(self.minimum), "maximum": _format(self.maximum)},
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DateRangeValidator) and (self.minimum, self.maximum) == (
            other.minimum,
            other.maximum,
        )

    def __hash__(self) -> int:
        return hash((self.minimum, self.maximum))


def _local_day(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        # The UTC day is near enough for a bound of whole years and cannot overflow at year 1 or 9999.
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return None


def session_bounds(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The council sessions a clerk may record: from 2000 to a few years ahead of today."""
    today = today or timezone.localdate()
    return DATE_MIN, add_days(today, 366 * SESSION_YEARS_AHEAD)


def add_days(day: datetime.date, days: int) -> datetime.date:
    """``day`` plus ``days``, held at the first and last representable day instead of raising."""
    try:
        return day + datetime.timedelta(days=days)
    except OverflowError:
        return datetime.date.max if days > 0 else datetime.date.min
