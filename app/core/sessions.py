"""Server-side sessions: the cookie carries a random token, the data lives in the database.

Signing out deletes the row, so a cookie copied before sign-out opens nothing; signing in
starts a new row with a new token. Idle and absolute timeouts are checked on every
request. The staff member is read in the same query as the session, so a signed-in page
costs one query for both (see SignedInStaff).

Before sign-in there is nothing to protect but the sign-in form's CSRF token, so an
anonymous visitor's session is a signed cookie: a bot hammering /login writes nothing
to the database. That cookie never carries identity: only the keys in ANONYMOUS_KEYS
are read from it or written to it, and only the sign-in view, after a checked password,
starts a server-side session (ServerSession.regenerate). A forged cookie, even one
signed with a guessed SECRET_KEY, opens nothing.
"""

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask.sessions import SessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import bindparam, delete, insert, select, update
from werkzeug.datastructures import CallbackDict

from app.core.extensions import db
from app.models import StaffMember, StaffSession, utcnow

# Don't write last_seen_at on every request: once a minute is precise enough for a
# 4-hour idle timeout and keeps reads read-only.
TOUCH_INTERVAL = timedelta(seconds=60)


@dataclass(frozen=True)
class SignedInStaff:
    """The signed-in staff member as Flask-Login's current_user (no ORM object needed)."""

    id: int
    name: str
    email: str
    role: str

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)

    @classmethod
    def of(cls, staff: StaffMember) -> "SignedInStaff":
        return cls(id=staff.id, name=staff.name, email=staff.email, role=staff.role)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


ANONYMOUS_PREFIX = "anon."
# All an anonymous cookie may hold. Flask-Login's _user_id, _fresh, _id, _remember and
# anything else are dropped, whether read from the cookie or set during the request
# (a forged remember-me cookie makes Flask-Login set _user_id).
ANONYMOUS_KEYS = frozenset({"csrf_token", "_flashes"})


def _anonymous_data(data) -> dict:
    if not isinstance(data, dict):
        return {}
    return {key: value for key, value in data.items() if key in ANONYMOUS_KEYS}


class ServerSession(CallbackDict, SessionMixin):
    def __init__(self, initial=None, token=None, created_at=None, last_seen_at=None, staff=None):
        # token: the database row's token, None for an anonymous (cookie-only) session.
        def on_update(self):
            self.modified = True

        super().__init__(initial, on_update)
        self.token = token
        self.created_at = created_at
        self.last_seen_at = last_seen_at
        self.staff = staff
        self.modified = False
        self.rotate = False
        self.destroy = False

    def regenerate(self) -> None:
        """Give this session a new token (at sign-in), dropping the old one.

        The only way a server-side session starts: call it after the password is checked.
        """
        self.rotate = True
        self.modified = True

    def end(self) -> None:
        """Delete this session on the server and in the browser (sign-out)."""
        self.clear()
        self.destroy = True


# Built once: it runs on every signed-in request.
_SESSION_WITH_STAFF = (
    select(
        StaffSession.data,
        StaffSession.created_at,
        StaffSession.last_seen_at,
        StaffMember.id,
        StaffMember.name,
        StaffMember.email,
        StaffMember.role,
        StaffMember.active,
    )
    .outerjoin(StaffMember, StaffMember.id == StaffSession.staff_id)
    .where(StaffSession.id == bindparam("digest"))
)


