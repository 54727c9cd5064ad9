"""Writes of memberships and packs: selling one, recording a period paid, a pause
(freeze) and a cancellation honouring the minimum term; each in one transaction,
recorded on the client's timeline.

Dates of a membership are calendar dates of the business (its time zone); every
function that depends on the day takes `today` (the business's today by default), so
tests run on a fixed clock.
"""

import calendar
from datetime import date, timedelta

from app.accounts.dates import add_periods, day_text, range_text
from app.core.clock import business_today
from app.core.database import write_transaction
from app.core.extensions import db
from app.core.permissions import Permission, can
from app.core.templating import money
from app.core.timeline import record
from app.models import Client, utcnow
from app.models.accounts import (
    PAYMENT_METHODS,
    Membership,
    MembershipPayment,
    MembershipPlan,
)

# How far from today a sale may start (a sale entered late, or one agreed ahead).
LONGEST_START_OFFSET = timedelta(days=366)
LONGEST_PAUSE = timedelta(days=366)
LIVE_STATUSES = ("active", "paused")


def _billing_day(membership: Membership, due: date) -> int:
    """The day of the month a membership's payments fall on: its start's, moved by any
    pause (the due date's own day), unless the due date was cut short by a short month."""
    if membership.paused_from is None:
        return membership.starts_on.day
    last = calendar.monthrange(due.year, due.month)[1]
    if due.day == last and membership.starts_on.day > last:
        return membership.starts_on.day
    return due.day


def _next_due(membership: Membership, period: str, due: date) -> date:
    return add_periods(due, period, 1, _billing_day(membership, due))


# --- errors --------------------------------------------------------------------------------


