"""The email settings staff edit beside the booking rules (Settings → Services)."""

from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from app.bookings.api import RulesForm
from app.core.validators import no_control_characters
from app.mail.business import ADDRESS_MAX_LENGTH, NAME_MAX_LENGTH


class RulesWithEmailForm(RulesForm):
    """The booking rules, the hour of the day-before reminders, and how emails sign off."""

    reminder_hour = IntegerField(
        "Reminder emails go out the day before, from this hour (0–23)",
        validators=[
            InputRequired("Give an hour from 0 to 23."),
            NumberRange(0, 23, "An hour from 0 to 23."),
        ],
    )
    business_name = StringField(
        "Business name (signs every email)",
        validators=[
            Length(max=NAME_MAX_LENGTH, message=f"At most {NAME_MAX_LENGTH} characters."),
            no_control_characters,
        ],
    )
    business_address = TextAreaField(
        "Business address (in every email’s footer)",
        validators=[
            Length(max=ADDRESS_MAX_LENGTH, message=f"At most {ADDRESS_MAX_LENGTH} characters."),
            no_control_characters,
        ],
    )
