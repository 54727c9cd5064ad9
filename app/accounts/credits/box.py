"""The Credits box on the profile's Overview: the redeemable grants (the first
BOX_GRANTS to expire, with the services each pays for) and, from the totals kept beside
the balance, the credits redeemed, revoked and expired; in one query of its own, or
riding on the profile's own statement."""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import BigInteger, String, bindparam, cast, extract, func, select, true

from app.accounts.credits.ledger import KEPT_TOTALS
from app.accounts.credits.redeeming import live_grants
from app.core.database import inline_constants
from app.core.extensions import db
from app.models import Service, utcnow
from app.models.accounts import (
    GRANT_SOURCES,
    ClientCreditBalance,
    CreditGrant,
    credit_grant_services,
)

BOX_GRANTS = 50  # redeemable grants listed in the box (the total counts them all)


def _ledger_totals():
    """The client's credits redeemed (less those returned), revoked and expired, as kept
    beside the balance (one row read, however long the ledger): one row, always there,
    of zeros for a client without a ledger."""
    return select(
        *(
            func.coalesce(func.max(getattr(ClientCreditBalance, total)), 0).label(total)
            for total in KEPT_TOTALS
        )
    ).where(ClientCreditBalance.client_id == bindparam("client_id"))


def _box(client_id, grants, services, redeemable, totals) -> dict:
    redeemable = redeemable or 0
    return {
        "client_id": client_id,
        "redeemable": redeemable,
        "grants": grants,
        "grant_services": services,
        "more_grants": redeemable > sum(g.remaining for g in grants),
        "redeemed": -totals.redeemed,
        "revoked": -totals.revoked,
        "expired": -totals.expired,
        "sources": GRANT_SOURCES,
    }


# --- the box on the profile's own statement -------------------------------------------

# Riding on the profile's statement saves the box a query of its own: about 5% of the
# profile on PostgreSQL (bench/RESULTS.md, "Speed tricks").
# The redeemable grants come packed in one text column (as the profile's labels do):
# grants apart by _RECORD, a grant's fields by _FIELD, its services by _ITEM. No reason,
# plan or service name holds these: forms refuse control characters, and a reason's
# whitespace is folded to single spaces.
_RECORD, _FIELD, _ITEM = "\x1e", "\x1f", "\x1d"


@dataclass(frozen=True, slots=True)
class BoxGrant:
    """What the box shows of a grant."""

    id: int
    remaining: int
    quantity: int
    source: str
    expires_at: datetime
    reason: str | None


@dataclass(frozen=True, slots=True)
class _Totals:
    redeemed: int
    revoked: int
    expired: int


def _box_parts():
    """The box as two one-row derived tables of the client (by its id): the ledger's
    totals, and the redeemable grants that expire first, packed, with their sum."""
    totals = _ledger_totals().subquery("credit_totals")
    live = (
        live_grants(bindparam("client_id"), bindparam("now", type_=CreditGrant.expires_at.type))
        .with_only_columns(
            CreditGrant.id,
            CreditGrant.remaining,
            CreditGrant.quantity,
            CreditGrant.source,
            CreditGrant.expires_at,
            CreditGrant.reason,
            func.sum(CreditGrant.remaining).over().label("redeemable"),
        )
        .limit(BOX_GRANTS)
        .subquery("box_grants")
    )
    services = (
        select(func.aggregate_strings(Service.name, _ITEM))
        .select_from(credit_grant_services)
        .join(Service, Service.id == credit_grant_services.c.service_id)
        .where(credit_grant_services.c.grant_id == live.c.id)
        .scalar_subquery()
    )
    fields = (
        cast(live.c.id, String),
        cast(live.c.remaining, String),
        cast(live.c.quantity, String),
        live.c.source,
        cast(cast(extract("epoch", live.c.expires_at), BigInteger), String),
        func.coalesce(services, ""),
        func.coalesce(live.c.reason, ""),
    )
    record = fields[0]
    for field in fields[1:]:
        record = record.concat(_FIELD).concat(field)
    packed = select(
        func.aggregate_strings(record, _RECORD).label("grants"),
        func.max(live.c.redeemable).label("redeemable"),
    ).subquery("credit_box")
    columns = (
        totals.c.redeemed.label("credits_redeemed"),
        totals.c.revoked.label("credits_revoked"),
        totals.c.expired.label("credits_expired"),
        packed.c.grants.label("credits_grants"),
        packed.c.redeemable.label("credits_redeemable"),
    )
    return totals, packed, columns


def with_credits_box(statement):
    """The box added to the profile's select (app.profile.ProfileColumns)."""
    totals, packed, columns = _box_parts()
    return statement.join(totals, true()).join(packed, true()).add_columns(*columns)


def _box_on_its_own():
    totals, packed, columns = _box_parts()
    return select(*columns).select_from(totals).join(packed, true())


# Built once (building it cost more than running it).
_BOX = inline_constants(_box_on_its_own())


def credits_box(client_id: int, now: datetime | None = None) -> dict:
    """What the box shows, in one query: the redeemable grants (the first BOX_GRANTS to
    expire), and from the ledger the credits redeemed, revoked and expired."""
    parameters = {"client_id": client_id, "now": now or utcnow()}
    row = db.session.connection().execute(_BOX, parameters).one()
    return _read_box(client_id, row._mapping)


def credits_box_of(client, values) -> dict:
    """credits_box() from the profile's row (with_credits_box)."""
    return _read_box(client.id, values)


def _read_box(client_id: int, values) -> dict:
    grants, services = [], {}
    for record in (values["credits_grants"] or "").split(_RECORD):
        if not record:
            continue
        grant_id, remaining, quantity, source, epoch, names, reason = record.split(_FIELD, 6)
        grant = BoxGrant(
            int(grant_id),
            int(remaining),
            int(quantity),
            source,
            datetime.fromtimestamp(int(epoch), UTC),
            reason or None,
        )
        grants.append(grant)
        services[grant.id] = sorted(names.split(_ITEM)) if names else []
    grants.sort(key=lambda grant: (grant.expires_at, grant.id))
    totals = _Totals(
        values["credits_redeemed"], values["credits_revoked"], values["credits_expired"]
    )
    return _box(client_id, grants, services, values["credits_redeemable"], totals)
