"""What the accounts area adds to the rest of the app: the profile's Account tab, the
pass on the client page, the pass finder, and the accounts tables' place in the
one-client export, the erasure and the merge."""

import segno
from flask import abort, request
from markupsafe import Markup
from sqlalchemy import case, delete, func, insert, select, update

from app.accounts import bp, queries
from app.accounts.ledger import KEPT_TOTALS, LEDGER_TOTALS, last_day
from app.accounts.memberships import LIVE_STATUSES, memberships_of
from app.accounts.passes import passes_part
from app.core.clock import business_today
from app.core.database import PERSONAL_TABLES
from app.core.erasure import erasure_step
from app.core.export import export_section
from app.core.extensions import db
from app.core.htmx import is_fragment_request, render_page
from app.core.parts import OverviewCard, ProfileTab, register_card, register_tab
from app.core.permissions import Permission, requires
from app.data.merge import derived_per_client
from app.data.words import ROW_WORDS
from app.models import Client, Service, StaffMember, utcnow
from app.models.accounts import (
    BILLING_PERIODS,
    BOOKING_CREDIT_STATUSES,
    GRANT_SOURCES,
    LEDGER_KINDS,
    MEMBERSHIP_STATUSES,
    PAYMENT_METHODS,
    PLAN_KINDS,
    BookingCredit,
    ClientCreditBalance,
    CreditGrant,
    CreditLedgerEntry,
    Membership,
    MembershipPayment,
    MembershipPlan,
    Pass,
    credit_grant_services,
)

# --- the Account tab ----------------------------------------------------------------

for _name, _labels in (
    ("account_plan_kind", PLAN_KINDS),
    ("account_billing_period", BILLING_PERIODS),
    ("account_membership_status", MEMBERSHIP_STATUSES),
    ("account_payment_method", PAYMENT_METHODS),
    ("account_ledger_kind", LEDGER_KINDS),
    ("account_grant_state", queries.GRANT_STATES),
    ("account_booking_credit_status", BOOKING_CREDIT_STATUSES),
    ("account_grant_source", GRANT_SOURCES),
):
    bp.add_app_template_filter(lambda key, labels=_labels: labels.get(key, key), _name)
bp.add_app_template_filter(queries.grant_state, "account_grant_state_of")
# A credit lasts to the end of its last day (midnight after it): staff read that day.
bp.add_app_template_filter(last_day, "account_last_day")


def _account_tab(client) -> dict:
    """Six queries: memberships and packs, payments, grants, the balance, the ledger's
    first page and the passes."""
    return {
        "now": utcnow(),
        "today": business_today(),
        # Current ones (active, paused) first, then the past, each newest first.
        "memberships": sorted(
            memberships_of(client.id),
            key=lambda row: row.membership.status not in LIVE_STATUSES,
        ),
        "payments": queries.recent_payments(client.id),
        "grants": queries.grants_page(client.id),
        "grants_before": None,
        "balance": queries.balance_of(client.id),
        "ledger": queries.ledger_page(client.id),
        "ledger_before": None,
        "passes_part": passes_part(client),
    }


register_tab(
    ProfileTab(
        "account",
        "Account",
        "accounts.account_tab",
        order=105,  # after Sessions, before Check-ins
        template="accounts/_account_tab.html",
        load=_account_tab,
        queries=6,
    )
)


@bp.get("/clients/<id:client_id>/account")
@requires(Permission.VIEW_CLIENTS)
def account_tab(client_id: int):
    from app.core.profile_shell import render_profile_tab

    return render_profile_tab(client_id, "account")


def _next_page(client_id: int, read_page, name: str, block: str, **context):
    """A list's next page on the Account tab (the sentinel at the end of a page asks
    for it with ?before=): the rows alone for htmx; without it, the Account tab with the
    list from that point. `name` is the list's key in the tab's data."""
    before = request.args.get("before") or None
    try:
        page = read_page(client_id, before)
    except ValueError:
        abort(400)
    if not is_fragment_request():
        from app.core.profile_shell import render_profile_tab

        return render_profile_tab(client_id, "account", **{name: page, f"{name}_before": before})
    if not page.rows and db.session.get(Client, client_id) is None:
        abort(404)
    return render_page(
        "accounts/_account_tab.html",
        block,
        client_id=client_id,
        tab_data={name: page, f"{name}_before": before, **context},
    )


