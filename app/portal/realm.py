"""The client realm of sign-in: a client's session on their own page (/me).

It is a realm of its own, beside the staff one (app/core/sessions.py), built the same way:
the cookie carries a random token, the client_sessions row only its SHA-256, so a copy
of the table opens nothing; signing in starts a new row with a new token (rotation),
signing out deletes it; idle and absolute timeouts are checked on every request.

The two realms never read each other's credentials:
- the client cookie has its own name and is scoped to the client page's path, and only
  this module reads it; staff pages know nothing of it (Flask-Login reads the staff
  session alone);
- this module never reads the staff session: a staff member signed in on the same
  browser is not a client here, and a client is nobody on a staff page.

For the views of /me (and of any area that adds pages there):
- @client_required: no valid client session -> the client sign-in page;
- current_account() / current_client(): the signed-in ClientAccount and its Client,
  read together with the session in one query, once per request.
A client whose profile is in the trash, erased or merged into another, or whose account
has no password (yet, or any more), is signed in nowhere: their sessions stop working.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps

from flask import current_app, g, redirect, request, url_for
from sqlalchemy import delete, select, update

from app.core.extensions import db
from app.core.htmx import is_fragment_request
from app.core.paths import safe_next_path
from app.models import Client, ClientAccount, ClientSession, utcnow

COOKIE_NAME = "clientele_client"
TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 100
# last_seen_at is written at most once a minute, as for staff.
TOUCH_INTERVAL = timedelta(seconds=60)
_STATE = "client_realm"
_COOKIE_CHANGE = "client_realm_cookie"


@dataclass
class SignedInClient:
    token: str
    account: ClientAccount
    client: Client
    created_at: datetime
    last_seen_at: datetime


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def idle_timeout() -> timedelta:
    config = current_app.config
    return config.get("CLIENT_SESSION_IDLE_TIMEOUT", config["SESSION_IDLE_TIMEOUT"])


def absolute_timeout() -> timedelta:
    config = current_app.config
    return config.get("CLIENT_SESSION_ABSOLUTE_TIMEOUT", config["SESSION_ABSOLUTE_TIMEOUT"])


def may_sign_in(account: ClientAccount | None, client: Client | None) -> bool:
    """Whether this account opens its client's page at all."""
    return (
        account is not None
        and client is not None
        and account.password_hash is not None
        and client.deleted_at is None
        and client.erased_at is None
        and client.merged_into_id is None
    )


_SESSION_WITH_ACCOUNT = (
    select(ClientSession.created_at, ClientSession.last_seen_at, ClientAccount, Client)
    .join(ClientAccount, ClientAccount.id == ClientSession.account_id)
    .join(Client, Client.id == ClientAccount.client_id)
)


def _load() -> SignedInClient | None:
    token = request.cookies.get(COOKIE_NAME)
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = db.session.execute(
        _SESSION_WITH_ACCOUNT.where(ClientSession.id == token_digest(token))
    ).first()
    if row is None:
        _forget_cookie()
        return None
    now = utcnow()
    expired = (
        now - row.last_seen_at > idle_timeout()
        or now - row.created_at > absolute_timeout()
        or not may_sign_in(row.ClientAccount, row.Client)
    )
    if expired:
        _delete_now(token)
        _forget_cookie()
        return None
    return SignedInClient(token, row.ClientAccount, row.Client, row.created_at, row.last_seen_at)


def signed_in() -> SignedInClient | None:
    """This request's client session, read once (None when there is none)."""
    if _STATE not in g:
        setattr(g, _STATE, _load())
    return getattr(g, _STATE)


def current_account() -> ClientAccount | None:
    state = signed_in()
    return state.account if state else None


def current_client() -> Client | None:
    state = signed_in()
    return state.client if state else None


def client_required(view):
    """For the views of /me: without a valid client session, the client sign-in page
    (a staff session counts for nothing here)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if signed_in() is None:
            return _to_sign_in()
        return view(*args, **kwargs)

    return wrapped


def _to_sign_in():
    here = request.full_path.rstrip("?") if request.method == "GET" else None
    location = url_for("portal.login", next=portal_next_path(here))
    if is_fragment_request():
        response = current_app.make_response(("", 204))
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, 302 if request.method == "GET" else 303)


def portal_next_path(target: str | None) -> str | None:
    """A path to go back to after sign-in: only a page of the client realm."""
    path = safe_next_path(target)
    home = url_for("portal.me")
    if path and (path == home or path.startswith(home + "/")):
        return path
    return None


# --- starting and ending sessions (inside the ops' write transaction) -----------------


def new_session(account_id: int, replacing: str | None = None) -> str:
    """Add a new session row for the account to the current transaction, dropping the
    one this browser had (rotation: a token never outlives a sign-in). The cookie is
    set on this request's response. Returns the new token."""
    if replacing:
        db.session.execute(delete(ClientSession).where(ClientSession.id == token_digest(replacing)))
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    db.session.add(
        ClientSession(
            id=token_digest(token),
            account_id=account_id,
            data="{}",
            created_at=now,
            last_seen_at=now,
        )
    )
    setattr(g, _COOKIE_CHANGE, token)
    return token


def end_session(token: str | None) -> None:
    """Delete this browser's session row (in the current transaction) and its cookie."""
    if token:
        db.session.execute(delete(ClientSession).where(ClientSession.id == token_digest(token)))
    _forget_cookie()
    setattr(g, _STATE, None)


def end_sessions_of(account_id: int) -> None:
    """Sign an account out everywhere (a new password). Caller's transaction."""
    db.session.execute(delete(ClientSession).where(ClientSession.account_id == account_id))


def purge_expired() -> None:
    """Drop sessions past their idle timeout. Caller's transaction."""
    cutoff = utcnow() - idle_timeout()
    db.session.execute(delete(ClientSession).where(ClientSession.last_seen_at < cutoff))


def browser_token() -> str | None:
    """The token this browser sent (valid or not), for rotation and sign-out."""
    token = request.cookies.get(COOKIE_NAME)
    return token if token and len(token) <= MAX_TOKEN_LENGTH else None


def _forget_cookie() -> None:
    setattr(g, _COOKIE_CHANGE, "")


def _delete_now(token: str) -> None:
    with db.engine.begin() as connection:
        connection.execute(delete(ClientSession).where(ClientSession.id == token_digest(token)))


# --- the response ----------------------------------------------------------------------


def cookie_path() -> str:
    return url_for("portal.me")


def save_realm(response):
    """After a view of the realm: set or delete the cookie, note the visit (at most once
    a minute), and keep the page out of shared caches."""
    change = g.get(_COOKIE_CHANGE)
    options = {
        "httponly": True,
        "secure": current_app.config["SESSION_COOKIE_SECURE"],
        "samesite": "Lax",
        "path": cookie_path(),
    }
    if change == "":
        response.delete_cookie(COOKIE_NAME, path=options["path"])
    elif change:
        response.set_cookie(COOKIE_NAME, change, **options)
    else:
        state = g.get(_STATE)
        if state is not None and utcnow() - state.last_seen_at > TOUCH_INTERVAL:
            with db.engine.begin() as connection:
                connection.execute(
                    update(ClientSession)
                    .where(ClientSession.id == token_digest(state.token))
                    .values(last_seen_at=utcnow())
                )
    response.headers["Cache-Control"] = "no-store"
    return response
