"""Forms of the client page: sign-in and setting a password (in the client's language),
and the staff's confirmation of an invitation or a reset (a CSRF token alone)."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from app.clients.forms import no_control_characters
from app.forms import Form


class ClientSignInForm(Form):
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(_l("Enter your email.")), Length(max=254), no_control_characters],
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=1000)]
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