@bp.get("/clients/<id:client_id>/account/ledger")
@requires(Permission.VIEW_CLIENTS)
def ledger(client_id: int):
    return _next_page(client_id, queries.ledger_page, "ledger", "ledger_rows")


@bp.get("/clients/<id:client_id>/account/grants")
@requires(Permission.VIEW_CLIENTS)
def grants(client_id: int):
    return _next_page(client_id, queries.grants_page, "grants", "grant_rows", now=utcnow())


# --- the client page: the pass as a QR code -----------------------------------------


def pass_qr_svg(number: str) -> Markup:
    """An inline SVG QR code of the number (drawn here, no image requested elsewhere)."""
    code = segno.make(number, error="m", micro=False)
    svg = code.svg_inline(scale=6, border=2, dark="#000", light="#fff", omitsize=True)
    # segno writes the SVG from the code's modules alone: no text of ours is in it.
    return Markup(svg)  # noqa: S704


def _client_pass(client) -> dict:
    number = queries.active_pass_number(client.id)
    return {"number": number, "qr": pass_qr_svg(number) if number else None}


register_card(
    OverviewCard(
        "client-pass",
        None,  # the client page's only
        order=5,
        client_facing=True,
        client_template="accounts/_client_pass.html",
        client_load=_client_pass,
        client_queries=1,
    )
)

# --- the one-client export ----------------------------------------------------------


def _iso(value):
    return value.isoformat() if value is not None else None


def _staff_names() -> dict[int, str]:
    return dict(db.session.execute(select(StaffMember.id, StaffMember.name)).all())


@export_section("memberships", tables=("memberships", "membership_payments"))
def _export_memberships(client) -> list[dict]:
    rows = db.session.execute(
        select(Membership, MembershipPlan.name)
        .join(MembershipPlan, MembershipPlan.id == Membership.plan_id)
        .where(Membership.client_id == client.id)
        .order_by(Membership.starts_on, Membership.id)
    ).all()
    payments: dict[int, list[dict]] = {}
    for payment in db.session.scalars(
        select(MembershipPayment)
        .where(MembershipPayment.client_id == client.id)
        .order_by(MembershipPayment.recorded_at, MembershipPayment.id)
    ):
        payments.setdefault(payment.membership_id, []).append(
            {
                "amount_minor": payment.amount_minor,
                "method": payment.method,
                "period_start": _iso(payment.period_start),
                "period_end": _iso(payment.period_end),
                "recorded_at": _iso(payment.recorded_at),
            }
        )
    return [
        {
            "plan": plan_name,
            "kind": membership.kind,
            "price_minor": membership.price_minor,
            "status": membership.status,
            "starts_on": _iso(membership.starts_on),
            "next_payment_due": _iso(membership.next_payment_due),
            "paused_from": _iso(membership.paused_from),
            "paused_until": _iso(membership.paused_until),
            "ends_on": _iso(membership.ends_on),
            "cancel_reason": membership.cancel_reason,
            "payments": payments.get(membership.id, []),
        }
        for membership, plan_name in rows
    ]


@export_section(
    "credits",
    tables=("credit_grants", "credit_ledger", "client_credit_balances", "booking_credits"),
)
def _export_credits(client) -> dict:
    names = _staff_names()
    balance = db.session.scalar(
        select(ClientCreditBalance.balance).where(ClientCreditBalance.client_id == client.id)
    )
    grants = db.session.scalars(
        select(CreditGrant)
        .where(CreditGrant.client_id == client.id)
        .order_by(CreditGrant.created_at, CreditGrant.id)
    ).all()
    ledger = db.session.scalars(
        select(CreditLedgerEntry)
        .where(CreditLedgerEntry.client_id == client.id)
        .order_by(CreditLedgerEntry.created_at, CreditLedgerEntry.id)
    ).all()
    sessions = db.session.scalars(
        select(BookingCredit)
        .where(BookingCredit.client_id == client.id)
        .order_by(BookingCredit.booking_id)
    ).all()
    # The services a grant issued for chosen services pays for (none listed: every one).
    services: dict[int, list[str]] = {}
    for grant_id, name in db.session.execute(
        select(credit_grant_services.c.grant_id, Service.name)
        .join(Service, Service.id == credit_grant_services.c.service_id)
        .join(CreditGrant, CreditGrant.id == credit_grant_services.c.grant_id)
        .where(CreditGrant.client_id == client.id)
        .order_by(Service.name)
    ):
        services.setdefault(grant_id, []).append(name)
    return {
        "balance": balance or 0,
        "grants": [
            {
                "source": grant.source,
                "quantity": grant.quantity,
                "remaining": grant.remaining,
                "period_start": _iso(grant.period_start),
                "expires_at": _iso(grant.expires_at),
                "reason": grant.reason,
                "services": services.get(grant.id, []),
                "revoked_at": _iso(grant.revoked_at),
                "expired_at": _iso(grant.expired_at),
                "created_at": _iso(grant.created_at),
            }
            for grant in grants
        ],
        "ledger": [
            {
                "at": _iso(entry.created_at),
                "kind": entry.kind,
                "amount": entry.amount,
                "balance_after": entry.balance_after,
                "reason": entry.reason,
                "session_id": entry.booking_id,
                "by": names.get(entry.actor_id),
            }
            for entry in ledger
        ],
        "sessions": [{"session_id": row.booking_id, "status": row.status} for row in sessions],
    }


