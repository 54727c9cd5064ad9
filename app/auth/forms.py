from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from app.clients.forms import no_control_characters
from app.forms import Form


class SignInForm(Form):
    email = EmailField(
        "Email",
        validators=[DataRequired("Enter your email."), Length(max=254), no_control_characters],
    )
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password."), Length(max=1000)]
    )
