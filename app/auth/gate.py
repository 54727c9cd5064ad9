"""The sign-in gate: every view needs a signed-in staff member, except the public ones
and those of another realm of sign-in (the client page, the kiosk), whose views check
their own session and for which a staff session counts for nothing."""

from flask import current_app, request
from flask_login import current_user

from app.core.areas import OTHER_REALMS
from app.core.htmx import is_fragment_request, send_to_sign_in

PUBLIC_ENDPOINTS = {"auth.login", "static", "core.healthz", "core.favicon"}


def _in_other_realm() -> bool:
    # An area's manifest names them (Area.other_realms); only the view's own blueprint
    # counts (dotted if nested), not those nested in it.
    return request.blueprint in OTHER_REALMS


def require_sign_in():
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None or _in_other_realm():
        return None
    if not current_user.is_authenticated:
        if is_fragment_request():
            return send_to_sign_in()
        return current_app.login_manager.unauthorized()
    return None