@export_section("passes", tables=("passes",))
def _export_passes(client) -> list[dict]:
    passes = db.session.scalars(
        select(Pass).where(Pass.client_id == client.id).order_by(Pass.created_at, Pass.id)
    ).all()
    return [
        {
            "number": row.number,
            "added_at": _iso(row.created_at),
            "ended_at": _iso(row.ended_at),
            "end_reason": row.end_reason,
        }
        for row in passes
    ]


# --- the erasure --------------------------------------------------------------------


@erasure_step(
    "accounts",
    tables=(
        "memberships",
        "membership_payments",
        "credit_grants",
        "credit_ledger",
        "client_credit_balances",
        "booking_credits",
        "passes",
    ),
)
def _erase_accounts(client) -> None:
    """The money stays: memberships, payments, grants, the ledger, the balance and what
    paid for each session are the business's records, kept under "Deleted Client" (the
    client row itself is anonymised). Their reasons are kept too: they are staff's words
    about a sale, a cancellation or an adjustment of credits, not about the person.
    Passes go: a card or key tag number identifies the person who carries it."""
    db.session.execute(delete(Pass).where(Pass.client_id == client.id))


# Pass numbers identify a person: an erasure scrubs this table's files too.
if "passes" not in PERSONAL_TABLES:
    PERSONAL_TABLES.append("passes")


# --- the merge ----------------------------------------------------------------------


@derived_per_client("client_credit_balances")
def refresh_balance(client_id: int) -> None:
    """The client's balance and the ledger's totals as sums of their ledger. A merge
    moves the ledger rows of both profiles to the survivor, so its one balance row is
    the two added (and an undo gives each profile back its own)."""
    entry = CreditLedgerEntry

    def total(*kinds):
        amount = entry.amount if not kinds else case((entry.kind.in_(kinds), entry.amount), else_=0)
        return (
            select(func.coalesce(func.sum(amount), 0))
            .where(entry.client_id == client_id)
            .scalar_subquery()
        )

    sums = {"balance": total()}
    for column in KEPT_TOTALS:
        sums[column] = total(*(kind for kind, kept in LEDGER_TOTALS.items() if kept == column))
    changed = db.session.execute(
        update(ClientCreditBalance)
        .where(ClientCreditBalance.client_id == client_id)
        .values(**sums, updated_at=utcnow())
    ).rowcount
    if not changed and db.session.scalar(
        select(CreditLedgerEntry.id).where(CreditLedgerEntry.client_id == client_id).limit(1)
    ):
        db.session.execute(
            insert(ClientCreditBalance).values(client_id=client_id, **sums, updated_at=utcnow())
        )


ROW_WORDS.setdefault("memberships", ("membership or pack", "memberships and packs"))
ROW_WORDS.setdefault("membership_payments", ("payment", "payments"))
ROW_WORDS.setdefault("credit_grants", ("grant of credits", "grants of credits"))
ROW_WORDS.setdefault("credit_ledger", ("credit ledger entry", "credit ledger entries"))
ROW_WORDS.setdefault("booking_credits", ("session paid with credits", "sessions paid with credits"))
ROW_WORDS.setdefault("passes", ("pass", "passes"))
