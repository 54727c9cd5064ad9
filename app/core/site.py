"""The few routes that belong to no area: home, the health check, the favicon."""

from flask import Blueprint, current_app, redirect, send_from_directory, url_for

bp = Blueprint("core", __name__)


@bp.get("/")
def home():
    return redirect(url_for("clients.index"))


@bp.get("/healthz")
def healthz():
    return "ok", 200, {"Content-Type": "text/plain"}


@bp.get("/favicon.ico")
def favicon():
    return send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml")
