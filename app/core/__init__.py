"""App-wide routes: home, health check, favicon, and the sign-in gate."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    make_response,
    redirect,
    request,
    send_from_directory,
    url_for,
)
from flask_login import current_user

from app.htmx import is_fragment_request
from app.paths import safe_next_path

bp = Blueprint("core", __name__)

# Everything else needs a signed-in staff member.
PUBLIC_ENDPOINTS = {"auth.login", "static", "core.healthz", "core.favicon"}
# Blueprints of another realm of sign-in (the client page, the kiosk): their views check
# their own session, and a staff session counts for nothing there.
_OTHER_REALMS: set[str] = set()


def other_realm(blueprint: Blueprint) -> Blueprint:
    """Mark a blueprint's views (not those of blueprints nested in it) as guarded by a
    realm of their own instead of the staff sign-in."""
    _OTHER_REALMS.add(blueprint.name)
    return blueprint


def _in_other_realm() -> bool:
    return request.blueprint in _OTHER_REALMS  # the view's own, dotted if nested


@bp.before_app_request
def require_sign_in():
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None or _in_other_realm():
        return None
    if not current_user.is_authenticated:
        if is_fragment_request():
            return send_to_sign_in()
        return current_app.login_manager.unauthorized()
    return None


def send_to_sign_in():
    """For htmx: a whole-page visit to the sign-in page, back here afterwards.

    A plain redirect would be followed by htmx and the sign-in page swapped into the
    middle of the page that asked (after an idle timeout, say).
    """
    try:
        came_from = urlsplit(request.headers.get("HX-Current-URL", ""))
    except ValueError:  # "http://[": not a URL; the sign-in page then leads to the list
        came_from = urlsplit("")
    here = came_from.path + (f"?{came_from.query}" if came_from.query else "")
    response = make_response("", 204)
    response.headers["HX-Redirect"] = url_for("auth.login", next=safe_next_path(here))
    return response


@bp.get("/")
def home():
    return redirect(url_for("clients.index"))


@bp.get("/healthz")
def healthz():
    return "ok", 200, {"Content-Type": "text/plain"}


@bp.get("/favicon.ico")
def favicon():
    return send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml")