class DatabaseSessionInterface(SessionInterface):
    @staticmethod
    def _anonymous_serializer(app) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(app.secret_key, salt="clientele-anonymous-session")

    def open_session(self, app, request):
        token = request.cookies.get(self.get_cookie_name(app))
        if not token or len(token) > 1000:
            return ServerSession()
        if token.startswith(ANONYMOUS_PREFIX):
            try:
                data = self._anonymous_serializer(app).loads(
                    token.removeprefix(ANONYMOUS_PREFIX),
                    max_age=app.config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds(),
                )
            except BadSignature:
                return ServerSession()
            return ServerSession(_anonymous_data(data))
        if len(token) > 100:
            return ServerSession()
        # The request's own transaction: the page's queries reuse this connection. Plain
        # columns, so the Core connection runs it without the ORM's per-statement work.
        connection = db.session.connection()
        row = connection.execute(_SESSION_WITH_STAFF, {"digest": _digest(token)}).first()
        if row is None:
            return ServerSession()
        now = utcnow()
        expired = (
            now - row.last_seen_at > app.config["SESSION_IDLE_TIMEOUT"]
            or now - row.created_at > app.config["SESSION_ABSOLUTE_TIMEOUT"]
            or (row.id is not None and not row.active)
        )
        if expired:
            self._delete(token)
            return ServerSession()
        staff = None
        if row.id is not None:
            staff = SignedInStaff(id=row.id, name=row.name, email=row.email, role=row.role)
        return ServerSession(
            json.loads(row.data),
            token=token,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            staff=staff,
        )

    def save_session(self, app, session: ServerSession, response):
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        signed_in = bool(session.get("_user_id"))
        if session.destroy or (session.token and not signed_in):
            if session.token:
                self._delete(session.token)
            response.delete_cookie(name, domain=domain, path=path)
            return
        if session.token is None and not session.rotate:
            signed_in = False  # only the sign-in view starts a server-side session
        if not signed_in:
            if session.modified and session:
                data = _anonymous_data(dict(session))
                value = ANONYMOUS_PREFIX + self._anonymous_serializer(app).dumps(data)
                response.set_cookie(name, value, **self._cookie_options(app))
            return
        if session.token is None or session.rotate:
            if session.token:
                self._delete(session.token)
            session.token = secrets.token_urlsafe(32)
            self._insert(session)
        elif session.modified:
            self._update(session, data=True)
        elif utcnow() - session.last_seen_at > TOUCH_INTERVAL:
            self._update(session, data=False)
        else:
            return
        response.set_cookie(name, session.token, **self._cookie_options(app))

    def _cookie_options(self, app) -> dict:
        return {
            "httponly": self.get_cookie_httponly(app),
            "secure": self.get_cookie_secure(app),
            "samesite": self.get_cookie_samesite(app),
            "domain": self.get_cookie_domain(app),
            "path": self.get_cookie_path(app),
        }

    @staticmethod
    def _staff_id(session: ServerSession) -> int | None:
        user_id = session.get("_user_id")
        return int(user_id) if user_id else None

    def _insert(self, session: ServerSession) -> None:
        now = utcnow()
        with db.engine.begin() as connection:
            connection.execute(
                insert(StaffSession).values(
                    id=_digest(session.token),
                    staff_id=self._staff_id(session),
                    data=json.dumps(dict(session)),
                    created_at=now,
                    last_seen_at=now,
                )
            )

    def _update(self, session: ServerSession, data: bool) -> None:
        values = {"last_seen_at": utcnow()}
        if data:
            values |= {"data": json.dumps(dict(session)), "staff_id": self._staff_id(session)}
        with db.engine.begin() as connection:
            connection.execute(
                update(StaffSession).where(StaffSession.id == _digest(session.token)).values(values)
            )

    @staticmethod
    def _delete(token: str) -> None:
        with db.engine.begin() as connection:
            connection.execute(delete(StaffSession).where(StaffSession.id == _digest(token)))


def end_sessions_of(staff_id: int) -> None:
    """Sign a staff member out everywhere (deactivation). Caller commits."""
    db.session.execute(delete(StaffSession).where(StaffSession.staff_id == staff_id))


def purge_expired_sessions(app) -> None:
    """Drop sessions past their idle timeout. Caller commits."""
    cutoff = utcnow() - app.config["SESSION_IDLE_TIMEOUT"]
    db.session.execute(delete(StaffSession).where(StaffSession.last_seen_at < cutoff))
