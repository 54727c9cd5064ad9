"""Memberships and packs sold to a client: selling one, recording a period paid, a pause
(freeze), a cancellation honouring the minimum term, and the daily step that resumes
paused memberships and ends cancelled ones and packs. Also what the rest of the app
shows of them: the card under the client's name, the badge beside it in lists, and the
queries the Account tab reads (memberships_of, payments_of).

Dates of a membership are calendar dates of the business (its time zone); every
function that depends on the day takes `today` (the business's today by default), so
tests run on a fixed clock.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, bindparam, case, or_, select, true

from app.accounts import bp
from app.core.clock import business_today
from app.core.database import inline_constants, write_transaction
from app.core.extensions import db
from app.core.jobs import hourly_task
from app.core.parts import (
    Badge,
    ClientBadges,
    HeaderCard,
    ProfileAction,
    ProfileColumns,
    register_action,
    register_client_badges,
    register_header_card,
)
from app.core.permissions import Permission, can
from app.core.templating import local_date, money
from app.core.timeline import AUDIT_FIELD_LABELS, record
from app.models import Client, utcnow
from app.models.accounts import (
    PAYMENT_METHODS,
    Membership,
    MembershipPayment,
    MembershipPlan,
)

AUDIT_FIELD_LABELS.update(
    plan="Plan",
    membership_starts="Starts",
    next_payment_due="Next payment due",
    payment="Payment",
    paid_period="Period",
    pause="Pause",
    membership_ends="Ends",
)

# How far from today a sale may start (a sale entered late, or one agreed ahead).
LONGEST_START_OFFSET = timedelta(days=366)
LONGEST_PAUSE = timedelta(days=366)
LIVE_STATUSES = ("active", "paused")


# --- calendar ------------------------------------------------------------------------------


def add_periods(start: date, period: str, n: int, day: int | None = None) -> date:
    """`start` moved on by `n` billing periods ("week", "month", "year"), calendar-correct:
    a month on from 31 January is 28 (or 29) February, and two months on is 31 March: the
    day of the month of `start` (or `day`, when given) is kept whenever the month has it."""
    if period == "week":
        return start + timedelta(weeks=n)
    months = n if period == "month" else 12 * n if period == "year" else None
    if months is None:
        raise ValueError(f"unknown billing period {period!r}")
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    wanted = day or start.day
    return date(year, month, min(wanted, calendar.monthrange(year, month)[1]))


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


def _day(value: date) -> str:
    return local_date(value, "medium")


def _range(first: date, last: date) -> str:
    return f"{_day(first)} – {_day(last)}"


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


# --- ops -------------------------------------------------------------------------------------


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
        changes = {"plan": [None, plan.name], "membership_starts": [None, _day(starts_on)]}
        if plan.kind == "pack":
            membership.ends_on = starts_on + timedelta(days=(plan.credit_expiry_days or 1) - 1)
            membership.next_payment_due = starts_on  # paid now: cleared below
            changes["membership_ends"] = [None, _day(membership.ends_on)]
        else:
            membership.next_payment_due = starts_on
        db.session.add(membership)
        db.session.flush()
        if paid_with:
            _add_payment(membership, plan, client, plan.price_minor, paid_with, actor, now)
            changes["payment"] = [None, f"{money(plan.price_minor)} by {_method_label(paid_with)}"]
        if membership.next_payment_due is not None:
            changes["next_payment_due"] = [None, _day(membership.next_payment_due)]
        verb = "membership.pack_sold" if plan.kind == "pack" else "membership.started"
        record(client, verb, actor, subject=membership, changes=changes, at=now)
        if plan.kind == "pack" and plan.credits > 0:
            from app.accounts.ledger import credit_expiry_instant, grant_credits

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


def _touch(membership: Membership, now) -> None:
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
        _touch(membership, now)
        after = membership.next_payment_due
        changes = {
            "plan": [None, plan_name],
            "payment": [None, f"{money(amount_minor)} by {_method_label(method)}"],
            "paid_period": [None, _range(payment.period_start, payment.period_end)],
        }
        if after is not None:
            changes["next_payment_due"] = [_day(due), _day(after)]
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
            planned = _range(membership.paused_from, membership.paused_until)
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
        _touch(membership, now)
        changes = {"plan": [None, plan_name], "pause": [None, _range(first, last)]}
        if before is not None:
            changes["next_payment_due"] = [_day(before), _day(membership.next_payment_due)]
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
        _touch(membership, now)
        changes = {"plan": [None, plan_name], "membership_ends": [None, _day(membership.ends_on)]}
        if reason:
            changes["cancel_reason"] = [None, reason]
        record(client, "membership.cancelled", actor, subject=membership, changes=changes, at=now)
    return membership


def refresh_statuses(today: date | None = None) -> int:
    """The daily step: a pause that has begun pauses, one that has ended resumes, a
    cancelled membership or a pack past its last day expires. Idempotent: a second run
    the same day changes nothing. Returns how many memberships changed."""
    today = today or business_today()
    changed = 0
    with write_transaction():
        rows = db.session.execute(
            select(Membership, MembershipPlan.name)
            .join(MembershipPlan, MembershipPlan.id == Membership.plan_id)
            .where(
                or_(
                    and_(
                        Membership.status == "active",
                        Membership.paused_from <= today,
                        Membership.paused_until >= today,
                    ),
                    and_(Membership.status == "paused", Membership.paused_until < today),
                    and_(
                        Membership.status.in_(("active", "paused", "cancelled")),
                        Membership.ends_on < today,
                    ),
                )
            )
            .order_by(Membership.id)
            .with_for_update()
        ).all()
        now = utcnow()
        for membership, plan_name in rows:
            verb = None
            if membership.ends_on is not None and membership.ends_on < today:
                membership.status, verb = "expired", "membership.expired"
                changes = {
                    "plan": [None, plan_name],
                    "membership_ends": [None, _day(membership.ends_on)],
                }
            elif membership.status == "paused":
                membership.status, verb = "active", "membership.resumed"
                changes = {"plan": [None, plan_name]}
            else:
                membership.status = "paused"
            _touch(membership, now)
            changed += 1
            if verb:
                client = db.session.get(Client, membership.client_id)
                record(client, verb, None, subject=membership, changes=changes, at=now)
    return changed


# --- queries ---------------------------------------------------------------------------------


def _shown_now(today: date):
    """Memberships that count now: running, or cancelled and not yet ended."""
    return or_(
        Membership.status.in_(LIVE_STATUSES),
        and_(Membership.status == "cancelled", Membership.ends_on >= today),
    )


@dataclass(frozen=True)
class MembershipView:
    """What the card and the badge say of one membership."""

    membership: "CardMembership"
    plan_name: str
    today: date

    @property
    def overdue(self) -> bool:
        due = self.membership.next_payment_due
        return self.membership.status == "active" and due is not None and due < self.today

    @property
    def status_text(self) -> str:
        membership = self.membership
        if self.overdue:
            return "Overdue"
        if membership.status == "paused":
            return f"Paused until {_day(membership.paused_until)}"
        if membership.status == "cancelled":
            return f"Cancelled, ends {_day(membership.ends_on)}"
        if membership.kind == "pack" and membership.ends_on is not None:
            return f"Active, ends {_day(membership.ends_on)}"
        return "Active"

    @property
    def tone(self) -> str:
        if self.overdue:
            return "danger"
        if self.membership.status == "paused":
            return "info"
        if self.membership.status == "cancelled":
            return "warning"
        return "success"

    @property
    def pause_planned(self) -> bool:
        membership = self.membership
        return (
            membership.status == "active"
            and membership.paused_from is not None
            and membership.paused_from > self.today
        )

    @property
    def may_pay(self) -> bool:
        membership = self.membership
        due = membership.next_payment_due
        if due is None or membership.status == "expired":
            return False
        return membership.kind == "pack" or membership.ends_on is None or due <= membership.ends_on

    @property
    def may_pause(self) -> bool:
        return self.membership.kind == "membership" and self.membership.status in LIVE_STATUSES

    may_cancel = may_pause


# The card shows a recurring membership before a pack, the latest first.
_CARD_ORDER = (
    case((Membership.kind == "membership", 0), else_=1),
    Membership.starts_on.desc(),
    Membership.id.desc(),
)
# The badges' statement, built once (building it cost more than running it).
_BADGE_ROWS = inline_constants(
    select(Membership.client_id, Membership.status, Membership.next_payment_due)
    .where(
        Membership.client_id.in_(bindparam("client_ids", expanding=True)),
        Membership.kind == "membership",
        _shown_now(bindparam("today")),
    )
    .order_by(Membership.client_id, Membership.id)
)


def live_membership(client_id: int, today: date | None = None) -> MembershipView | None:
    """The membership the card shows (a recurring one before a pack), in one query."""
    today = today or business_today()
    parameters = {"client_id": client_id, "today": today}
    row = db.session.connection().execute(_CARD, parameters).first()
    return None if row is None else membership_card_of(row._mapping, today)


@dataclass(frozen=True, slots=True)
class CardMembership:
    """The columns of a membership that its card reads (see MembershipView)."""

    id: int
    kind: str
    status: str
    starts_on: date
    ends_on: date | None
    next_payment_due: date | None
    paused_from: date | None
    paused_until: date | None


_CARD_FIELDS = tuple(CardMembership.__dataclass_fields__)


# The card's membership: the one it shows, with its plan's name (built once).
_CARD = inline_constants(
    select(
        *(getattr(Membership, name).label(f"membership_{name}") for name in _CARD_FIELDS),
        MembershipPlan.name.label("membership_plan"),
    )
    .join(MembershipPlan, MembershipPlan.id == Membership.plan_id)
    .where(Membership.client_id == bindparam("client_id"), _shown_now(bindparam("today")))
    .order_by(*_CARD_ORDER)
    .limit(1)
)


def with_membership_card(statement):
    """The card's membership added to the profile's select (app.profile.ProfileColumns):
    the same statement as live_membership()'s, as a derived table of at most one row (by
    the client's id, like the profile's own row), joined to it."""
    card = _CARD.subquery("membership_card")
    return statement.outerjoin(card, true()).add_columns(*card.c)


def membership_card_of(values, today: date | None = None) -> MembershipView | None:
    """The card's view from its columns (live_membership's row, or the profile's)."""
    if values["membership_id"] is None:
        return None
    membership = CardMembership(*(values[f"membership_{name}"] for name in _CARD_FIELDS))
    return MembershipView(membership, values["membership_plan"], today or business_today())