class MembershipRefused(ValueError):
    """What the rules refuse, said beside the field `field`."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class MembershipChanged(Exception):
    """The membership changed since the form was opened (its version moved on)."""

    def __init__(self, membership: Membership, plan_name: str):
        super().__init__("the membership changed meanwhile")
        self.membership = membership
        self.plan_name = plan_name


# --- the writes ------------------------------------------------------------------------------


def _live_client(client_id: int) -> Client:
    """The client locked for the write; LookupError (a 404) for a client gone, in the
    trash, erased or merged, whose accounts take no new writes."""
    client = db.session.get(Client, client_id, with_for_update=True)
    if client is None or not client.takes_new_records:
        raise LookupError(client_id)
    return client


def _require(actor) -> None:
    if not can(actor, Permission.EDIT_CLIENTS):
        raise PermissionError("edit_clients")


def _method_label(method: str) -> str:
    return PAYMENT_METHODS[method].lower()


def sell_membership(
    client_id: int,
    plan_id: int,
    starts_on: date,
    actor,
    *,
    paid_with: str | None = None,
    today: date | None = None,
) -> Membership:
    """Sell a plan to the client from `starts_on`. A membership's first period is due at
    once, or recorded paid when `paid_with` names a payment method; a pack's credits are
    granted at once and last its expiry days (the first day included)."""
    _require(actor)
    today = today or business_today()
    if abs(starts_on - today) > LONGEST_START_OFFSET:
        raise MembershipRefused("starts_on", "Choose a start date within a year of today.")
    if paid_with is not None and paid_with not in PAYMENT_METHODS:
        raise MembershipRefused("method", "Choose how it was paid.")
    with write_transaction():
        client = _live_client(client_id)
        plan = db.session.get(MembershipPlan, plan_id)
        if plan is None or not plan.active:
            raise MembershipRefused("plan", "Choose one of the plans offered.")
        now = utcnow()
        membership = Membership(
            client_id=client.id,
            plan_id=plan.id,
            kind=plan.kind,
            price_minor=plan.price_minor,
            status="active",
            starts_on=starts_on,
            created_by_id=actor.id,
            created_at=now,
            updated_at=now,
            version=1,
        )
        changes = {"plan": [None, plan.name], "membership_starts": [None, day_text(starts_on)]}
        if plan.kind == "pack":
            membership.ends_on = starts_on + timedelta(days=(plan.credit_expiry_days or 1) - 1)
            membership.next_payment_due = starts_on  # paid now: cleared below
            changes["membership_ends"] = [None, day_text(membership.ends_on)]
        else:
            membership.next_payment_due = starts_on
        db.session.add(membership)
        db.session.flush()
        if paid_with:
            _add_payment(membership, plan, client, plan.price_minor, paid_with, actor, now)
            changes["payment"] = [None, f"{money(plan.price_minor)} by {_method_label(paid_with)}"]
        if membership.next_payment_due is not None:
            changes["next_payment_due"] = [None, day_text(membership.next_payment_due)]
        verb = "membership.pack_sold" if plan.kind == "pack" else "membership.started"
        record(client, verb, actor, subject=membership, changes=changes, at=now)
        if plan.kind == "pack" and plan.credits > 0:
            from app.accounts.credits.ledger import credit_expiry_instant, grant_credits

            grant_credits(
                client,
                plan.credits,
                credit_expiry_instant(membership.ends_on),
                "pack",
                actor,
                membership_id=membership.id,
                period_start=starts_on,
                now=now,
            )
    return membership


def _add_payment(membership, plan, client, amount_minor, method, actor, now) -> MembershipPayment:
    """The period starting at next_payment_due (a pack: its whole life) marked paid;
    next_payment_due moves one period on."""
    first = membership.next_payment_due
    if membership.kind == "pack":
        last = membership.ends_on
        following = None
    else:
        following = _next_due(membership, plan.billing_period or "month", first)
        last = following - timedelta(days=1)
    payment = MembershipPayment(
        membership_id=membership.id,
        client_id=client.id,
        amount_minor=amount_minor,
        method=method,
        period_start=first,
        period_end=last,
        recorded_by_id=actor.id,
        recorded_at=now,
    )
    db.session.add(payment)
    membership.next_payment_due = following
    return payment


def _membership_for_write(membership_id: int, client_id: int, version: int | None):
    client = _live_client(client_id)
    membership = db.session.get(Membership, membership_id, with_for_update=True)
    if membership is None or membership.client_id != client.id:
        raise LookupError(membership_id)
    plan = db.session.get(MembershipPlan, membership.plan_id)
    if version is not None and membership.version != version:
        raise MembershipChanged(membership, plan.name)
    return client, membership, plan


def touch(membership: Membership, now) -> None:
    membership.version += 1
    membership.updated_at = now


def record_payment(
    client_id: int,
    membership_id: int,
    method: str,
    amount_minor: int,
    actor,
    *,
    version: int | None = None,
    today: date | None = None,
) -> MembershipPayment:
    """Mark the period starting at next_payment_due paid and move the date one period on."""
    _require(actor)
    if method not in PAYMENT_METHODS:
        raise MembershipRefused("method", "Choose how it was paid.")
    if amount_minor < 0:
        raise MembershipRefused("amount", "The amount cannot be negative.")
    with write_transaction():
        client, membership, plan = _membership_for_write(membership_id, client_id, version)
        plan_name = plan.name
        due = membership.next_payment_due
        if membership.status == "expired" or due is None:
            raise MembershipRefused("method", "Nothing is due on this membership.")
        if (
            membership.ends_on is not None
            and membership.kind != "pack"
            and due > membership.ends_on
        ):
            raise MembershipRefused("method", "Every period up to its end is paid.")
        now = utcnow()
        payment = _add_payment(membership, plan, client, amount_minor, method, actor, now)
        touch(membership, now)
        after = membership.next_payment_due
        changes = {
            "plan": [None, plan_name],
            "payment": [None, f"{money(amount_minor)} by {_method_label(method)}"],
            "paid_period": [None, range_text(payment.period_start, payment.period_end)],
        }
        if after is not None:
            changes["next_payment_due"] = [day_text(due), day_text(after)]
        record(
            client,
            "membership.payment_recorded",
            actor,
            subject=membership,
            changes=changes,
            at=now,
        )
    return payment


def pause_membership(
    client_id: int,
    membership_id: int,
    first: date,
    last: date,
    actor,
    *,
    version: int | None = None,
    today: date | None = None,
) -> Membership:
    """Freeze the membership from `first` to `last` (both included): paused over that
    range (the daily step starts and ends it), the next payment moved by its length."""
    _require(actor)
    today = today or business_today()
    if first < today:
        raise MembershipRefused("paused_from", "A pause starts today or later.")
    if last < first:
        raise MembershipRefused("paused_until", "The pause must end on or after its first day.")
    if last - first >= LONGEST_PAUSE:
        raise MembershipRefused("paused_until", "A pause lasts a year at most.")
    with write_transaction():
        client, membership, plan = _membership_for_write(membership_id, client_id, version)
        plan_name = plan.name
        if membership.kind != "membership" or membership.status not in LIVE_STATUSES:
            raise MembershipRefused("paused_from", "Only a running membership can be paused.")
        if membership.paused_until is not None and membership.paused_until >= today:
            # One pause at a time: the membership keeps only the one it is on or awaits.
            planned = range_text(membership.paused_from, membership.paused_until)
            if first <= membership.paused_until and last >= membership.paused_from:
                raise MembershipRefused(
                    "paused_from", f"It overlaps the pause already planned ({planned})."
                )
            raise MembershipRefused(
                "paused_from", f"A pause is already planned ({planned}): one pause at a time."
            )
        now = utcnow()
        length = (last - first).days + 1
        before = membership.next_payment_due
        membership.paused_from, membership.paused_until = first, last
        if before is not None:
            membership.next_payment_due = before + timedelta(days=length)
        if first <= today:
            membership.status = "paused"
        touch(membership, now)
        changes = {"plan": [None, plan_name], "pause": [None, range_text(first, last)]}
        if before is not None:
            changes["next_payment_due"] = [day_text(before), day_text(membership.next_payment_due)]
        record(client, "membership.paused", actor, subject=membership, changes=changes, at=now)
    return membership


def cancel_membership(
    client_id: int,
    membership_id: int,
    reason: str | None,
    actor,
    *,
    version: int | None = None,
    today: date | None = None,
) -> Membership:
    """Cancel now; it ends on the later of today and the last day of the minimum term,
    and expires (the daily step) once that day has passed."""
    _require(actor)
    today = today or business_today()
    with write_transaction():
        client, membership, plan = _membership_for_write(membership_id, client_id, version)
        plan_name = plan.name
        if membership.kind != "membership" or membership.status not in LIVE_STATUSES:
            raise MembershipRefused("reason", "Only a running membership can be cancelled.")
        term_end = add_periods(
            membership.starts_on, plan.billing_period or "month", plan.minimum_term
        ) - timedelta(days=1)
        now = utcnow()
        membership.ends_on = max(today, term_end)
        membership.status = "cancelled"
        membership.cancel_reason = reason or None
        touch(membership, now)
        changes = {
            "plan": [None, plan_name],
            "membership_ends": [None, day_text(membership.ends_on)],
        }
        if reason:
            changes["cancel_reason"] = [None, reason]
        record(client, "membership.cancelled", actor, subject=membership, changes=changes, at=now)
    return membership
