"""The app under gunicorn, a signed-in session, and wrk runs against it (loopback only)."""

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bench.util import REPO, free_port, log

COOKIE = "clientele_session"
HTMX = {"HX-Request": "true"}


class Gunicorn:
    """`make serve` without the access log: 2 sync workers, production settings."""

    def __init__(self, database_url: str, workers: int = 2):
        self.database_url = database_url
        self.workers = workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log_path = Path(tempfile.mkstemp(prefix="clientele-bench-gunicorn-", suffix=".log")[1])

    def __enter__(self):
        env = os.environ | {
            "CLIENTELE_ENV": "production",
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATA_KEY": os.environ.get("DATA_KEY") or secrets.token_urlsafe(48),
            "SESSION_COOKIE_SECURE": "0",  # plain http on loopback
        }
        with self.log_path.open("w") as output:
            self.process = subprocess.Popen(  # noqa: S603 (fixed argv, no shell)
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--workers",
                    str(self.workers),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "wsgi:app",
                ],
                cwd=REPO,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            self._wait_until_up()
        except BaseException:
            self.__exit__()  # a with-block whose __enter__ fails never calls __exit__
            raise
        return self

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited:\n" + self.log_tail())
            try:
                # Workers may take a few seconds to import the app on a busy machine.
                if requests.get(self.base + "/healthz", timeout=15).status_code == 200:
                    log(f"gunicorn (pid {self.process.pid}, {self.workers} workers) on {self.base}")
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer /healthz within 60s:\n" + self.log_tail())

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the master stops its workers
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_path.unlink(missing_ok=True)
        return False


def sign_in(base: str, email: str, password: str) -> str:
    """Sign in through the form like a browser; returns the session cookie's value."""
    browser = requests.Session()
    page = browser.get(base + "/login", timeout=10)
    page.raise_for_status()
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page.text
    )
    if not match:
        raise RuntimeError("no csrf_token on /login")
    answer = browser.post(
        base + "/login",
        data={"csrf_token": match.group(1), "email": email, "password": password},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code not in (302, 303):
        raise RuntimeError(f"sign-in failed: HTTP {answer.status_code}")
    token = browser.cookies.get(COOKIE)
    if not token:
        raise RuntimeError(f"sign-in set no {COOKIE} cookie")
    return token


def check(base: str, path: str, headers: dict) -> requests.Response:
    """One request before the load: a 200 (not a redirect to /login) or the run is void."""
    response = requests.get(base + path, headers=headers, allow_redirects=False, timeout=30)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered HTTP {response.status_code}")
    return response


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    refusals: list = field(default_factory=list)  # what refused POSTs answered


def combine(loads: list[Load]) -> Load:
    """Rounds of equal length as one figure: mean req/s and p50, the worst round's p99."""
    total = sum(load.requests for load in loads)
    return Load(
        rps=sum(load.rps for load in loads) / len(loads),
        p50_ms=sum(load.p50_ms * load.requests for load in loads) / max(1, total),
        p99_ms=max(load.p99_ms for load in loads),
        requests=total,
        errors=sum(load.errors for load in loads),
    )


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _millis(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> Load:
    def grab(pattern: str) -> str:
        found = re.search(pattern, output)
        if not found:
            raise RuntimeError("unexpected wrk output:\n" + output)
        return found.group(1)

    errors = sum(
        int(count)
        for count in re.findall(r"Non-2xx or 3xx responses: (\d+)", output)
        + re.findall(r"(?:connect|read|write|timeout) (\d+)", output)
    )
    return Load(
        rps=float(grab(r"Requests/sec:\s+([\d.]+)")),
        p50_ms=_millis(grab(r"\s50%\s+([\d.]+\w+)")),
        p99_ms=_millis(grab(r"\s99%\s+([\d.]+\w+)")),
        requests=int(grab(r"(\d+) requests in")),
        errors=errors,
    )


def _script(paths: list[str], bodies: list[str] | None = None) -> str:
    # Paths and form bodies are URL-quoted ASCII, so plain Lua string literals are safe.
    listed = ",\n  ".join(f'"{path}"' for path in paths)
    if bodies is None:
        return (
            f"local paths = {{\n  {listed}\n}}\n"
            "local n = 0\n"
            "request = function()\n"
            "  n = n % #paths + 1\n"
            '  return wrk.format("GET", paths[n])\n'
            "end\n"
        )
    # A POST per body, each body once at most (a booking load must not repeat a slot).
    posted = ",\n  ".join(f'"{body}"' for body in bodies)
    return (
        f"local paths = {{\n  {listed}\n}}\n"
        f"local bodies = {{\n  {posted}\n}}\n"
        "local n = 0\n"
        "request = function()\n"
        "  n = n + 1\n"
        "  local path = paths[(n - 1) % #paths + 1]\n"
        '  return wrk.format("POST", path, nil, bodies[(n - 1) % #bodies + 1])\n'
        "end\n"
        # A refused POST says why on wrk's output (the bench reports it).
        "response = function(status, headers, body)\n"
        "  if status >= 400 then\n"
        "    local why = body:match('class=\"error\"[^>]*>([^<]*)')\n"
        "      or body:match('role=\"alert\">([^<]*)') or body:sub(1, 300)\n"
        '    print("refused " .. status .. ": " .. why)\n'
        "  end\n"
        "end\n"
    )


def wrk(
    base: str,
    paths: list[str],
    headers: dict,
    duration: float,
    connections: int,
    threads: int = 1,
    bodies: list[str] | None = None,
) -> Load:
    """Load `paths` round-robin (POSTing `bodies` in turn when given); requests/s and
    latency percentiles from wrk."""
    executable = shutil.which("wrk")
    if not executable:
        raise RuntimeError("wrk is not installed (make bench installs it)")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_script(paths, bodies))
    try:
        command = [
            executable,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(duration))}s",
            "--latency",
            "-s",
            script.name,
        ]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        result = subprocess.run(  # noqa: S603
            [*command, base + "/"], capture_output=True, text=True, timeout=duration + 60
        )
        if result.returncode != 0:
            raise RuntimeError(f"wrk failed: {result.stderr or result.stdout}")
        load = parse_wrk(result.stdout)
        load.refusals = [line for line in result.stdout.splitlines() if line.startswith("refused ")]
        return load
    finally:
        os.unlink(script.name)
