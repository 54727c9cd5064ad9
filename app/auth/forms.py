from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from app.core.forms import Form
from app.core.validators import no_control_characters


class SignInForm(Form):
    email = EmailField(
        "Email",
        validators=[DataRequired("Enter your email."), Length(max=254), no_control_characters],
    )
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password."), Length(max=1000)]
    )
