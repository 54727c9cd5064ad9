"""Memberships, packs, credits and passes (the `accounts` area).

A plan is sold to a client as a `Membership` (kind "membership": recurring, billed each
period; kind "pack": a number of credits once). Credits live in `CreditGrant` rows (how
many were granted, how many remain, when they expire); every change of a client's credits
is an append-only `CreditLedgerEntry`, and the client's balance is kept beside the ledger
in `ClientCreditBalance`, changed in the same transaction by an atomic UPDATE (never read,
add, write back: two staff adjusting at once would lose one of the changes).

Money is integer minor units of the business currency. Dates of a membership (start,
next payment due, pause, end) are calendar dates of the business; a credit expires at an
instant (midnight in the business time zone at the end of its last day), stored UTC.
"""

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow

PLAN_NAME_MAX_LENGTH = 100
ACCOUNT_REASON_MAX_LENGTH = 200
PASS_NUMBER_MAX_LENGTH = 64

PLAN_KINDS = {"membership": "Membership", "pack": "Pack"}
BILLING_PERIODS = {"week": "Weekly", "month": "Monthly", "year": "Yearly"}
MEMBERSHIP_STATUSES = {
    "active": "Active",
    "paused": "Paused",
    "cancelled": "Cancelled",
    "expired": "Expired",
}
PAYMENT_METHODS = {
    "cash": "Cash",
    "card_terminal": "Card at the terminal",
    "bank_transfer": "Bank transfer",
}
# Where a grant of credits came from.
GRANT_SOURCES = {"membership": "Membership", "pack": "Pack", "issued": "Issued by staff"}
# Every change of credits, as the ledger names it.
LEDGER_KINDS = {
    "grant": "Granted",
    "redeem": "Redeemed",
    "return": "Returned",
    "revoke": "Revoked",
    "expire": "Expired",
    "adjust": "Adjusted",
}
# What became of the credit a session asked for.
BOOKING_CREDIT_STATUSES = {
    "redeemed": "Paid with a credit",
    "returned": "Credit returned",
    "forfeited": "Credit forfeited",
    "unpaid": "Unpaid (no credit left)",
}

