"""The forms of data-rights requests: the client's suggested correction (the staff
client form's rules, in the client's language) and staff's decisions."""

import re

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from app.clients.api import ClientForm
from app.core.forms import Form
from app.core.templating import country_names, language_names
from app.core.validators import no_control_characters, version_seen
from app.models import EDITABLE_FIELDS
from app.models.portal import DATA_REQUEST_REASON_MAX_LENGTH

# The client form's labels, as the client reads them.
CLIENT_LABELS = {
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "email": _l("Email"),
    "phone": _l("Phone"),
    "whatsapp": _l("WhatsApp"),
    "birth_date": _l("Birth date"),
    "preferred_language": _l("Preferred language"),
    "address": _l("Address"),
    "city": _l("City"),
    "state": _l("State"),
    "postal_code": _l("Postal code"),
    "country": _l("Country"),
}

# What a client reads for each kind of request.
CLIENT_KIND_NAMES = {
    "download": _l("Download my data"),
    "correction": _l("Suggest a correction"),
    "deletion": _l("Ask to delete my data"),
}

# The client form's messages (app/clients/forms.py), as the client reads them.
_MESSAGES = {
    "Enter a first name.": _l("Enter a first name."),
    "Remove the invisible control characters from this field.": _l(
        "Remove the invisible control characters from this field."
    ),
    "Enter a phone number, for example 020 7946 0958.": _l(
        "Enter a phone number, for example 020 7946 0958."
    ),
    "This is not a valid phone number. Add the country code (e.g. +1) for a number "
    "from another country.": _l(
        "This is not a valid phone number. Add the country code (e.g. +1) for a number "
        "from another country."
    ),
    "This does not look like a phone number.": _l("This does not look like a phone number."),
    "Enter a real date, for example 1990-04-12.": _l("Enter a real date, for example 1990-04-12."),
    "Birth date cannot be in the future.": _l("Birth date cannot be in the future."),
    "Birth date must be after 1900.": _l("Birth date must be after 1900."),
    "Not a valid choice.": _l("Choose one of the options."),
}
_AT_MOST = re.compile(r"^Use at most ([\d,]+) characters\.$")
_EMAIL = "Enter a valid email address."


def client_message(message: str) -> str:
    """One of the client form's messages in the client's language."""
    message = str(message)
    if message in _MESSAGES:
        return str(_MESSAGES[message])
    at_most = _AT_MOST.match(message)
    if at_most:
        return _("Use at most %(count)s characters.", count=at_most.group(1))
    if message.startswith(_EMAIL):
        return _("Enter a valid email address, for example name@example.com.")
    return _("Check this field.")


class CorrectionForm(ClientForm):
    """The client's details as held, for the client to change: the staff form's rules
    (so what staff would refuse, the client is told at once), labels and messages in
    the client's language."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in EDITABLE_FIELDS:
            getattr(self, name).label.text = str(CLIENT_LABELS[name])
        locale = str(get_locale() or "en")
        self.preferred_language.choices = [("", "—")] + sorted(
            language_names(locale).items(), key=lambda item: item[1].casefold()
        )
        self.country.choices = [("", "—")] + sorted(
            country_names(locale).items(), key=lambda item: item[1].casefold()
        )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for name in EDITABLE_FIELDS:
            field = getattr(self, name)
            field.errors = [client_message(error) for error in field.errors]
        return valid


class ApproveForm(Form):
    fields = SelectMultipleField(
        "Fields to apply", widget=ListWidget(prefix_label=False), option_widget=CheckboxInput()
    )
    note = TextAreaField(
        "Note to the client (optional)",
        validators=[
            Length(
                max=DATA_REQUEST_REASON_MAX_LENGTH,
                message=f"Use at most {DATA_REQUEST_REASON_MAX_LENGTH} characters.",
            ),
            no_control_characters,
        ],
    )
    version = HiddenField()

    def __init__(self, *args, fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.choices = [(name, name) for name in fields]

    def seen_version(self) -> int | None:
        return version_seen(self.version)


class DeclineForm(Form):
    reason = TextAreaField(
        "Reason (the client reads it)",
        validators=[
            DataRequired("Say why the request is declined: the client reads it."),
            Length(
                max=DATA_REQUEST_REASON_MAX_LENGTH,
                message=f"Use at most {DATA_REQUEST_REASON_MAX_LENGTH} characters.",
            ),
            no_control_characters,
        ],
    )
