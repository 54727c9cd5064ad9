"""What the accounts area as a whole adds to the rest of the app: the profile's Account
tab (memberships and packs, payments, grants, the balance, the ledger and the passes, with
the template filters that word them) and the area's step of the erasure. Each of
memberships/, credits/ and passes/ adds its own parts in its own parts.py."""

from sqlalchemy import delete

from app.accounts.credits.ledger import balance_of, last_day
from app.accounts.credits.queries import GRANT_STATES, grant_state, grants_page, ledger_page
from app.accounts.memberships.ops import LIVE_STATUSES
from app.accounts.memberships.queries import memberships_of, recent_payments
from app.accounts.passes.parts import passes_part
from app.core.clock import business_today
from app.core.erasure import ErasureStep
from app.core.extensions import db
from app.core.parts import ProfileTab
from app.models import utcnow
from app.models.accounts import (
    BILLING_PERIODS,
    BOOKING_CREDIT_STATUSES,
    GRANT_SOURCES,
    LEDGER_KINDS,
    MEMBERSHIP_STATUSES,
    PAYMENT_METHODS,
    PLAN_KINDS,
    Pass,
)

# --- the Account tab ----------------------------------------------------------------


def _words_of(labels: dict):
    return lambda key: labels.get(key, key)


# How the Account tab words the area's stored keys.
ACCOUNT_FILTERS = {
    name: _words_of(labels)
    for name, labels in (
        ("account_plan_kind", PLAN_KINDS),
        ("account_billing_period", BILLING_PERIODS),
        ("account_membership_status", MEMBERSHIP_STATUSES),
        ("account_payment_method", PAYMENT_METHODS),
        ("account_ledger_kind", LEDGER_KINDS),
        ("account_grant_state", GRANT_STATES),
        ("account_booking_credit_status", BOOKING_CREDIT_STATUSES),
        ("account_grant_source", GRANT_SOURCES),
    )
} | {
    "account_grant_state_of": grant_state,
    # A credit lasts to the end of its last day (midnight after it): staff read that day.
    "account_last_day": last_day,
}


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
        "payments": recent_payments(client.id),
        "grants": grants_page(client.id),
        "grants_before": None,
        "balance": balance_of(client.id),
        "ledger": ledger_page(client.id),
        "ledger_before": None,
        "passes_part": passes_part(client),
    }


ACCOUNT_TAB = ProfileTab(
    "account",
    "Account",
    "accounts.account_tab",
    order=105,  # after Sessions, before Check-ins
    template="accounts/_account_tab.html",
    load=_account_tab,
    queries=6,
)


# --- the erasure --------------------------------------------------------------------


def _erase_accounts(client) -> None:
    """The money stays: memberships, payments, grants, the ledger, the balance and what
    paid for each session are the business's records, kept under "Deleted Client" (the
    client row itself is anonymised). Their reasons are kept too: they are staff's words
    about a sale, a cancellation or an adjustment of credits, not about the person.
    Passes go: a card or key tag number identifies the person who carries it."""
    db.session.execute(delete(Pass).where(Pass.client_id == client.id))


ACCOUNTS_ERASURE = ErasureStep(
    "accounts",
    _erase_accounts,
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
