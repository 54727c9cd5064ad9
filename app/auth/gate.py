"""The sign-in gate: every view needs a signed-in staff member, except the public ones
and those of another realm of sign-in (the client page, the kiosk), whose views check
their own session and for which a staff session counts for nothing."""

from flask import Blueprint, current_app, request
from flask_login import current_user

from app.core.htmx import is_fragment_request, send_to_sign_in

PUBLIC_ENDPOINTS = {"auth.login", "static", "core.healthz", "core.favicon"}
_OTHER_REALMS: set[str] = set()


def other_realm(blueprint: Blueprint) -> Blueprint:
    """Mark a blueprint's views (not those of blueprints nested in it) as guarded by a
    realm of their own instead of the staff sign-in."""
    _OTHER_REALMS.add(blueprint.name)
    return blueprint


def _in_other_realm() -> bool:
    return request.blueprint in _OTHER_REALMS  # the view's own, dotted if nested


def require_sign_in():
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None or _in_other_realm():
        return None
    if not current_user.is_authenticated:
        if is_fragment_request():
            return send_to_sign_in()
        return current_app.login_manager.unauthorized()
    return None
