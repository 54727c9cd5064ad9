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
    write key files under instance/, which a benchmark has no business touching. The
    DATA_KEY is kept beside the cached databases: what one run's load encrypts (the
    emails its bookings write) must open in the next run, which reuses them."""
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    if "DATA_KEY" not in os.environ:
        key_file = DATA_DIR / "data_key"
        if not key_file.exists():
            DATA_DIR.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_urlsafe(48))
        os.environ["DATA_KEY"] = key_file.read_text().strip()


def forget_earlier_load(database_url: str) -> None:
    """Drop the emails an earlier run's booking load wrote (before the app starts: a run
    from before the key was kept beside the databases wrote them with another key)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM outgoing_emails"))
    finally:
        engine.dispose()


def bench_app(database_url: str):
    """The real app (create_app) bound to a benchmark database."""
    from app import create_app

    ensure_secrets()
    return create_app({"SQLALCHEMY_DATABASE_URI": database_url})
