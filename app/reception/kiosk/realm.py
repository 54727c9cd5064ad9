"""The kiosk's own realm of sign-in: its cookie, the guard that keeps a browser in kiosk
mode inside /kiosk (run before any other check of the app), the kiosk session every view
of the kiosk requires, and the cookie set when the kiosk starts and dropped when it
ends."""

from flask import abort, current_app, g, make_response, redirect, request, url_for

from app.core.htmx import is_fragment_request
from app.reception.kiosk import bp
from app.reception.kiosk import ops as kiosk_ops

COOKIE = "clientele_kiosk"
# Reachable from a kiosk browser beside /kiosk itself.
OPEN_TO_KIOSK = {"static", "core.favicon"}


def _is_kiosk_path(path: str) -> bool:
    return path == bp.url_prefix or path.startswith(bp.url_prefix + "/")


def kiosk_guard():
    """A browser in kiosk mode reaches nothing but /kiosk. Cheap: it acts only when the
    kiosk's cookie is present, and reads nothing."""
    if COOKIE not in request.cookies:
        return None
    if _is_kiosk_path(request.path) or request.endpoint in OPEN_TO_KIOSK:
        return None
    target = url_for("kiosk.index")
    if is_fragment_request():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, 303)


def install_kiosk_guard(app) -> None:
    """The kiosk's guard goes first of all the app's checks: before the staff sign-in
    gate sends a kiosk browser to /login (listed in the area's manifest, on_app)."""
    app.before_request_funcs.setdefault(None, []).insert(0, kiosk_guard)


def leave_browser(response):
    response.delete_cookie(COOKIE, path="/", samesite="Strict")
    return response


@bp.before_request
def _require_kiosk_session():
    g.kiosk = kiosk_ops.find_kiosk(request.cookies.get(COOKIE))
    if g.kiosk is not None:
        return None
    if request.method != "GET":
        # A staff session (or none) cannot act as the kiosk.
        if is_fragment_request() and COOKIE in request.cookies:
            response = make_response("", 204)
            response.headers["HX-Redirect"] = url_for("auth.login")
            return leave_browser(response)
        abort(403)
    if COOKIE in request.cookies:  # the kiosk's session ended: the tablet is staff's again
        return leave_browser(redirect(url_for("auth.login")))
    return redirect(url_for("reception.index"))


@bp.after_request
def _never_cached(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def set_kiosk_cookie(response, token: str):
    config = current_app.config
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        secure=config["SESSION_COOKIE_SECURE"],
        samesite="Strict",
        path="/",
    )
    return response
