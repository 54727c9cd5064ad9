"""Field validators and fields every area's forms share: no invisible control characters,
the version a form was filled from, a trimmed text field, phones and dates as people type
them."""

from flask import current_app
from wtforms import (
    DateField,
    StringField,
)
from wtforms.validators import Length, ValidationError

from app.core.paths import parse_id
from app.models.text import NotAPhoneNumber, has_control_chars, phone_to_e164


def no_control_characters(_form, field):
    if isinstance(field.data, str) and has_control_chars(field.data):
        raise ValidationError("Remove the invisible control characters from this field.")


def version_seen(field) -> int | None:
    """The record version a form was filled from, from its hidden field (None if not sent
    or not a version: versions count up from 1 like ids)."""
    return parse_id((field.data or "").strip())


def strip_text(value):
    return value.strip() if isinstance(value, str) else value


def text_field(label, max_length, *validators, **kwargs):
    return StringField(
        label,
        validators=[
            *validators,
            Length(max=max_length, message=f"Use at most {max_length} characters."),
            no_control_characters,
        ],
        filters=[strip_text],
        **kwargs,
    )


class PhoneField(StringField):
    """Typed however the person likes; parsed in the business region, kept as E.164."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.e164 = None

    def pre_validate(self, form):
        text = (self.data or "").strip()
        self.e164 = None
        if not text:
            return
        if has_control_chars(text) or len(text) > 40:
            raise ValidationError("Enter a phone number, for example 020 7946 0958.")
        try:
            self.e164 = phone_to_e164(text, current_app.config["DEFAULT_PHONE_REGION"])
        except NotAPhoneNumber as error:
            if error.invalid:
                raise ValidationError(
                    "This is not a valid phone number. Add the country code (e.g. +1) "
                    "for a number from another country."
                ) from error
            raise ValidationError("This does not look like a phone number.") from error


class FriendlyDateField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("Enter a real date, for example 1990-04-12.") from error
