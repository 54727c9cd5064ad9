"""No client's personal data in the servers' logs: request lines keep the path, never
the query string (searches by name, email or phone) nor the Referer; and no single-use
link's token, in the logs or on a staff page."""

import logging
import re
import socket
import threading
from urllib.parse import parse_qs, quote, quote_plus, urlsplit

import requests
from sqlalchemy import select
from werkzeug.serving import make_server

from app.core.extensions import db
from app.core.logs import MASKED, QUERY_FILTER, SECRET_SEGMENT_LENGTH, clean_log_text, strip_query
from app.models import DataRequest
from tests.conftest import csrf_token_from
from tests.helpers.live_server import (
    PRODUCTION_ENV,
    LiveSession,
    gunicorn_server,
    sign_in_over_http,
)
from tests.helpers.portal import newest_link_email

FIRST, LAST = "Marisol", "Quintanilla"
EMAIL = "marisol.quintanilla@example.org"
PHONE = "07911 123456"  # stored as +447911123456
NEW_EMAIL = "mq.work@example.net"
NEW_PHONE = "+44 7400 123456"


def written_forms(*values: str) -> set[str]:
    """Every way a value may be written in a log line, lower-cased."""
    forms = set()
    for value in values:
        digits = re.sub(r"\D", "", value)
        variants = {value, quote(value), quote(value, safe=""), quote_plus(value)}
        if len(digits) >= 7:
            variants |= {digits, digits[-10:], "+" + digits, quote_plus("+" + digits)}
        forms |= {variant.lower() for variant in variants}
    return forms


PERSONAL = written_forms(
    FIRST,
    LAST,
    f"{FIRST} {LAST}",
    EMAIL,
    PHONE,
    "+447911123456",
    NEW_EMAIL,
    NEW_PHONE,
    "example.org",
    "example.net",
)


def leaks(text: str) -> list[str]:
    text = text.lower()
    return sorted(form for form in PERSONAL if form in text)


def test_strip_query_keeps_the_path_only():
    assert strip_query("GET /clients?q=marisol%40example.org HTTP/1.1") == "GET /clients HTTP/1.1"
    assert (
        strip_query('"GET /clients/7?tab=x#top HTTP/1.1" 200 -')
        == '"GET /clients/7 HTTP/1.1" 200 -'
    )
    assert (
        strip_query("http://127.0.0.1:8000/clients?q=Marisol+Q") == "http://127.0.0.1:8000/clients"
    )
    assert (
        strip_query("Error handling request /clients?q=07700") == "Error handling request /clients"
    )
    assert strip_query("Is it done? Yes.") == "Is it done? Yes."  # no path, nothing to strip


def test_the_werkzeug_filter_masks_request_lines_built_like_werkzeugs():
    # werkzeug's log_request: '<address> - - [<time>] "%s" %s %s' % (request line, code, size)
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '127.0.0.1 - - [26/Nov/2026 10:00:00] "%s" %s %s',
        (f"GET /clients?q={EMAIL} HTTP/1.1", "200", "-"),
        None,
    )
    assert QUERY_FILTER.filter(record) is True
    assert record.getMessage().endswith('"GET /clients HTTP/1.1" 200 -')
    coloured = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, "%s", ("\x1b[33mGET /x?q=a b\x1b[0m",), None
    )
    QUERY_FILTER.filter(coloured)
    assert coloured.getMessage() == "\x1b[33mGET /x b\x1b[0m"  # the colour still ends


def test_the_development_server_logs_paths_without_queries(app, caplog, monkeypatch):
    # The migrations' logging.config.fileConfig() disabled loggers that existed then.
    monkeypatch.setattr(logging.getLogger("werkzeug"), "disabled", False)
    caplog.set_level(logging.INFO, logger="werkzeug")
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        for query in (EMAIL, f"{FIRST} {LAST}", PHONE):
            requests.get(f"{base}/clients", params={"q": query}, timeout=30)
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=30) as raw:
            raw.sendall(f"GET /clients?q={EMAIL} HTTP/1.1 junk\r\n\r\n".encode())
            raw.recv(1024)  # werkzeug logs the refused request line before answering
    finally:
        server.shutdown()
        thread.join()
    lines = [
        re.sub(r"\x1b\[[0-9;]*m", "", record.getMessage())  # werkzeug's colours
        for record in caplog.records
        if record.name == "werkzeug"
    ]
    assert sum('"GET /clients HTTP/1.1" 302' in line for line in lines) == 3
    assert leaks("\n".join(lines)) == []
    assert not any("?q=" in line for line in lines)


