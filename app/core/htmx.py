"""render_page(): the one place that decides between a whole page and one block."""

from urllib.parse import urlsplit

from flask import make_response, render_template, request, url_for
from jinja2_fragments.flask import render_block

from app.core.paths import safe_next_path


def is_fragment_request() -> bool:
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def render_page(template: str, block: str, status: int = 200, **context):
    """Render `block` of `template` for htmx, else the whole page. The view names the block."""
    if is_fragment_request():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


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
