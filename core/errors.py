"""One family of errors for everything a person may try and must not: each carries its German message (shown
as it is) and, where it concerns one input, the field. The view answers with the status code it names."""

from typing import Any


class Refused(Exception):
    """The person may not do this (the right is missing, four-eyes, a deputy without the relation)."""

    status_code = 403

    def __init__(self, message: Any, field: str | None = None) -> None:
        self.message = str(message)
        self.field = field
        super().__init__(self.message)


class Invalid(Refused):
    """The person may act, but what they entered does not allow it."""

    status_code = 400


class MovedOn(Refused):
    """Someone else acted first: the object is no longer where the person saw it."""

    status_code = 409
