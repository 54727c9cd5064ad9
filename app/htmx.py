"""render_page(): the one place that decides between a whole page and one block."""

from flask import make_response, render_template, request
from jinja2_fragments.flask import render_block


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
