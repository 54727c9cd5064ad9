"""What memberships add to the rest of the app: the timeline's words for their fields,
the card under the client's name, the badge beside it in lists, the profile's "New
membership" action, and the memberships' section of the one-client export."""

from sqlalchemy import select

from app.accounts.memberships.card import (
    live_membership,
    membership_badges,
    membership_card_of,
    with_membership_card,
)
from app.core.export import ExportSection
from app.core.extensions import db
from app.core.parts import (
    ClientBadges,
    HeaderCard,
    ProfileAction,
    ProfileColumns,
)
from app.models.accounts import Membership, MembershipPayment, MembershipPlan

MEMBERSHIP_FIELD_LABELS = {
    "plan": "Plan",
    "membership_starts": "Starts",
    "next_payment_due": "Next payment due",
    "payment": "Payment",
    "paid_period": "Period",
    "pause": "Pause",
    "membership_ends": "Ends",
}


# --- the profile's parts -------------------------------------------------------------------


def _card(client) -> dict:
    return {"view": live_membership(client.id)}


def _card_from_profile(client, values) -> dict:
    return {"view": membership_card_of(values)}


MEMBERSHIP_HEADER_CARD = HeaderCard(
    "membership",
    "accounts/_membership_card.html",
    order=10,
    load=_card,
    queries=1,
    columns=ProfileColumns(with_membership_card, _card_from_profile),
)
MEMBERSHIP_BADGES = ClientBadges("membership", membership_badges, queries=1)
NEW_MEMBERSHIP_ACTION = ProfileAction(
    "new-membership", "New membership", "accounts.new_membership", order=20
)


# --- the one-client export ----------------------------------------------------------


def _iso(value):
    return value.isoformat() if value is not None else None


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


MEMBERSHIPS_EXPORT = ExportSection(
    "memberships", _export_memberships, tables=("memberships", "membership_payments")
)


MEMBERSHIP_ROW_WORDS = {
    "memberships": ("membership or pack", "memberships and packs"),
    "membership_payments": ("payment", "payments"),
}
