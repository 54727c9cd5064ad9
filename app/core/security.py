"""Headers every response carries, and the error pages."""

from flask import current_app, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from app.core.htmx import is_fragment_request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if current_app.config["SESSION_COOKIE_SECURE"]:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.endpoint != "static" and (
        current_user.is_authenticated or request.endpoint == "auth.login"
    ):
        headers["Cache-Control"] = "no-store"
    return response


def describe_size(size: int) -> str:
    """1048576 -> "1 MB", 524288 -> "512 KB": how people speak of sizes."""
    for unit, bytes_per_unit in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= bytes_per_unit:
            return f"{round(size / bytes_per_unit, 1):g} {unit}"
    return f"{size} bytes"


def register_error_handlers(app) -> None:
    from app.core.htmx import send_to_sign_in

    def error_page(status: int, title: str, message: str):
        return (
            render_template("errors/error.html", status=status, title=title, message=message),
            status,
        )

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        if is_fragment_request() and not current_user.is_authenticated:
            return send_to_sign_in()  # the session ended: sign in again, not "bad request"
        return error_page(
            400,
            "Form expired",
            "This form could not be sent safely. Reload the page and try again.",
        )

    @app.errorhandler(400)
    def bad_request(_error):
        return error_page(400, "Bad request", "The request could not be understood.")

    @app.errorhandler(403)
    def forbidden(_error):
        return error_page(403, "Not allowed", "Your role does not allow this.")

    @app.errorhandler(PermissionError)
    def refused(_error):
        # An ops function refused what the route let through (the profile was locked
        # or moved to the trash while the form was open): the route's own 403. The
        # page is returned, not abort(403)ed: an error raised inside an error handler
        # is a 500.
        return error_page(
            403, "Not allowed", "This change is not allowed now. Reload the page to see why."
        )

    @app.errorhandler(404)
    def not_found(_error):
        return error_page(404, "Not found", "There is nothing at this address.")

    @app.errorhandler(405)
    def method_not_allowed(_error):
        return error_page(405, "Not allowed", "This address does not accept that request.")

    @app.errorhandler(410)
    def gone(_error):
        return error_page(
            410, "No longer here", "This file was removed a day after it was made. Export again."
        )

    @app.errorhandler(413)
    def too_large(_error):
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        most = f" Clientele accepts at most {describe_size(limit)} at a time." if limit else ""
        return error_page(
            413, "Too large", f"What was sent is too large.{most} Shorten it and try again."
        )

    @app.errorhandler(500)
    def server_error(_error):
        return error_page(
            500, "Something went wrong", "The error has been logged. Please try again."
        )
