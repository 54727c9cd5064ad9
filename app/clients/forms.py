"""The client form: every rule about what a valid client field is lives here."""

from datetime import date

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.core.clock import business_today
from app.core.forms import Form
from app.core.templating import country_names, language_names, phone_display
from app.core.validators import (
    FriendlyDateField,
    PhoneField,
    no_control_characters,
    strip_text,
    text_field,
    version_seen,
)
from app.models import (
    ALERT_MAX_LENGTH,
    ALERT_SEVERITIES,
    BOOKING_POLICIES,
    EDITABLE_FIELDS,
    FIELD_LABELS,
    LABEL_COLOURS,
    LABEL_NAME_MAX_LENGTH,
    NOTE_MAX_LENGTH,
)

EARLIEST_BIRTH_DATE = date(1900, 1, 1)


class ClientForm(Form):
    first_name = text_field(FIELD_LABELS["first_name"], 100, DataRequired("Enter a first name."))
    last_name = text_field(FIELD_LABELS["last_name"], 100)
    email = text_field(FIELD_LABELS["email"], 254)
    phone = PhoneField(FIELD_LABELS["phone"])
    whatsapp = PhoneField(FIELD_LABELS["whatsapp"])
    birth_date = FriendlyDateField(FIELD_LABELS["birth_date"], validators=[Optional()])
    preferred_language = SelectField(FIELD_LABELS["preferred_language"], validators=[Optional()])
    address = text_field(FIELD_LABELS["address"], 200)
    city = text_field(FIELD_LABELS["city"], 100)
    state = text_field(FIELD_LABELS["state"], 100)
    postal_code = text_field(FIELD_LABELS["postal_code"], 20)
    country = SelectField(FIELD_LABELS["country"], validators=[Optional()])
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        locale = current_app.config["BUSINESS_LOCALE"]
        self.preferred_language.choices = [("", "—")] + sorted(
            language_names(locale).items(), key=lambda item: item[1].casefold()
        )
        self.country.choices = [("", "—")] + sorted(
            country_names(locale).items(), key=lambda item: item[1].casefold()
        )
        self.birth_date.render_kw = {
            "max": business_today().isoformat(),
            "min": EARLIEST_BIRTH_DATE.isoformat(),
        }

    def validate_email(self, field):
        if not field.data:
            return
        try:
            result = validate_email(field.data, check_deliverability=False)
        except EmailNotValidError as error:
            raise ValidationError(f"Enter a valid email address. {error}") from error
        field.data = result.normalized.lower()

    def validate_birth_date(self, field):
        if field.data is None:
            return
        if field.data > business_today():
            raise ValidationError("Birth date cannot be in the future.")
        if field.data < EARLIEST_BIRTH_DATE:
            raise ValidationError("Birth date must be after 1900.")

    def fill_from(self, client, values: dict | None = None, keep=()) -> None:
        """Show a stored client in the form (phones formatted the way people read them).

        `values` overrides what is shown (a merged edit conflict); fields in `keep` stay
        as the editor typed them."""
        values = values or {}
        for name in EDITABLE_FIELDS:
            if name in keep:
                continue
            value = values.get(name, getattr(client, name))
            if name in ("phone", "whatsapp"):
                value = phone_display(value)
            getattr(self, name).data = value or ("" if name != "birth_date" else None)
        self.version.data = str(client.version)

    def seen_version(self) -> int | None:
        """The version of the client the form was filled from (None if not sent)."""
        return version_seen(self.version)

    def values(self) -> dict:
        """The cleaned values, ready to store: empty strings become None."""
        values = {}
        for name in EDITABLE_FIELDS:
            field = getattr(self, name)
            value = field.e164 if isinstance(field, PhoneField) else field.data
            values[name] = value if value not in ("", None) else None
        return values


def _long_text(label, max_length, *validators):
    """Free text over several lines: newlines and tabs are fine, other controls are not."""
    return TextAreaField(
        label,
        validators=[
            *validators,
            Length(max=max_length, message=f"Use at most {max_length:,} characters."),
            no_control_characters,
        ],
        filters=[strip_text],
    )


class NoteForm(Form):
    body = _long_text("Note", NOTE_MAX_LENGTH, DataRequired("Write something in the note."))
    pinned = BooleanField("Pin to the top of the profile")
    version = HiddenField()

    def seen_version(self) -> int | None:
        return version_seen(self.version)


class AlertForm(Form):
    severity = SelectField(
        "Severity",
        choices=dict(ALERT_SEVERITIES),
        default="warning",
    )
    text = text_field("Alert", ALERT_MAX_LENGTH, DataRequired("Say what staff must know."))


class LockForm(Form):
    reason = text_field("Reason (optional)", 200)


class BookingPolicyForm(Form):
    policy = SelectField("Online booking", choices=dict(BOOKING_POLICIES))
    reason = text_field("Reason", 200)

    def validate_reason(self, field):
        if self.policy.data != "allow" and not field.data:
            raise ValidationError("Say why, so the next person at the desk knows.")


class EraseForm(Form):
    confirmation = text_field(
        "Type the client's full name to confirm",
        210,
        DataRequired("Type the client's full name to confirm."),
    )


class LabelForm(Form):
    name = text_field("Name", LABEL_NAME_MAX_LENGTH, DataRequired("Give the label a name."))
    colour = RadioField("Colour", choices=dict(LABEL_COLOURS), default="teal")
