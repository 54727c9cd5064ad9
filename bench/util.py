"""Small helpers shared by the benchmark modules."""

import os
import secrets
import socket
import sys
import time
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA_DIR = Path(__file__).resolve().parent / "data"
STARTED = time.monotonic()


def log(message: str) -> None:
    elapsed = time.monotonic() - STARTED
    print(f"[{elapsed:7.1f}s] {message}", file=sys.stderr, flush=True)


@contextmanager
def step(message: str):
    log(message + " ...")
    started = time.monotonic()
    yield
    log(f"{message}: done in {time.monotonic() - started:.1f}s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ensure_secrets() -> None:
    """create_app() needs SECRET_KEY and DATA_KEY; without them a development app would
    write key files under instance/, which a benchmark has no business touching."""
    for name in ("SECRET_KEY", "DATA_KEY"):
        os.environ.setdefault(name, secrets.token_urlsafe(48))


def bench_app(database_url: str):
    """The real app (create_app) bound to a benchmark database."""
    from app import create_app

    ensure_secrets()
    return create_app({"SQLALCHEMY_DATABASE_URI": database_url})