def membership_badges(client_ids, today: date | None = None) -> dict[int, list[Badge]]:
    """ "Member", "Overdue" or "Paused" for each of these clients with a membership
    running, in one query for the whole page."""
    today = today or business_today()
    ids = list(client_ids)
    if not ids:
        return {}
    rows = db.session.execute(_BADGE_ROWS, {"client_ids": ids, "today": today}).all()
    ranks = {"Overdue": 3, "Member": 2, "Paused": 1}
    best: dict[int, str] = {}
    for client_id, status, due in rows:
        if status == "paused":
            text = "Paused"
        elif status == "active" and due is not None and due < today:
            text = "Overdue"
        else:
            text = "Member"
        if ranks[text] > ranks.get(best.get(client_id, ""), 0):
            best[client_id] = text
    tones = {"Overdue": "danger", "Member": "success", "Paused": "info"}
    return {client_id: [Badge(text, tones[text])] for client_id, text in best.items()}


@dataclass(frozen=True)
class MembershipRow:
    membership: Membership
    plan_name: str
    billing_period: str | None


def memberships_of(client_id: int) -> list[MembershipRow]:
    """Every membership and pack of the client, current and past, newest first, with its
    plan's name (one query; a client holds a handful)."""
    rows = db.session.execute(
        select(Membership, MembershipPlan.name, MembershipPlan.billing_period)
        .join(MembershipPlan, MembershipPlan.id == Membership.plan_id)
        .where(Membership.client_id == client_id)
        .order_by(Membership.starts_on.desc(), Membership.id.desc())
    ).all()
    return [MembershipRow(*row) for row in rows]


