"""Forms of the sign-in: password and the code of the authenticator app."""

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator, RegexValidator
from django.utils.translation import gettext_lazy as _

from core.forms import AccessibleFormMixin
from core.widgets import CodeInput

# Longer than any password manager writes; a megabyte is refused before it is hashed.
PASSWORD_MAX_LENGTH = 4096
USERNAME_MAX_LENGTH = 150


class LoginForm(AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # AuthenticationForm sets the user name's max_length after the field is built, so without this no
        # validator checks it: a 400-character name reached the lockout's varchar(255) on PostgreSQL.
        self.fields["username"].validators.append(
            MaxLengthValidator(USERNAME_MAX_LENGTH, message=_("Der Benutzername ist zu lang."))
        )
        self.fields["password"].validators.append(
            MaxLengthValidator(PASSWORD_MAX_LENGTH, message=_("Das Passwort ist zu lang."))
        )


class TokenForm(AccessibleFormMixin, forms.Form):
    mark_invalid_inputs = True

    otp_token = forms.CharField(
        label=_("Code aus der Authentifizierungs-App"),
        help_text=_("Sechs Ziffern, zum Beispiel 123456. Der Code wechselt alle 30 Sekunden."),
        # maxlength only for the browser: the one rule below checks the length too, and length validators of
        # the field's own would repeat its message beside it for a code that is too short or too long.
        widget=CodeInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "6"}),
        error_messages={"required": _("Bitte geben Sie den sechsstelligen Code aus Ihrer App ein.")},
        # Six ASCII digits: "²" or Arabic-Indic digits are no code.
        validators=[RegexValidator(r"^[0-9]{6}\Z", message=_("Der Code hat genau sechs Ziffern."))],
    )
