"""HTTP for the client page (/me): sign-in, the password link, sign-out, the page itself
and its calendar files. Everything a client reads here is in their language."""

from babel.dates import format_timedelta
from flask import (
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale, gettext

from app.auth.api import MIN_PASSWORD_LENGTH, password_problem
from app.bookings.api import calendar_response
from app.core.i18n import use_language
from app.core.parts import client_parts, load_for_client
from app.models import ACCOUNT_TOKEN_HOURS, utcnow
from app.portal import bp, ops, queries, realm
from app.portal.forms import ClientSignInForm, SetPasswordForm
from app.portal.realm import client_required, current_client


def client_password_problem(password: str) -> str | None:
    """The staff strength rules (app.auth.passwords), said in the client's language."""
    if password_problem(password) is None:
        return None
    if len(password) < MIN_PASSWORD_LENGTH:
        return gettext("Use at least %(count)d characters.", count=MIN_PASSWORD_LENGTH)
    return gettext("Use at most 1000 characters.")


def _new_csrf_token() -> None:
    """A new CSRF token after sign-in, as staff sign-in does. Flask-WTF keeps it in the
    browser's signed cookie; a staff session open in the same browser is left alone."""
    if getattr(session, "token", None) is None:
        session.pop("csrf_token", None)


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_path = realm.portal_next_path(request.values.get("next"))
    if realm.signed_in() is not None and request.method == "GET":
        return redirect(next_path or url_for("portal.me"))
    form = ClientSignInForm()
    error, status = None, 200
    if form.validate_on_submit():
        until = ops.sign_in_blocked_until(form.email.data)
        if until:
            wait = format_timedelta(until - utcnow(), locale=get_locale(), threshold=2)
            error = gettext("Too many failed sign-ins. Try again in %(wait)s.", wait=wait)
            status = 429
        else:
            account = ops.authenticate(form.email.data, form.password.data)
            if account is not None:
                _new_csrf_token()
                return redirect(next_path or url_for("portal.me"), 303)
            error, status = gettext("Email or password is incorrect."), 422
    elif form.is_submitted():
        status = 422
    form.password.data = ""
    return render_template("portal/login.html", form=form, error=error, next=next_path), status


@bp.post("/logout")
def logout():
    ops.sign_out()
    return redirect(url_for("portal.login"), 303)


# The token of a password link lives in the emailed URL's query string only until its
# first GET, which keeps it in this cookie (scoped to the page, HttpOnly) and sends the
# browser to the page without it: the token is never in a path that a log keeps, nor in
# the address bar, the history or a Referer afterwards.
LINK_COOKIE = "clientele_password_link"
LINK_COOKIE_SECONDS = ACCOUNT_TOKEN_HOURS * 3600


def _private(response):
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _link_gone():
    response = _private(make_response(render_template("portal/link_gone.html"), 410))
    response.delete_cookie(LINK_COOKIE, path=url_for("portal.set_password"))
    return response


def _keep_link_and_reload(token: str):
    response = _private(redirect(url_for("portal.set_password"), 303))
    response.set_cookie(
        LINK_COOKIE,
        token,
        max_age=LINK_COOKIE_SECONDS,
        path=url_for("portal.set_password"),
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response


@bp.route("/set-password", methods=["GET", "POST"])
# Links emailed before the token left the path (their log lines are masked by app.logs).
@bp.route("/set-password/<token>", methods=["GET", "POST"], endpoint="set_password_old_link")
def set_password(token: str | None = None):
    """The link of an invitation or a reset. Unknown, spent and expired links get the
    same page, which names nobody."""
    token = token or request.args.get("token")
    if token is not None and request.method == "GET":
        if ops.link_holder(token) is None:
            return _link_gone()
        return _keep_link_and_reload(token)
    token = token or request.cookies.get(LINK_COOKIE, "")
    holder = ops.link_holder(token) if token else None
    if holder is None:
        return _link_gone()
    use_language(holder.preferred_language)
    form = SetPasswordForm()
    status = 200
    if form.validate_on_submit():
        problem = client_password_problem(form.password.data)
        if problem:
            form.password.errors.append(problem)
        else:
            try:
                ops.set_password(token, form.password.data)
            except ops.LinkGone:
                return _link_gone()
            except ops.PasswordRefused as refused:  # pragma: no cover (checked above)
                form.password.errors.append(str(refused))
            else:
                _new_csrf_token()
                response = redirect(url_for("portal.me"), 303)
                response.delete_cookie(LINK_COOKIE, path=url_for("portal.set_password"))
                return response
        status = 422
    elif form.is_submitted():
        status = 422
    form.password.data = form.confirm.data = ""
    page = render_template("portal/set_password.html", form=form, first_name=holder.first_name)
    return _private(make_response(page, status))


@bp.get("")
@client_required
def me():
    client = current_client()
    use_language(client.preferred_language)
    sections = [(part, load_for_client(part, client)) for part in client_parts()]
    return render_template("portal/me.html", client=client, sections=sections)


@bp.get("/sessions/<id:booking_id>/calendar.ics")
@client_required
def calendar_file(booking_id: int):
    client = current_client()
    use_language(client.preferred_language)
    row = queries.own_session(client.id, booking_id)
    if row is None:
        abort(404)
    description = (
        gettext("With %(name)s", name=row.practitioner_name) if row.practitioner_name else None
    )
    return calendar_response(row.Booking, row.service_name, description)
