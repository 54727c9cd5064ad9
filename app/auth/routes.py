from babel.dates import format_timedelta
from flask import current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from app.auth import bp
from app.auth.forms import SignInForm
from app.auth.ops import authenticate, blocked_until, sign_out_everywhere
from app.core.paths import safe_next_path
from app.core.sessions import SignedInStaff
from app.models import utcnow

WRONG_CREDENTIALS = "Email or password is incorrect."


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_path = safe_next_path(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_path or url_for("clients.index"))
    form = SignInForm()
    error, status = None, 200
    if form.validate_on_submit():
        until = blocked_until(form.email.data)
        if until:
            wait = format_timedelta(
                until - utcnow(), locale=current_app.config["BUSINESS_LOCALE"], threshold=2
            )
            error, status = f"Too many failed sign-ins. Try again in {wait}.", 429
        else:
            staff = authenticate(form.email.data, form.password.data)
            if staff is not None:
                session.pop("csrf_token", None)  # the signed-in session gets its own
                session.regenerate()  # a new session id at sign-in: no fixation
                login_user(SignedInStaff.of(staff))
                return redirect(next_path or url_for("clients.index"), 303)
            error, status = WRONG_CREDENTIALS, 422
    elif form.is_submitted():
        status = 422
    form.password.data = ""
    return render_template("auth/login.html", form=form, error=error, next=next_path), status


@bp.post("/logout")
def logout():
    """Sign out in this browser only."""
    logout_user()
    session.end()
    return redirect(url_for("auth.login"), 303)


@bp.post("/logout/everywhere")
def logout_everywhere():
    """Sign out in every browser this staff member is signed in to, this one included."""
    sign_out_everywhere(current_user.id)
    logout_user()
    session.end()
    return redirect(url_for("auth.login"), 303)
