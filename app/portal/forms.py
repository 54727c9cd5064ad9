"""Forms of the client page: sign-in and setting a password (in the client's language),
and the staff's confirmation of an invitation or a reset (a CSRF token alone)."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from app.core.forms import Form
from app.models.text import has_control_chars


def no_control_characters(_form, field):
    if isinstance(field.data, str) and has_control_chars(field.data):
        raise ValidationError(_l("Remove the invisible control characters from this field."))


def _at_most(count: int) -> Length:
    return Length(max=count, message=_l("Use at most %(max)d characters."))


class ClientSignInForm(Form):
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(_l("Enter your email.")), _at_most(254), no_control_characters],
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password.")), _at_most(1000)]
    )


class SetPasswordForm(Form):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(_l("Choose a password."))]
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(_l("Type the password again.")),
            EqualTo("password", _l("The two passwords are not the same.")),
        ],
    )


class ConfirmForm(Form):
    """Invite or reset: nothing to fill in, the CSRF token is the whole form."""
