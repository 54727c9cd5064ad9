"""Settings from the environment (12-factor), with safe development defaults."""

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path

import click


class ConfigurationError(click.ClickException, RuntimeError):
    """A setting that stops the app from starting; the message says what to do.

    Both bases are there so the message is all anyone sees: the Flask CLI shows a
    ClickException as "Error: …" (status 1), and gunicorn's master shows a RuntimeError
    the same way (status 1), neither with a traceback.
    """


# Production keys: at least this long, and not a value from a tutorial or our README.
MIN_KEY_LENGTH = 32
WELL_KNOWN_KEYS = frozenset(
    {
        "changeme",
        "changeit",
        "secret",
        "secretkey",
        "datakey",
        "password",
        "dev",
        "development",
        "test",
        "testing",
        "production",
        "default",
        "example",
        "key",
        "mysecret",
        "yoursecretkey",
        "supersecret",
        "supersecretkey",
        "letmein",
        "admin",
        "clientele",
    }
)
# Words that mark a placeholder however long the value around them is.
PLACEHOLDER_WORDS = ("changeme", "changethis", "replaceme", "placeholder", "example", "yoursecret")
DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024
GENERATE_KEY = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"


def key_problem(name: str, value: str) -> str | None:
    """Why a production SECRET_KEY or DATA_KEY is refused, or None when it will do."""
    folded = re.sub(r"[^a-z0-9]", "", value.lower())  # "Change-Me!" is "changeme"
    placeholder = (
        len(set(folded)) < 8  # "...", "xxxxxxxx…", "abababab…"
        or any(folded == word * (len(folded) // len(word)) for word in WELL_KNOWN_KEYS)
        or any(word in folded for word in PLACEHOLDER_WORDS)
    )
    if placeholder:
        return f"{name} is a well-known or placeholder value"
    if len(value) < MIN_KEY_LENGTH:
        return f"{name} is too short ({len(value)} characters; at least {MIN_KEY_LENGTH} needed)"
    return None


def check_keys(config: dict) -> None:
    """Refuse to start without keys, and in production with weak ones."""
    for name in ("SECRET_KEY", "DATA_KEY"):
        value = config.get(name)
        if not value:
            raise ConfigurationError(
                f"{name} is not set. In production, pass it in the environment "
                f"(for example: export {name}=$({GENERATE_KEY}))."
            )
        problem = config.get("PRODUCTION") and key_problem(name, str(value))
        if problem:
            raise ConfigurationError(
                f"{problem}. Production refuses to start with it: set {name} to a long "
                f"random value, for example: export {name}=$({GENERATE_KEY})"
            )
    if config.get("PRODUCTION") and config["SECRET_KEY"] == config["DATA_KEY"]:
        raise ConfigurationError(
            "SECRET_KEY and DATA_KEY are the same. Production refuses to start with one key "
            "for both: a leaked cookie key would open the data encrypted at rest."
        )


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int | None) -> int | None:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def instance_secret(instance_path: str, filename: str) -> str:
    """Read a development secret kept under instance/, creating it on first use.

    Only development uses this: production must pass secrets in the environment.
    """
    path = Path(instance_path) / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # Private from the first byte, and only one process wins when several start at once.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def load_settings(instance_path: str) -> dict:
    production = os.environ.get("CLIENTELE_ENV", "development") == "production"
    max_request_bytes = _env_int("MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES)
    database_url = os.environ.get("DATABASE_URL") or "sqlite:///" + str(
        Path(instance_path) / "clientele.db"
    )
    settings = {
        "PRODUCTION": production,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "DATA_KEY": os.environ.get("DATA_KEY"),
        "TIMEZONE": os.environ.get("TIMEZONE", "Europe/London"),
        "DEFAULT_PHONE_REGION": os.environ.get("DEFAULT_PHONE_REGION", "GB").upper(),
        "BUSINESS_LOCALE": os.environ.get("BUSINESS_LOCALE", "en_GB"),
        "CURRENCY": os.environ.get("CURRENCY", "GBP").upper(),  # prices are in its minor units
        "MAX_CLIENTS": _env_int("MAX_CLIENTS", None),
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=_env_int("SESSION_IDLE_MINUTES", 240)),
        "SESSION_ABSOLUTE_TIMEOUT": timedelta(minutes=_env_int("SESSION_ABSOLUTE_MINUTES", 720)),
        "SIGN_IN_MAX_FAILURES": _env_int("SIGN_IN_MAX_FAILURES", 10),
        "SIGN_IN_BLOCK": timedelta(minutes=_env_int("SIGN_IN_BLOCK_MINUTES", 15)),
        # The reception kiosk's session ends this long after it was started (a long day).
        "KIOSK_SESSION_ABSOLUTE_TIMEOUT": timedelta(hours=_env_int("KIOSK_SESSION_HOURS", 16)),
        "SESSION_COOKIE_NAME": "clientele_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env_bool("SESSION_COOKIE_SECURE", production),
        "WTF_CSRF_TIME_LIMIT": None,
        # The largest request body (413 beyond it); form fields may use all of it.
        "MAX_CONTENT_LENGTH": max_request_bytes,
        "MAX_FORM_MEMORY_SIZE": max_request_bytes,
        # A ping before every checkout costs a round trip per request (about a tenth of
        # a profile page on PostgreSQL). Without it, after a database restart one request
        # per worker fails and the pool is renewed; set DATABASE_PRE_PING=1 to trade the
        # speed for that.
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": _env_bool("DATABASE_PRE_PING", False),
            "pool_recycle": 1800,
            # A failed statement's error names its SQL, not the values (a client's email
            # in a logged IntegrityError would be beyond the reach of erasure).
            "hide_parameters": True,
        },
        # PostgreSQL: rewrite (VACUUM FULL) the tables an erasure touched right after it;
        # off leaves the rewrite to `flask scrub` (see README, "What an erasure removes").
        "SCRUB_VACUUM_FULL": _env_bool("SCRUB_VACUUM_FULL", True),
        "ERASURE_LEDGER": os.environ.get("ERASURE_LEDGER") or None,
        # The job queue: Redis in production (shared by every web server and consumer);
        # without it, an SQLite file beside the database (see app/core/jobs.py).
        "HUEY_REDIS_URL": os.environ.get("HUEY_REDIS_URL") or None,
        # Outgoing email: smtp://user:password@host:587?starttls=1 or smtps://…:465.
        # Without it (development) messages wait in Settings → Outbox, never lost.
        "MAIL_URL": os.environ.get("MAIL_URL") or None,
        "MAIL_FROM": os.environ.get("MAIL_FROM") or "no-reply@localhost",
        "PAGE_SIZE": 50,
        "TIMELINE_PAGE_SIZE": 25,
        "NOTES_PAGE_SIZE": 10,
    }
    if not production:
        settings["SECRET_KEY"] = settings["SECRET_KEY"] or instance_secret(
            instance_path, "secret_key"
        )
        settings["DATA_KEY"] = settings["DATA_KEY"] or instance_secret(instance_path, "data_key")
    return settings
