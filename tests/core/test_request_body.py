"""A malformed chunked request body is a 400, never a 500, and the worker stays up: in the
test client (with gunicorn's own chunked reader) and against the real server."""

import socket
import types

from gunicorn.http.body import Body, ChunkedReader
from gunicorn.http.unreader import IterUnreader

from tests.conftest import csrf_token_from
from tests.helpers.live_server import gunicorn_server, sign_in_over_http

# Broken chunk sizes (not hex, negative, too long) and a chunk longer than its size.
MALFORMED = (
    b"zz\r\nabc\r\n0\r\n\r\n",
    b"-1\r\nx\r\n0\r\n\r\n",
    b"f" * 40 + b"\r\nx\r\n0\r\n\r\n",
    b"3\r\nabcdef\r\n0\r\n\r\n",
)
FORM = {"Content-Type": "application/x-www-form-urlencoded", "Transfer-Encoding": "chunked"}


def _gunicorn_input(body: bytes):
    """The stream gunicorn hands the app for a chunked body (it raises its own parse
    errors, which werkzeug does not turn into a 400)."""
    return Body(ChunkedReader(types.SimpleNamespace(), IterUnreader([body])))


def test_malformed_chunked_body_is_400(client, owner, staff_factory):
    for body in MALFORMED:
        anonymous = client.post(
            "/login",
            headers=FORM,
            environ_overrides={"wsgi.input": _gunicorn_input(body), "wsgi.input_terminated": True},
        )
        assert anonymous.status_code == 400 and "Bad request" in anonymous.text, body
        signed_in = owner.client.post(
            "/clients/new",
            headers={**FORM, "X-CSRFToken": owner.token, "HX-Request": "true"},
            environ_overrides={"wsgi.input": _gunicorn_input(body), "wsgi.input_terminated": True},
        )
        assert signed_in.status_code == 400, body

    # A well-formed chunked body is read as before.
    staff = staff_factory(role="owner")
    token = csrf_token_from(client.get("/login").text)
    form = f"email={staff.email}&password=correct+horse+battery&csrf_token={token}".encode()
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(form), form)
    response = client.post(
        "/login",
        headers=FORM,
        environ_overrides={"wsgi.input": _gunicorn_input(chunked), "wsgi.input_terminated": True},
    )
    assert response.status_code == 303


def _raw_post(base_url: str, path: str, body: bytes, headers: dict) -> bytes:
    port = int(base_url.rsplit(":", 1)[1])
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    request = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}Connection: close\r\n\r\n"
    ).encode() + body
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_malformed_chunked_body_against_gunicorn(database_url, staff_factory, tmp_path):
    staff = staff_factory(role="owner")
    error_log = tmp_path / "error.log"
    with gunicorn_server(database_url, workers=1, error_log=error_log) as base_url:
        http = sign_in_over_http(base_url, staff.email)
        signed_in = {
            "Cookie": "; ".join(f"{name}={value}" for name, value in http.cookies.items()),
            "X-CSRFToken": http.csrf_token,
        }
        for body in MALFORMED:
            for path, headers in (("/login", FORM), ("/clients/new", FORM | signed_in)):
                answer = _raw_post(base_url, path, body, headers)
                assert answer.startswith(b"HTTP/1.1 400 "), (path, body, answer[:200])
        assert http.get("/clients").status_code == 200  # still signed in, still serving
    log = error_log.read_text()
    assert "Traceback" not in log and "Exception" not in log
    assert log.count("Booting worker") == 1  # the one worker never died or was replaced
