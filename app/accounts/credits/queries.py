"""Reads of a client's credits for the Account tab: the ledger and the grants, each in
keyset pages (a page costs the same at any depth), and a grant's state as the Credits
box names it. Each is one query whatever the client's history holds."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Integer, bindparam, select, tuple_

from app.core.extensions import db
from app.core.paths import parse_id
from app.models import StaffMember
from app.models.accounts import CreditGrant, CreditLedgerEntry

LEDGER_PAGE_SIZE = 25
GRANTS_PAGE_SIZE = 20


@dataclass
class LedgerPage:
    """A keyset page of the ledger or of the grants; next_cursor asks for the next."""

    rows: list
    next_cursor: str | None


# --- the ledger, newest first -------------------------------------------------------

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
_CURSOR = re.compile(r"([0-9]{1,17})-([0-9]{1,10})")  # ASCII digits, as encode_cursor writes


def encode_cursor(created_at: datetime, entry_id: int) -> str:
    return f"{(created_at - EPOCH) // MICROSECOND}-{entry_id}"


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """Raises ValueError for anything that is not a cursor encode_cursor made."""
    match = _CURSOR.fullmatch(cursor)
    if not match:
        raise ValueError("not a ledger cursor")
    entry_id = parse_id(match[2])
    if entry_id is None:
        raise ValueError("ledger cursor out of range")
    try:
        return EPOCH + int(match[1]) * MICROSECOND, entry_id
    except OverflowError as error:
        raise ValueError("ledger cursor out of range") from error


def _ledger_statement(after_cursor: bool):
    statement = (
        select(
            CreditLedgerEntry.id,
            CreditLedgerEntry.created_at,
            CreditLedgerEntry.kind,
            CreditLedgerEntry.amount,
            CreditLedgerEntry.balance_after,
            CreditLedgerEntry.actor_id,
            CreditLedgerEntry.reason,
            StaffMember.name.label("actor_name"),
        )
        .outerjoin(StaffMember, StaffMember.id == CreditLedgerEntry.actor_id)
        .where(CreditLedgerEntry.client_id == bindparam("client_id"))
    )
    if after_cursor:
        moment = bindparam("moment", type_=CreditLedgerEntry.created_at.type)
        statement = statement.where(
            tuple_(CreditLedgerEntry.created_at, CreditLedgerEntry.id)
            < tuple_(moment, bindparam("entry_id"))
        )
    return statement.order_by(
        CreditLedgerEntry.created_at.desc(), CreditLedgerEntry.id.desc()
    ).limit(bindparam("rows", type_=Integer))


# Built once, the first page's and the next pages' (building one costs about what
# running it does).
_LEDGER_FIRST_PAGE, _LEDGER_NEXT_PAGE = _ledger_statement(False), _ledger_statement(True)


def ledger_page(
    client_id: int, before: str | None = None, limit: int = LEDGER_PAGE_SIZE
) -> LedgerPage:
    """Ledger entries newest first, keyset-paged on (created_at, id) with limit + 1 rows:
    ties neither repeat nor vanish, and a page costs the same at any depth. Rows of the
    columns the tab shows (no ORM objects: the rows are only read, a page at a time)."""
    parameters = {"client_id": client_id, "rows": limit + 1}
    statement = _LEDGER_FIRST_PAGE
    if before:
        moment, entry_id = decode_cursor(before)
        parameters |= {"moment": moment, "entry_id": entry_id}
        statement = _LEDGER_NEXT_PAGE
    rows = db.session.connection().execute(statement, parameters).all()
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor(last.created_at, last.id)
    return LedgerPage(rows=rows[:limit], next_cursor=next_cursor)


# --- grants of credits, newest first -----------------------------------------------


def grant_state(grant: CreditGrant, now: datetime) -> str:
    """redeemable | redeemed | revoked | expired, as the Credits box names them."""
    if grant.revoked_at is not None:
        return "revoked"
    if grant.expired_at is not None or grant.expires_at <= now:
        return "redeemed" if grant.remaining == 0 else "expired"
    return "redeemable" if grant.remaining > 0 else "redeemed"


GRANT_STATES = {
    "redeemable": "Redeemable",
    "redeemed": "Redeemed",
    "revoked": "Revoked",
    "expired": "Expired",
}


def grants_page(
    client_id: int, before: str | None = None, limit: int = GRANTS_PAGE_SIZE
) -> LedgerPage:
    """Grants of credits newest first, keyset-paged like the ledger (the rows are
    CreditGrant objects): a client with a thousand grants sees them all, a page at a time."""
    statement = select(CreditGrant).where(CreditGrant.client_id == client_id)
    if before:
        moment, grant_id = decode_cursor(before)
        statement = statement.where(
            tuple_(CreditGrant.created_at, CreditGrant.id) < tuple_(moment, grant_id)
        )
    grants = list(
        db.session.scalars(
            statement.order_by(CreditGrant.created_at.desc(), CreditGrant.id.desc()).limit(
                limit + 1
            )
        )
    )
    next_cursor = None
    if len(grants) > limit:
        last = grants[limit - 1]
        next_cursor = encode_cursor(last.created_at, last.id)
    return LedgerPage(rows=grants[:limit], next_cursor=next_cursor)