def test_no_personal_data_reaches_gunicorns_logs(database_url, staff_factory, tmp_path):
    owner = staff_factory(role="owner", name="Olivia Owner")
    access_log, error_log = tmp_path / "access.log", tmp_path / "error.log"
    with gunicorn_server(
        database_url,
        env=PRODUCTION_ENV,
        access_log=access_log,
        error_log=error_log,
    ) as base:
        http = sign_in_over_http(base, owner.email)
        created = http.post(
            "/clients/new",
            data={"first_name": FIRST, "last_name": LAST, "email": EMAIL, "phone": PHONE},
            allow_redirects=False,
        )
        assert created.status_code == 303, created.text
        profile = created.headers["Location"]
        client_id = int(profile.rstrip("/").rsplit("/", 1)[1])

        # Searches by each detail: a plain page, then htmx with the query in the
        # current URL and the Referer, as a browser sends them after hx-push-url.
        for query in (EMAIL, f"{FIRST} {LAST}", PHONE, "+447911123456", FIRST):
            search_url = requests.Request("GET", f"{base}/clients", params={"q": query})
            search_url = search_url.prepare().url
            page = http.get("/clients", params={"q": query})
            assert page.status_code == 200 and f"{FIRST} {LAST}" in page.text
            fragment = http.get(
                "/clients",
                params={"q": query},
                headers={"HX-Request": "true", "HX-Current-URL": search_url, "Referer": search_url},
            )
            assert fragment.status_code == 200
            assert http.get(profile, headers={"Referer": search_url}).status_code == 200

        # Edit the client, found through a search, then erase them.
        search_url = f"{base}/clients?q={quote_plus(EMAIL)}"
        form = http.get(f"/clients/{client_id}/edit", headers={"Referer": search_url})
        version = re.search(r'name="version" type="hidden" value="(\d+)"', form.text).group(1)
        edited = http.post(
            f"/clients/{client_id}/edit",
            data={
                "first_name": FIRST,
                "last_name": LAST,
                "email": NEW_EMAIL,
                "phone": NEW_PHONE,
                "version": version,
            },
            headers={"Referer": search_url},
            allow_redirects=False,
        )
        assert edited.status_code in (200, 303), edited.text
        assert http.get("/clients", params={"q": NEW_EMAIL}).status_code == 200
        erased = http.post(
            f"/clients/{client_id}/erase",
            data={"confirmation": f"{FIRST} {LAST}"},
            headers={"Referer": f"{base}/clients/{client_id}?q={quote_plus(NEW_PHONE)}"},
            allow_redirects=False,
        )
        assert erased.status_code == 303, erased.text
        assert FIRST not in http.get(profile).text

        # Unknown ids, signed-out visits and a malformed request line carry queries too.
        assert http.get("/clients/99999", params={"q": EMAIL}).status_code == 404
        anonymous = requests.get(f"{base}/clients", params={"q": EMAIL}, timeout=30)
        assert anonymous.url.startswith(f"{base}/login")
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
            raw.sendall(f"GET /clients?q={EMAIL} HTTP/1.1 junk\r\n\r\n".encode())
            assert raw.recv(1024).startswith(b"HTTP/1.1 400")

    access = access_log.read_text()
    errors = error_log.read_text()
    assert leaks(access) == []
    assert leaks(errors) == []
    assert "?" not in access
    assert "Traceback" not in errors
    # The access log did record the journey, by path.
    assert '"GET /clients" 200' in access
    assert f'"POST /clients/{client_id}/erase" 303' in access
    assert f'"GET /clients/{client_id}" 200' in access
    assert "Invalid request" in errors  # the malformed line was logged, without its query


# --- single-use links ------------------------------------------------------------------


def test_path_secrets_are_masked_and_no_route_has_a_segment_that_long(app):
    token = "Zx9_k-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789a"
    assert (
        clean_log_text(f'"GET /me/set-password/{token} HTTP/1.1" 410')
        == f'"GET /me/set-password/{MASKED} HTTP/1.1" 410'
    )
    assert clean_log_text("/me/set-password/short") == f"/me/set-password/{MASKED}"
    assert clean_log_text(f"GET /me/set-password?token={token}") == "GET /me/set-password"
    # A long random segment anywhere else (a later area's link) is masked too...
    assert clean_log_text(f"http://h/vouchers/{token}/use") == f"http://h/vouchers/{MASKED}/use"
    # ...but ids and static files are kept.
    assert clean_log_text("GET /static/vendor/htmx-2.0.11.min.js") == (
        "GET /static/vendor/htmx-2.0.11.min.js"
    )
    assert (
        clean_log_text("POST /clients/123456/sessions/new") == "POST /clients/123456/sessions/new"
    )
    fixed_segments = {
        part
        for rule in app.url_map.iter_rules()
        for part in re.split(r"/|<[^>]*>", rule.rule)
        if part
    }
    assert max(map(len, fixed_segments)) < SECRET_SEGMENT_LENGTH


