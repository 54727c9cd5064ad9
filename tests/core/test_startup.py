"""Start-up refusals: production will not run with weak keys, nor with a DATA_KEY that
cannot decrypt the stored data, and says so in one line (no traceback) under the Flask
CLI and under gunicorn."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import ConfigurationError
from app.auth.ops import add_staff
from app.clients import detail_ops, note_ops
from app.core.config import MIN_KEY_LENGTH, key_problem
from app.core.extensions import db
from app.core.sessions import SignedInStaff
from app.models import Client
from tests.conftest import PASSWORD
from tests.helpers.live_server import GUNICORN, PRODUCTION_KEYS, ROOT, free_port

FLASK = Path(sys.executable).with_name("flask")
STRONG_SECRET = PRODUCTION_KEYS["SECRET_KEY"]
STRONG_DATA_KEY = PRODUCTION_KEYS["DATA_KEY"]


def run(command: list[str], database_url: str, **env) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "TEST_DATABASE_URL", "SECRET_KEY", "DATA_KEY"}
    }
    environment |= {"DATABASE_URL": database_url, "PYTHONDONTWRITEBYTECODE": "1", **env}
    return subprocess.run(  # noqa: S603  (fixed command, no shell)
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def flask_cli(database_url: str, **env) -> subprocess.CompletedProcess:
    return run([str(FLASK), "--app", "app", "db", "current"], database_url, **env)


def gunicorn(database_url: str, **env) -> subprocess.CompletedProcess:
    # If the refusal failed, gunicorn would serve: the timeout then fails the test.
    command = [str(GUNICORN), "--config", str(ROOT / "gunicorn.conf.py")]
    command += ["--bind", f"127.0.0.1:{free_port()}", "--workers", "1", "--no-control-socket"]
    return run([*command, "wsgi:app"], database_url, **env)


def production(secret_key: str, data_key: str) -> dict:
    return {"CLIENTELE_ENV": "production", "SECRET_KEY": secret_key, "DATA_KEY": data_key}


@pytest.mark.parametrize(
    "value",
    [
        "CHANGEME",
        "changeme",
        "secret",
        "password",
        "dev",
        "test",
        "...",  # the placeholder in docs/operations.md
        "change-me-change-me-change-me-change-me",
        "replace-me-with-a-long-random-value-please",
        "x" * 64,
        "SecretSecretSecretSecretSecretSecret",
        "a1b2c3d4e5f6g7h8",  # random-looking but short
    ],
)
def test_weak_production_keys_have_a_problem(value):
    assert key_problem("SECRET_KEY", value)


def test_long_random_keys_have_none():
    assert key_problem("SECRET_KEY", STRONG_SECRET) is None
    assert key_problem("DATA_KEY", STRONG_DATA_KEY) is None
    short = key_problem("DATA_KEY", STRONG_DATA_KEY[: MIN_KEY_LENGTH - 1])
    assert short == f"DATA_KEY is too short ({MIN_KEY_LENGTH - 1} characters; at least 32 needed)"


def test_create_app_refuses_weak_keys_in_production_only(make_app):
    with pytest.raises(ConfigurationError, match="SECRET_KEY is a well-known"):
        make_app(PRODUCTION=True, SECRET_KEY="CHANGEME", DATA_KEY=STRONG_DATA_KEY)
    with pytest.raises(ConfigurationError, match="DATA_KEY is too short"):
        make_app(PRODUCTION=True, SECRET_KEY=STRONG_SECRET, DATA_KEY="only-twenty-chars-ok")
    with pytest.raises(ConfigurationError, match="are the same"):
        make_app(PRODUCTION=True, SECRET_KEY=STRONG_SECRET, DATA_KEY=STRONG_SECRET)
    assert make_app(PRODUCTION=True, SECRET_KEY=STRONG_SECRET, DATA_KEY=STRONG_DATA_KEY)
    assert make_app(SECRET_KEY="dev", DATA_KEY="dev-data")  # development keeps working


@pytest.mark.parametrize(
    "secret_key,data_key,message",
    [
        ("CHANGEME", STRONG_DATA_KEY, "Error: SECRET_KEY is a well-known or placeholder value."),
        (STRONG_SECRET, "short-key", "Error: DATA_KEY is too short (9 characters;"),
    ],
)
def test_flask_cli_refuses_weak_keys_in_one_line(database_url, secret_key, data_key, message):
    result = flask_cli(database_url, **production(secret_key, data_key))
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1


def test_gunicorn_refuses_a_weak_key_in_one_line(database_url):
    result = gunicorn(database_url, **production("changeme", STRONG_DATA_KEY))
    assert result.returncode == 1
    assert "Error: SECRET_KEY is a well-known or placeholder value." in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "Booting worker" not in result.stderr  # refused before any worker started


@pytest.fixture
def database_with_a_note(make_app, database_url):
    """A database holding a note encrypted with STRONG_DATA_KEY."""
    app = make_app(DATA_KEY=STRONG_DATA_KEY)
    with app.app_context():
        owner = SignedInStaff.of(add_staff("keys@example.com", "Key Keeper", "owner", PASSWORD))
        client = detail_ops.create_client({"first_name": "Ada"}, owner)
        note_ops.add_note(db.session.get(Client, client.id), "Allergic to lavender", owner)
    return database_url


def test_flask_cli_refuses_a_wrong_data_key_in_one_line(database_with_a_note):
    other_key = "another-long-random-data-key-Zq81xR5tW2yU7vB4nM9k"
    result = flask_cli(database_with_a_note, **production(STRONG_SECRET, other_key))
    assert result.returncode == 1
    assert "Error: DATA_KEY cannot decrypt the notes already stored" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    right = flask_cli(database_with_a_note, **production(STRONG_SECRET, STRONG_DATA_KEY))
    assert right.returncode == 0, right.stderr


def test_gunicorn_refuses_a_wrong_data_key_in_one_line(database_with_a_note):
    other_key = "another-long-random-data-key-Zq81xR5tW2yU7vB4nM9k"
    result = gunicorn(database_with_a_note, **production(STRONG_SECRET, other_key))
    assert result.returncode == 1
    assert "Error: DATA_KEY cannot decrypt the notes already stored" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
