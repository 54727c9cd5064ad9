"""Writes for client accounts: invitations and password resets sent by staff, the
password a client sets from their link, and the client's sign-in and sign-out.

A link (invitation or reset) is a random token of which only the SHA-256 is kept; it
expires after ACCOUNT_TOKEN_HOURS and its first use spends it, as does a newer link of
the same purpose. Every change is recorded on the client's timeline in its transaction.
"""

import secrets
from datetime import timedelta

from flask import url_for
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.auth.api import (
    blocked_until,
    clear_failures,
    hash_password,
    needs_rehash,
    normalise_email,
    password_problem,
    record_failure,
    verify_password,
)
from app.core.database import write_transaction
from app.core.extensions import db
from app.core.i18n import supported_language
from app.core.permissions import Permission, can
from app.core.timeline import record
from app.mail.api import queue_email, render_email
from app.models import (
    ACCOUNT_TOKEN_HOURS,
    Client,
    ClientAccount,
    ClientAccountToken,
    utcnow,
)
from app.portal import realm

# How the timeline's audit names the link a password was set from.
_LINK_WORDS = {"invitation": "Invitation link", "password_reset": "Password reset link"}
# The sign-in throttle's realm: the client page's counts never mix with staff ones.
THROTTLE_REALM = "client:"


class AccountRefused(Exception):
    """An invitation or reset that cannot be sent; the message is for staff (422)."""


class LinkGone(Exception):
    """An unknown, spent or expired link (the page says so and nothing more)."""


class PasswordRefused(ValueError):
    """A password the strength rules refuse; the message is for the client."""


# --- staff: invitations and resets -----------------------------------------------------


def _client_for_account(client_id: int) -> Client:
    """The client, or LookupError when there is none to give a page to (404)."""
    client = db.session.get(Client, client_id, populate_existing=True)
    if client is None or client.deleted_at or client.erased_at or client.merged_into_id:
        raise LookupError(client_id)
    return client


def account_of(client_id: int) -> ClientAccount | None:
    return db.session.scalar(select(ClientAccount).where(ClientAccount.client_id == client_id))


def check_email(client: Client) -> str:
    if not client.email:
        raise AccountRefused(
            "This client has no email address. Add one to their details first: the link "
            "is sent by email."
        )
    email = normalise_email(client.email)
    taken = db.session.scalar(
        select(ClientAccount.id).where(
            ClientAccount.email == email, ClientAccount.client_id != client.id
        )
    )
    if taken:
        raise AccountRefused(
            f"{email} already signs in to another client's page. Each client page needs "
            "its own email address: change this client's email first."
        )
    return email


def _new_link(account: ClientAccount, purpose: str, actor) -> str:
    """A new single-use link's token; older unused links of this purpose are spent."""
    now = utcnow()
    db.session.execute(
        update(ClientAccountToken)
        .where(
            ClientAccountToken.account_id == account.id,
            ClientAccountToken.purpose == purpose,
            ClientAccountToken.used_at.is_(None),
        )
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        ClientAccountToken(
            account_id=account.id,
            purpose=purpose,
            token_digest=realm.token_digest(token),
            created_by_id=getattr(actor, "id", None),
            created_at=now,
            expires_at=now + timedelta(hours=ACCOUNT_TOKEN_HOURS),
        )
    )
    return token


def _send_link(client: Client, account: ClientAccount, purpose: str, token: str, actor):
    language = supported_language(client.preferred_language) or "en"
    link = url_for("portal.set_password", token=token, _external=True)
    template = "portal_invitation" if purpose == "invitation" else "portal_password_reset"
    subject, text, html = render_email(
        template,
        language,
        first_name=client.first_name,
        hours=ACCOUNT_TOKEN_HOURS,
        sign_in_url=url_for("portal.login", _external=True),
    )
    queue_email(
        to_address=account.email,
        to_name=client.full_name,
        kind=purpose,
        subject=subject,
        text=text,
        html=html,
        client_id=client.id,
        secret_link=link,
        link_expires_at=utcnow() + timedelta(hours=ACCOUNT_TOKEN_HOURS),
        language=language,
        actor=actor,
    )


def _check_actor(actor) -> None:
    if not can(actor, Permission.EDIT_CLIENTS):
        raise PermissionError("sending a client page link is not allowed for this staff member")


def send_invitation(client_id: int, actor) -> ClientAccount:
    """Create the client's account (their email, lower-cased) or, when it was never
    activated, send the invitation again. AccountRefused (nothing written) when the
    client has no email, the email signs in to another client's page, or the account
    is active already (a reset is what it needs)."""
    _check_actor(actor)
    try:
        with write_transaction():
            client = _client_for_account(client_id)
            email = check_email(client)
            account = account_of(client.id)
            if account is not None and account.password_hash is not None:
                raise AccountRefused(
                    "This client already uses their page. If they forgot their password, "
                    "send a password reset instead."
                )
            changes = {"sent_to": [None, email]}
            if account is None:
                account = ClientAccount(
                    client_id=client.id, email=email, invited_by_id=actor.id, created_at=utcnow()
                )
                db.session.add(account)
            else:
                account.email = email
                account.invited_by_id = actor.id
            db.session.flush()
            token = _new_link(account, "invitation", actor)
            _send_link(client, account, "invitation", token, actor)
            record(client, "portal.invited", actor, subject=account, changes=changes)
    except IntegrityError as clash:
        # Another client's invitation took the email between the check and the write.
        raise AccountRefused(
            "This email address was just given to another client's page. Reload and check."
        ) from clash
    return account


