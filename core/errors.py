"""One family of errors for everything a person may try and must not: each carries its German message (shown
as it is) and, where it concerns one input, the field. The view answers with the status code it names, on
the form (``form_refusal``) or on the refusal page (``render_refusal``)."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


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


class Incomplete(Invalid):
    """Several inputs are missing or wrong at once: each problem with its field (or None), so that a form
    shows every one of them and not only the first."""

    def __init__(self, message: Any, problems: list[tuple[str | None, str]]) -> None:
        super().__init__(message)
        self.problems = problems


class MovedOn(Refused):
    """Someone else acted first: the object is no longer where the person saw it."""

    status_code = 409


def model_checked(row: models.Model, *, exclude: list[str], prefix: str = "") -> None:
    """The row's own validation (lengths, ranges, dates) as the domain's refusal, naming its first field as
    the form names it (``prefix``: a formset row's, e.g. ``kennzahlen-0``)."""
    try:
        row.full_clean(exclude=exclude)
    except ValidationError as exc:
        errors = exc.error_dict if hasattr(exc, "error_dict") else {None: exc.error_list}
        name, messages = next(iter(errors.items()))
        field = "-".join(part for part in (prefix, name or "") if part) or None
        raise Invalid(ValidationError(messages).messages[0], field=field) from exc


def form_refusal(form: forms.BaseForm, exc: Invalid) -> None:
    """Show a refusal on the form it came from: at its field where the form has that field, else above it;
    an ``Incomplete`` shows each of its problems."""
    problems = exc.problems if isinstance(exc, Incomplete) else [(exc.field, exc.message)]
    for field, message in problems:
        form.add_error(field if field in form.fields else None, message)


def render_refusal(
    request: HttpRequest,
    exc: Refused,
    *,
    template: str = "core/refused.html",
    back: str | None = None,
    **context: Any,
) -> HttpResponse:
    """The page that explains a refusal, with the status code it names: 409 when someone else acted first,
    400 for what cannot be taken, 403 when the right is missing. An app's template extends
    core/refused.html with what it can add (the workflow names who did the task)."""
    return render(
        request,
        template,
        {"message": exc.message, "moved_on": isinstance(exc, MovedOn), "back": back, **context},
        status=exc.status_code,
    )