@dataclass(frozen=True)
class PaymentsPage:
    rows: list  # (MembershipPayment, plan name)
    next_cursor: str | None


def payments_of(client_id: int, before: str | None = None, limit: int = 20) -> PaymentsPage:
    """The client's recorded payments, newest first, a keyset page at a time: `before`
    is the page's cursor ("<recorded_at iso>_<id>"); ValueError for a cursor that is not."""
    query = (
        select(MembershipPayment, MembershipPlan.name)
        .join(Membership, Membership.id == MembershipPayment.membership_id)
        .join(MembershipPlan, MembershipPlan.id == Membership.plan_id)
        .where(MembershipPayment.client_id == client_id)
    )
    if before:
        at_text, _, id_text = before.rpartition("_")
        from datetime import datetime

        at = datetime.fromisoformat(at_text)
        if at.tzinfo is None or not id_text.isascii() or not id_text.isdigit():
            raise ValueError(before)
        payment_id = int(id_text)
        query = query.where(
            or_(
                MembershipPayment.recorded_at < at,
                and_(MembershipPayment.recorded_at == at, MembershipPayment.id < payment_id),
            )
        )
    rows = db.session.execute(
        query.order_by(MembershipPayment.recorded_at.desc(), MembershipPayment.id.desc()).limit(
            limit + 1
        )
    ).all()
    more = len(rows) > limit
    rows = [tuple(row) for row in rows[:limit]]
    cursor = None
    if more:
        last = rows[-1][0]
        cursor = f"{last.recorded_at.isoformat()}_{last.id}"
    return PaymentsPage(rows, cursor)


# --- the profile's parts -------------------------------------------------------------------


def _card(client) -> dict:
    return {"view": live_membership(client.id)}


def _card_from_profile(client, values) -> dict:
    return {"view": membership_card_of(values)}


register_header_card(
    HeaderCard(
        "membership",
        "accounts/_membership_card.html",
        order=10,
        load=_card,
        queries=1,
        columns=ProfileColumns(with_membership_card, _card_from_profile),
    )
)
register_client_badges(ClientBadges("membership", membership_badges, queries=1))
register_action(
    ProfileAction("new-membership", "New membership", "accounts.new_membership", order=20)
)


# --- the daily step ------------------------------------------------------------------------


@bp.record_once
def _schedule(state) -> None:
    """Each hour (so the business's midnight is never missed by more than one): resume,
    pause and end memberships as their dates say. Idempotent."""
    hourly_task(state.app, "membership_statuses", 7, refresh_statuses)