def _choose_password(visitor, first_url: str, password: str) -> None:
    """Follow a password link as a browser does, then set the password."""
    kept = visitor.get(first_url, allow_redirects=False)
    assert kept.status_code == 303 and kept.headers["Location"] == "/me/set-password"
    page = visitor.get("/me/set-password")
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    chosen = visitor.post(
        "/me/set-password",
        data={"password": password, "confirm": password, "csrf_token": csrf_token_from(page.text)},
        allow_redirects=False,
    )
    assert chosen.status_code == 303 and chosen.headers["Location"].endswith("/me")


def test_no_single_use_link_reaches_the_logs_or_a_staff_page(
    app, database_url, staff_factory, client_factory, tmp_path
):
    """An invitation, a reset (followed in the shape links had before the token left
    the path) and a data download, each followed over HTTP: no token in gunicorn's
    access and error logs, nor on any staff page but the unsent outbox."""
    owner = staff_factory(role="owner", name="Olivia Owner")
    client_id = client_factory(first_name="Lena", last_name="Hart", email="lena@example.org")
    access_log, error_log = tmp_path / "access.log", tmp_path / "error.log"
    tokens, emails = [], []

    def staff_pages_hide(email_id: int, token: str) -> None:
        for path in (
            f"/clients/{client_id}/messages",
            f"/clients/{client_id}/messages/{email_id}",
            f"/clients/{client_id}/messages/{email_id}/html",
            f"/clients/{client_id}/activity",
            f"/clients/{client_id}/client-page",
            "/settings/requests",
        ):
            page = staff.get(path)
            assert page.status_code == 200 and token not in page.text, path
        # The outbox, while the message has not left this business without a mail server.
        assert token in staff.get(f"/settings/outbox/{email_id}").text

    with gunicorn_server(database_url, access_log=access_log, error_log=error_log) as base:
        staff = sign_in_over_http(base, owner.email)
        visitor = LiveSession(base)
        assert staff.post(f"/clients/{client_id}/client-page/invite").status_code == 200
        email_id, invitation = newest_link_email(app, client_id)
        tokens.append(parse_qs(urlsplit(invitation).query)["token"][0])
        staff_pages_hide(email_id, tokens[-1])
        _choose_password(visitor, invitation, "first long secret")
        assert visitor.get(invitation).status_code == 410  # spent

        assert staff.post(f"/clients/{client_id}/client-page/reset-password").status_code == 200
        email_id, reset = newest_link_email(app, client_id)
        tokens.append(parse_qs(urlsplit(reset).query)["token"][0])
        staff_pages_hide(email_id, tokens[-1])
        # A link emailed before the token left the path still works, and is masked.
        _choose_password(visitor, f"/me/set-password/{tokens[-1]}", "second long secret")

        asked = visitor.get("/me/requests/download")
        assert asked.status_code == 200
        posted = visitor.post(
            "/me/requests/download",
            data={"csrf_token": csrf_token_from(asked.text)},
            allow_redirects=False,
        )
        assert posted.status_code == 303
        with app.app_context():
            request_id = db.session.scalar(
                select(DataRequest.id).where(DataRequest.client_id == client_id)
            )
        assert staff.post(f"/settings/requests/{request_id}/approve").status_code in (200, 303)
        email_id, download = newest_link_email(app, client_id)
        tokens.append(parse_qs(urlsplit(download).query)["token"][0])
        staff_pages_hide(email_id, tokens[-1])
        fetched = visitor.get(download)
        assert fetched.status_code == 200 and "attachment" in fetched.headers["Content-Disposition"]
        emails.append(email_id)

    access = access_log.read_text()
    errors = error_log.read_text()
    assert len(set(tokens)) == 3
    for token in tokens:
        assert token not in access and token not in errors
    # The journey was logged, by path.
    assert '"GET /me/set-password" 303' in access and '"GET /me/set-password" 200' in access
    assert f'"GET /me/set-password/{MASKED}" 303' in access
    assert '"POST /me/set-password" 303' in access
    assert f'"GET /me/requests/{request_id}/download" 200' in access