# Which services a plan's credits pay for; a plan with none listed covers every service.
plan_services = Table(
    "plan_services",
    Base.metadata,
    Column("plan_id", ForeignKey("membership_plans.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
)


class MembershipPlan(Base):
    """What the business sells: a membership (a price per billing period, a minimum
    term in periods, credits each period) or a pack (a price once, a number of credits
    that expire a number of days after the sale)."""

    __tablename__ = "membership_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(PLAN_NAME_MAX_LENGTH))
    kind: Mapped[str] = mapped_column(String(10))
    price_minor: Mapped[int] = mapped_column(Integer)
    billing_period: Mapped[str | None] = mapped_column(String(10))  # memberships only
    minimum_term: Mapped[int] = mapped_column(Integer, default=1)  # in billing periods
    # A membership's credits per period, a pack's credits in all.
    credits: Mapped[int] = mapped_column(Integer, default=0)
    # Days a grant of this plan's credits lasts (its last day included); None: a
    # membership's credits last their period.
    credit_expiry_days: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Membership(Base):
    """One plan sold to one client: a membership (recurring) or a pack."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("membership_plans.id"))
    kind: Mapped[str] = mapped_column(String(10))  # the plan's, when sold
    price_minor: Mapped[int] = mapped_column(Integer)  # the plan's, when sold
    status: Mapped[str] = mapped_column(String(10), default="active")
    starts_on: Mapped[date] = mapped_column(Date)
    # Memberships: the first day of the next unpaid period (overdue once it has passed).
    next_payment_due: Mapped[date | None] = mapped_column(Date)
    paused_from: Mapped[date | None] = mapped_column(Date)
    paused_until: Mapped[date | None] = mapped_column(Date)  # the last day of the pause
    # The last day: a cancelled membership's (the minimum term honoured), a pack's expiry.
    ends_on: Mapped[date | None] = mapped_column(Date)
    cancel_reason: Mapped[str | None] = mapped_column(String(ACCOUNT_REASON_MAX_LENGTH))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        Index("ix_memberships_client_status", "client_id", "status"),
        # The recurring-credits and overdue jobs read only the live memberships.
        Index("ix_memberships_status_due", "status", "next_payment_due"),
    )


class MembershipPayment(Base):
    """A period of a membership marked paid (recorded, not processed)."""

    __tablename__ = "membership_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    amount_minor: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(20))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)  # the period's last day
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_membership_payments_client", "client_id", "recorded_at", "id"),)


class CreditGrant(Base):
    """Credits given at once: a membership's for one period, a pack's, or issued by
    staff. `remaining` falls as they are redeemed, revoked or expire."""

    __tablename__ = "credit_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    membership_id: Mapped[int | None] = mapped_column(
        ForeignKey("memberships.id", ondelete="SET NULL")
    )
    source: Mapped[str] = mapped_column(String(10))
    quantity: Mapped[int] = mapped_column(Integer)
    remaining: Mapped[int] = mapped_column(Integer)
    # The membership period the grant is for (one grant per period, however often the
    # job runs: a unique index).
    period_start: Mapped[date | None] = mapped_column(Date)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)  # cannot be edited
    reason: Mapped[str | None] = mapped_column(String(ACCOUNT_REASON_MAX_LENGTH))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when the job ran
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # Redeeming takes the grant that expires first.
        Index("ix_credit_grants_client_expires", "client_id", "expires_at", "id"),
        Index(
            "uq_credit_grants_membership_period",
            "membership_id",
            "period_start",
            unique=True,
            sqlite_where=text("period_start IS NOT NULL"),
            postgresql_where=text("period_start IS NOT NULL"),
        ),
    )


# Which services a grant issued by staff pays for; none listed: every service (a grant
# of a plan follows the plan's services).
credit_grant_services = Table(
    "credit_grant_services",
    Base.metadata,
    Column("grant_id", ForeignKey("credit_grants.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
)


class CreditLedgerEntry(Base):
    """One change of a client's credits, never updated or deleted: `amount` is signed,
    `balance_after` the client's balance once it was written."""

    __tablename__ = "credit_ledger"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    grant_id: Mapped[int | None] = mapped_column(
        ForeignKey("credit_grants.id", ondelete="SET NULL")
    )
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10))
    amount: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(ACCOUNT_REASON_MAX_LENGTH))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # The Account tab's keyset pages, newest first.
        Index("ix_credit_ledger_client_created", "client_id", "created_at", "id"),
    )


class ClientCreditBalance(Base):
    """The client's redeemable credits, kept beside the ledger in the same transaction,
    with the ledger's totals the Credits box shows (signed as the ledger signs them:
    credits redeemed less those returned, revoked, expired), so that the profile reads
    one row whatever the length of the ledger."""

    __tablename__ = "client_credit_balances"

    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    balance: Mapped[int] = mapped_column(Integer, default=0)
    redeemed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    revoked: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    expired: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BookingCredit(Base):
    """What paid for a session: the credit redeemed for it (then returned or forfeited),
    or nothing ("unpaid": no credit was left)."""

    __tablename__ = "booking_credits"

    booking_id: Mapped[int] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True
    )
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    grant_id: Mapped[int | None] = mapped_column(
        ForeignKey("credit_grants.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Pass(Base):
    """A physical membership card or key tag: its number finds the client (typed or
    scanned). Unique among the passes in use; a replaced one stops working."""

    __tablename__ = "passes"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(PASS_NUMBER_MAX_LENGTH))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # replaced or lost
    end_reason: Mapped[str | None] = mapped_column(String(ACCOUNT_REASON_MAX_LENGTH))

    __table_args__ = (
        Index(
            "uq_passes_number_in_use",
            "number",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )
