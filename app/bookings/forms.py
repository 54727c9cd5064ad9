"""Forms for sessions and services: every rule about a valid field lives here."""

from datetime import time

from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from app.core.forms import Form
from app.core.paths import parse_id
from app.core.validators import FriendlyDateField, no_control_characters
from app.models import (
    CANCEL_REASON_MAX_LENGTH,
    LABEL_COLOURS,
    LONGEST_SERVICE_MINUTES,
    SERVICE_NAME_MAX_LENGTH,
)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def parse_wall_time(text: str | None) -> time | None:
    """ "14:30" -> time(14, 30); None for anything else."""
    text = (text or "").strip()
    if len(text) != 5 or text[2] != ":" or not (text[:2] + text[3:]).isascii():
        return None
    try:
        return time.fromisoformat(text)
    except ValueError:
        return None


class IdChoice(SelectField):
    """A select of records: the posted value must be an id among the choices. Without
    choices (a POST whose ops look the record up anyway) only the id's form is checked."""

    def __init__(self, label, message, **kwargs):
        super().__init__(label, validate_choice=False, **kwargs)
        self.message = message
        self.optional = False  # a class's practitioner comes with its time

    def pre_validate(self, form):
        if self.optional and not self.data:
            return
        chosen = parse_id(self.data or "")
        if chosen is None or (self.choices is not None and str(chosen) not in self.choices):
            raise ValidationError(self.message)

    @property
    def id_value(self) -> int | None:
        return parse_id(self.data or "")


class RescheduleForm(Form):
    """When and with whom; the booking form adds what is booked."""

    practitioner = IdChoice("Practitioner", "Choose a practitioner.")
    day = FriendlyDateField("Date", validators=[InputRequired("Choose a date.")])
    time = SelectField("Time", validate_choice=False)

    def validate_time(self, field):
        if parse_wall_time(field.data) is None:
            raise ValidationError("Choose one of the times offered.")


class BookingForm(RescheduleForm):
    service = IdChoice("Service", "Choose a service.")
    waitlist = BooleanField("Join waitlist")
    confirm_blocked = BooleanField("Book although online bookings are blocked")


def _reason_field(presence):
    return StringField(
        "Reason",
        validators=[
            presence,
            Length(max=CANCEL_REASON_MAX_LENGTH, message="Use at most 200 characters."),
            no_control_characters,
        ],
        filters=[_strip],
    )


class ReasonForm(Form):
    reason = _reason_field(Optional())


class RequiredReasonForm(ReasonForm):
    reason = _reason_field(DataRequired("Say why."))


class ServiceForm(Form):
    name = StringField(
        "Name",
        validators=[
            DataRequired("Enter the service's name."),
            Length(max=SERVICE_NAME_MAX_LENGTH, message="Use at most 120 characters."),
            no_control_characters,
        ],
        filters=[_strip],
    )
    duration_minutes = IntegerField(
        "Duration (minutes)",
        validators=[
            InputRequired("Enter a duration in minutes."),
            NumberRange(5, LONGEST_SERVICE_MINUTES, "Between 5 minutes and 24 hours."),
        ],
    )
    price = StringField("Price", filters=[_strip])
    capacity = IntegerField(
        "Capacity",
        default=1,
        validators=[
            InputRequired("Enter how many clients it takes (1 for an appointment)."),
            NumberRange(1, 500, "Between 1 (an appointment) and 500."),
        ],
    )
    colour = SelectField("Colour", choices=dict(LABEL_COLOURS))
    active = BooleanField("Active (offered when booking)", default=True)

    def validate_price(self, field):
        field.minor = None
        text = (field.data or "").replace(",", "").strip()
        if not text:
            field.minor = 0
            return
        whole, _, cents = text.partition(".")
        if (
            not whole.isascii()
            or not whole.isdigit()
            or not (cents == "" or (cents.isascii() and cents.isdigit() and len(cents) <= 2))
            or len(whole) > 7
        ):
            raise ValidationError("Enter a price like 45 or 45.50.")
        field.minor = int(whole) * 100 + int((cents or "0").ljust(2, "0"))


class RulesForm(Form):
    late_cancel_hours = IntegerField(
        "Late cancellation window (hours before the session)",
        validators=[NumberRange(0, 24 * 14, "Between 0 and 336 hours.")],
    )
    no_show_limit = IntegerField(
        "Require approval after this many no-shows (0 = never)",
        validators=[NumberRange(0, 100, "Between 0 and 100.")],
    )
    no_show_days = IntegerField(
        "…within this many days",
        validators=[NumberRange(1, 3650, "Between 1 and 3650 days.")],
    )
