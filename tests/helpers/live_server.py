"""The real app under gunicorn, for tests that need a real server (parallel saves, chunked
bodies, what the logs keep).

    from tests.helpers.live_server import gunicorn_server, sign_in_over_http

    def test_something(database_url, staff_factory):
        staff = staff_factory(role="owner")           # the database is migrated already
        with gunicorn_server(database_url) as base_url:
            http = sign_in_over_http(base_url, staff.email)
            page = http.get("/clients", params={"q": "Ada"})      # paths are relative
            http.post("/clients/new", data={"first_name": "Ada"})  # CSRF header is set

gunicorn_server(database_url, *, workers=2, env=None, access_log=None, error_log=None)
    Starts `gunicorn --config gunicorn.conf.py wsgi:app` (the `make serve` settings) on a
    free 127.0.0.1 port, waits until /healthz answers, yields the base URL
    ("http://127.0.0.1:PORT") and stops the server on exit. The caller migrates the
    database first (the conftest fixtures `database_url`, `make_app` and the factories do).
    - Development mode by default, with conftest's BASE_CONFIG keys: data written in the
      test process through make_app()/the factories is readable by the server.
    - env: extra environment variables, applied last. `env=PRODUCTION_ENV` runs it as
      `make serve` does (production mode, strong test keys, cookies without Secure for
      plain http); data the test writes in-process must then use PRODUCTION_KEYS, e.g.
      make_app(**PRODUCTION_KEYS).
    - access_log / error_log: file paths to write gunicorn's logs to (a Path or str);
      by default they go to a temporary directory that is removed afterwards. A server
      that does not come up raises RuntimeError with the end of its error log.
    Nothing is written outside temporary directories: no control socket, and worker
    heartbeat files in the temporary directory.

sign_in_over_http(base_url, email, password=PASSWORD) -> LiveSession
    Signs in through the real /login form and returns a `requests.Session` that takes
    paths relative to base_url and sends the signed-in page's CSRF token as X-CSRFToken
    on every request (its `csrf_token` attribute holds it, for a form field if needed).
    Raises AssertionError if the sign-in is refused.
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urljoin

import requests

from tests.conftest import BASE_CONFIG, PASSWORD, csrf_token_from

ROOT = Path(__file__).resolve().parent.parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
START_TIMEOUT = 60  # seconds; two shared cores start several workers slowly
STOP_TIMEOUT = 15

# Keys that production accepts (long, random-looking), for env=PRODUCTION_ENV.
PRODUCTION_KEYS = {
    "SECRET_KEY": "live-server-secret-kT9vQ2mX7pL4wR8sN3bH6jF1dZ5cY0aE",
    "DATA_KEY": "live-server-data-key-uG4nB8xM2qW6tK9rP3vL7sD1fH5jA0cZ",
}
PRODUCTION_ENV = {
    "CLIENTELE_ENV": "production",
    **PRODUCTION_KEYS,
    "SESSION_COOKIE_SECURE": "0",  # plain http on the loopback
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_env(database_url: str, env: dict | None) -> dict:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "TEST_DATABASE_URL", "CLIENTELE_ENV"}
    }
    environment |= {
        "DATABASE_URL": database_url,
        "CLIENTELE_ENV": "development",
        "SECRET_KEY": BASE_CONFIG["SECRET_KEY"],
        "DATA_KEY": BASE_CONFIG["DATA_KEY"],
        "SESSION_COOKIE_SECURE": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return environment | dict(env or {})


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@contextmanager
def gunicorn_server(
    database_url: str,
    *,
    workers: int = 2,
    env: dict | None = None,
    access_log: str | os.PathLike | None = None,
    error_log: str | os.PathLike | None = None,
):
    """Run the app under gunicorn; yields the base URL. See the module docstring."""
    with tempfile.TemporaryDirectory(prefix="clientele-live-") as scratch:
        scratch = Path(scratch)
        access_path = Path(access_log) if access_log else scratch / "access.log"
        error_path = Path(error_log) if error_log else scratch / "error.log"
        port = free_port()
        command = [
            str(GUNICORN),
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            str(access_path),
            "--error-logfile",
            str(error_path),
            "--worker-tmp-dir",
            str(scratch),
            "--no-control-socket",
            "--graceful-timeout",
            "5",
            "wsgi:app",
        ]
        process = subprocess.Popen(  # noqa: S603  (fixed command, no shell)
            command,
            cwd=ROOT,
            # Erasures append to a ledger; keep it in the scratch folder, not instance/.
            env=_server_env(
                database_url,
                {"ERASURE_LEDGER": str(scratch / "erasure-ledger.jsonl")} | (env or {}),
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(process, base_url, error_path)
            yield base_url
        finally:
            _stop(process)


def _wait_until_up(process: subprocess.Popen, base_url: str, error_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"gunicorn exited with status {process.returncode}:\n{_tail(error_path)}"
            )
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)  # polling interval while the server starts, not an assertion
    raise RuntimeError(f"gunicorn did not answer /healthz in time:\n{_tail(error_path)}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # the master stops its workers gracefully
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class LiveSession(requests.Session):
    """A requests session bound to one server: paths are joined to base_url."""

    def __init__(self, base_url: str):
        super().__init__()
        self.base_url = base_url.rstrip("/") + "/"
        self.csrf_token = None

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 30)
        return super().request(method, urljoin(self.base_url, url), *args, **kwargs)


def sign_in_over_http(base_url: str, email: str, password: str = PASSWORD) -> LiveSession:
    """Sign in through the real form; returns a session ready for reads and writes."""
    http = LiveSession(base_url)
    form = http.get("/login")
    response = http.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token_from(form.text)},
        allow_redirects=False,
    )
    assert response.status_code == 303, f"sign-in refused ({response.status_code})"
    # The signed-in session has its own CSRF token (the anonymous one is dropped).
    page = http.get("/clients")
    assert page.status_code == 200, f"/clients answered {page.status_code} after sign-in"
    http.csrf_token = csrf_token_from(page.text)
    http.headers["X-CSRFToken"] = http.csrf_token
    return http
