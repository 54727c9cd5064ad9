"""App-wide routes: home, health check, favicon, and the sign-in gate."""

from flask import Blueprint, current_app, redirect, request, send_from_directory, url_for
from flask_login import current_user

bp = Blueprint("core", __name__)

# Everything else needs a signed-in staff member.
PUBLIC_ENDPOINTS = {"auth.login", "static", "core.healthz", "core.favicon"}


@bp.before_app_request
def require_sign_in():
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    return None


@bp.get("/")
def home():
    return redirect(url_for("clients.index"))


@bp.get("/healthz")
def healthz():
    return "ok", 200, {"Content-Type": "text/plain"}


@bp.get("/favicon.ico")
def favicon():
    return send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml")