def send_password_reset(client_id: int, actor) -> ClientAccount:
    """A reset link for an account with a password, to the client's email as the
    profile holds it (which becomes the sign-in name if it changed)."""
    _check_actor(actor)
    try:
        with write_transaction():
            client = _client_for_account(client_id)
            account = account_of(client.id)
            if account is None or account.password_hash is None:
                raise AccountRefused(
                    "This client has not set a password for their page yet: send them an "
                    "invitation instead."
                )
            email = check_email(client)
            account.email = email
            token = _new_link(account, "password_reset", actor)
            _send_link(client, account, "password_reset", token, actor)
            record(
                client,
                "portal.reset_sent",
                actor,
                subject=account,
                changes={"sent_to": [None, email]},
            )
    except IntegrityError as clash:
        raise AccountRefused(
            "This email address was just given to another client's page. Reload and check."
        ) from clash
    return account


# --- the client: their link, sign-in and sign-out -----------------------------------------


def _link_row(token: str, lock: bool = False):
    if not token or len(token) > realm.MAX_TOKEN_LENGTH:
        return None
    statement = (
        select(ClientAccountToken, ClientAccount, Client)
        .join(ClientAccount, ClientAccount.id == ClientAccountToken.account_id)
        .join(Client, Client.id == ClientAccount.client_id)
        .where(ClientAccountToken.token_digest == realm.token_digest(token))
    )
    if lock:
        statement = statement.with_for_update(of=ClientAccountToken)
    row = db.session.execute(statement).first()
    if row is None:
        return None
    link, account, client = row
    usable = (
        link.used_at is None
        and link.expires_at > utcnow()
        and client.deleted_at is None
        and client.erased_at is None
        and client.merged_into_id is None
    )
    return row if usable else None


def link_holder(token: str) -> Client | None:
    """The client a usable link is for (no write), or None."""
    row = _link_row(token)
    return row.Client if row else None


def set_password(token: str, password: str) -> ClientAccount:
    """Spend the link, set the password (Argon2id), activate the account, end its other
    sessions and sign this browser in. LinkGone or PasswordRefused, nothing written."""
    problem = password_problem(password)
    if problem:
        raise PasswordRefused(problem)
    password_hash = hash_password(password)
    with write_transaction():
        row = _link_row(token, lock=True)
        if row is None:
            raise LinkGone()
        link, account, client = row
        now = utcnow()
        # Every outstanding link of the account is spent: the password is set.
        db.session.execute(
            update(ClientAccountToken)
            .where(
                ClientAccountToken.account_id == account.id, ClientAccountToken.used_at.is_(None)
            )
            .values(used_at=now)
        )
        first_time = account.activated_at is None
        account.password_hash = password_hash
        account.activated_at = account.activated_at or now
        account.last_sign_in_at = now
        realm.end_sessions_of(account.id)
        realm.new_session(account.id, replacing=realm.browser_token())
        _by_client(
            record(
                client,
                "portal.password_set",
                subject=account,
                changes=None if first_time else {"purpose": [None, _LINK_WORDS[link.purpose]]},
            )
        )
    return account


def sign_in_blocked_until(email: str):
    return blocked_until(email, THROTTLE_REALM)


def authenticate(email: str, password: str) -> ClientAccount | None:
    """Sign a client in (a new session, rotated), or None with the failure counted.

    An unknown email, an account without a password, or a profile in the trash, erased
    or merged all answer the same, after the same hashing work."""
    email = normalise_email(email)
    row = db.session.execute(
        select(ClientAccount, Client)
        .join(Client, Client.id == ClientAccount.client_id)
        .where(ClientAccount.email == email)
    ).first()
    account, client = row if row else (None, None)
    usable = realm.may_sign_in(account, client)
    valid = verify_password(account.password_hash if usable else None, password)
    if not (usable and valid):
        record_failure(email, THROTTLE_REALM)
        return None
    with write_transaction():
        account = db.session.get(ClientAccount, account.id, populate_existing=True)
        client = db.session.get(Client, client.id)
        if not realm.may_sign_in(account, client):  # changed meanwhile
            return None
        clear_failures(email, THROTTLE_REALM)
        if needs_rehash(account.password_hash):
            account.password_hash = hash_password(password)
        account.last_sign_in_at = utcnow()
        realm.purge_expired()
        realm.new_session(account.id, replacing=realm.browser_token())
        _by_client(record(client, "portal.signed_in", subject=account))
    return account


def sign_out() -> None:
    """End this browser's client session (the row and the cookie)."""
    with write_transaction():
        realm.end_session(realm.browser_token())


def _by_client(event):
    """The timeline says "by the client" for what the client did on their page."""
    event.actor_type, event.actor_id = "client", None
    return event


# --- what other areas ask of accounts ------------------------------------------------------


def delete_account_of(client_id: int) -> None:
    """Remove the client's account; its links and sessions go with it (cascade).
    Caller's transaction (the erasure)."""
    account = account_of(client_id)
    if account is not None:
        db.session.delete(account)


def hand_over_account(member: Client) -> None:
    """A merge: the survivor keeps its own account; a merged profile's account moves to
    the survivor when the survivor has none, else it is deleted (the person now signs
    in as the survivor). Caller's transaction."""
    account = account_of(member.id)
    if account is None or member.merged_into_id is None:
        return
    if account_of(member.merged_into_id) is None:
        account.client_id = member.merged_into_id
        # Signed in as the merged profile: sign in again to see the survivor's page.
        realm.end_sessions_of(account.id)
    else:
        db.session.delete(account)
    db.session.flush()
