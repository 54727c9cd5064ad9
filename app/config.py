"""Settings from the environment (12-factor), with safe development defaults."""

import os
import secrets
from datetime import timedelta
from pathlib import Path


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
        "MAX_CLIENTS": _env_int("MAX_CLIENTS", None),
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=_env_int("SESSION_IDLE_MINUTES", 240)),
        "SESSION_ABSOLUTE_TIMEOUT": timedelta(minutes=_env_int("SESSION_ABSOLUTE_MINUTES", 720)),
        "SIGN_IN_MAX_FAILURES": _env_int("SIGN_IN_MAX_FAILURES", 10),
        "SIGN_IN_BLOCK": timedelta(minutes=_env_int("SIGN_IN_BLOCK_MINUTES", 15)),
        "SESSION_COOKIE_NAME": "clientele_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env_bool("SESSION_COOKIE_SECURE", production),
        "WTF_CSRF_TIME_LIMIT": None,
        # A ping before every checkout costs a round trip per request (about a tenth of
        # a profile page on PostgreSQL). Without it, after a database restart one request
        # per worker fails and the pool is renewed; set DATABASE_PRE_PING=1 to trade the
        # speed for that.
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": _env_bool("DATABASE_PRE_PING", False),
            "pool_recycle": 1800,
        },
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
