"""The client page's links, followed as a client's browser does."""

import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from app.core.extensions import db
from app.models import OutgoingEmail
from tests.conftest import csrf_token_from

CLIENT_PASSWORD = "a long client secret"  # noqa: S105  (a test account's password)


def newest_link_email(app, client_id: int) -> tuple[int, str]:
    """The newest message to this client that carries a single-use link: (id, link)."""
    with app.app_context():
        email = db.session.scalars(
            select(OutgoingEmail)
            .where(OutgoingEmail.client_id == client_id)
            .order_by(OutgoingEmail.id.desc())
        ).first()
        assert email is not None and email.secret_link
        return email.id, email.secret_link


def link_from_outbox(app, client_id: int) -> str:
    """The newest single-use link queued for this client (as the outbox shows it)."""
    return newest_link_email(app, client_id)[1]


def path_of(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


def token_of(link: str) -> str:
    """The token an emailed password link carries (in its query string, never its path)."""
    (token,) = parse_qs(urlsplit(link).query)["token"]
    return token


def invite(owner, client_id) -> str:
    response = owner.post(f"/clients/{client_id}/client-page/invite")
    assert response.status_code == 200, response.text
    return path_of(link_from_outbox(owner.client.application, client_id))


def open_link(browser, link_path):
    """Follow an emailed link as a browser does: its first GET keeps the token in a
    cookie and sends the browser to the page without it."""
    kept = browser.get(link_path)
    assert kept.status_code == 303, kept.text
    assert kept.location == "/me/set-password"
    return browser.get(kept.location)


def set_password(browser, link_path, password=CLIENT_PASSWORD):
    page = open_link(browser, link_path)
    assert page.status_code == 200, page.text
    return browser.post(
        "/me/set-password",
        data={
            "password": password,
            "confirm": password,
            "csrf_token": csrf_token_from(page.text),
        },
    )
