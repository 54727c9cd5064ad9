"""Credits on the profile: the Overview's Credits box, "Issue credits" and "Revoke" by
staff who may adjust credits, credits paying for sessions, the credit policy for late
cancellations and no-shows, and the job that grants memberships' credits each period
and expires what is past its expiry.

Every change of credits goes through app.accounts.ledger (the one writer). Adjustments
are on the staff timeline only: nothing here emails or notifies the client.

Sessions are followed through the timeline (app.activity.follow), in the booking's own
transaction, so the bookings area knows nothing of credits:
- "session.booked" / "session.moved_in" of a covered service redeem the credit that
  expires first; with none left a client who has (or had) a membership or credits is
  booked as unpaid and staff are told; a client with no account history books as before.
- "session.cancelled" (in time) gives the credit back; "session.cancelled_late" and
  "session.no_show" forfeit it when the business's policy says so, else give it back.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import abort, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import (
    BigInteger,
    String,
    bindparam,
    cast,
    exists,
    extract,
    func,
    select,
    true,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import column_property, undefer

from app.accounts import bp, ledger
from app.bookings.ops import load_with_booking_client
from app.core.business_settings import read_settings, store_settings
from app.core.clock import business_today, business_zone
from app.core.database import inline_constants, write_transaction
from app.core.extensions import db
from app.core.forms import parse_day
from app.core.htmx import is_fragment_request, render_page
from app.core.jobs import hourly_task
from app.core.notices import add_notice
from app.core.parts import OverviewCard, ProfileColumns, register_card
from app.core.permissions import Permission, can, requires
from app.core.templating import local_date
from app.core.timeline import AUDIT_FIELD_LABELS, follow
from app.models import Booking, Client, Service, utcnow
from app.models.accounts import (
    ACCOUNT_REASON_MAX_LENGTH,
    GRANT_SOURCES,
    BookingCredit,
    ClientCreditBalance,
    CreditGrant,
    Membership,
    MembershipPlan,
    credit_grant_services,
)

AUDIT_FIELD_LABELS.update(credits="Credits", expires="Expires after")

MAX_ISSUE = 1000  # credits in one adjustment
BOX_GRANTS = 50  # redeemable grants listed in the box (the total counts them all)
NO_CREDIT_NOTICE = "No credit left: booked as unpaid."

# --- the policy -----------------------------------------------------------------------

FORFEIT_SETTING = "credits_forfeit_late"


def forfeits_late() -> bool:
    """The business's policy: late cancellations and no-shows use up the credit (on
    unless turned off)."""
    return read_settings(FORFEIT_SETTING).get(FORFEIT_SETTING) != "0"


def save_credit_policy(forfeit: bool, actor) -> None:
    if not can(actor, Permission.MANAGE_SETTINGS):
        raise PermissionError("not allowed for this staff member")
    with write_transaction():
        store_settings({FORFEIT_SETTING: "1" if forfeit else "0"})


# --- ops ------------------------------------------------------------------------------


class CreditsRefused(ValueError):
    """Input the rules refuse: `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class IssueValues:
    quantity: int
    last_day: date
    reason: str
    service_ids: tuple[int, ...] = ()


def _writable_client(client_id: int) -> Client:
    """A client whose credits may change: not in the trash, erased or merged."""
    client = db.session.get(Client, client_id, populate_existing=True)
    if client is None or not client.takes_new_records:
        raise LookupError(client_id)
    return client


def _clean_reason(text: str | None) -> str:
    return " ".join((text or "").split())


def read_issue_form(form, service_ids) -> tuple[dict, dict[str, str], IssueValues | None]:
    """What was typed (kept as typed), the errors by field, the values when valid.
    `service_ids`: the services that may be chosen (the active ones)."""
    typed = {name: (form.get(name) or "") for name in ("quantity", "expires_on", "reason")}
    typed["services"] = form.getlist("services")
    errors: dict[str, str] = {}
    chosen = {_whole_number(text) for text in typed["services"]}
    if None in chosen or not chosen <= set(service_ids):
        errors["services"] = "Choose services from the list."
    quantity = _whole_number(typed["quantity"].strip())
    if quantity is None or quantity < 1:
        errors["quantity"] = "Enter a whole number of credits, 1 or more."
    elif quantity > MAX_ISSUE:
        errors["quantity"] = f"Issue at most {MAX_ISSUE} credits at once."
    last_day = parse_day(typed["expires_on"])
    if last_day is None:
        errors["expires_on"] = (
            "Choose the last day the credits can be used."
            if not typed["expires_on"].strip()
            else "Enter a real date, for example 2026-12-31."
        )
    elif last_day < business_today():
        errors["expires_on"] = "Choose today or a later day: these credits would be expired."
    reason = _clean_reason(typed["reason"])
    if not reason:
        errors["reason"] = "Say why the credits are issued."
    elif len(reason) > ACCOUNT_REASON_MAX_LENGTH:
        errors["reason"] = f"Use at most {ACCOUNT_REASON_MAX_LENGTH} characters."
    elif any(ord(ch) < 32 or ord(ch) == 127 for ch in reason):
        errors["reason"] = "Remove the control characters."
    if errors:
        return typed, errors, None
    return typed, errors, IssueValues(quantity, last_day, reason, tuple(sorted(chosen)))


def read_reason(form) -> tuple[str, str | None]:
    typed = form.get("reason") or ""
    reason = _clean_reason(typed)
    if not reason:
        return typed, "Say why the credits are revoked."
    if len(reason) > ACCOUNT_REASON_MAX_LENGTH:
        return typed, f"Use at most {ACCOUNT_REASON_MAX_LENGTH} characters."
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in reason):
        return typed, "Remove the control characters."
    return typed, None


def _whole_number(text: str) -> int | None:
    if not text or len(text) > 9 or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def issue_credits(client_id: int, values: IssueValues, actor, now: datetime | None = None):
    """Staff give the client credits that last until the end of `values.last_day`."""
    if not can(actor, Permission.ADJUST_CREDITS):
        raise PermissionError("not allowed for this staff member")
    with write_transaction():
        client = _writable_client(client_id)
        if values.service_ids:
            known = db.session.scalars(
                select(Service.id).where(Service.id.in_(values.service_ids))
            ).all()
            if len(known) != len(values.service_ids):
                raise CreditsRefused({"services": "Choose services from the list."})
        return ledger.grant_credits(
            client,
            values.quantity,
            ledger.credit_expiry_instant(values.last_day),
            "issued",
            actor,
            reason=values.reason,
            now=now,
            service_ids=values.service_ids,
        )


def revoke_credits(
    client_id: int, grant_id: int, reason: str, actor, now: datetime | None = None
) -> int:
    """Staff take back what is left of one grant; how many credits."""
    if not can(actor, Permission.ADJUST_CREDITS):
        raise PermissionError("not allowed for this staff member")
    with write_transaction():
        _writable_client(client_id)
        grant = db.session.get(CreditGrant, grant_id)
        if grant is None or grant.client_id != client_id:
            raise LookupError(grant_id)
        return ledger.revoke_grant(grant, reason, actor, now=now)


# Whether the client has (or had) a membership, a pack or credits at all. Deferred: no
# page reads it; a booking loads it with its client (one round trip, not two).
Client.has_account_history = column_property(
    exists().where(Membership.client_id == Client.id)
    | exists().where(CreditGrant.client_id == Client.id),
    deferred=True,
)
load_with_booking_client(undefer(Client.has_account_history))


# --- sessions -------------------------------------------------------------------------


@follow("session.booked", "session.moved_in")
def _pay_with_credit(client, verb, actor, booking, at) -> None:
    if not isinstance(booking, Booking) or booking.status not in ("pending", "confirmed"):
        return
    # Read with the booking's client: the many clients with no account history book
    # as before.
    if not client.has_account_history:
        return
    new = verb == "session.booked"  # a waitlisted booking moving in took nothing yet either
    if ledger.redeem_credit(client.id, booking.service_id, booking.id, actor, at, new=new):
        return
    credit = None if new else db.session.get(BookingCredit, booking.id)
    if credit is None:
        db.session.add(
            BookingCredit(
                booking_id=booking.id, client_id=client.id, status="unpaid", updated_at=at
            )
        )
    elif credit.status != "redeemed":
        credit.status, credit.grant_id, credit.updated_at = "unpaid", None, at
    add_notice(NO_CREDIT_NOTICE)


@follow("session.cancelled")
def _give_back(client, verb, actor, booking, at) -> None:
    credit = db.session.get(BookingCredit, getattr(booking, "id", None))
    if credit is not None and credit.status == "redeemed":
        ledger.return_credit(credit, actor, at)


@follow("session.cancelled_late", "session.no_show")
def _forfeit_or_give_back(client, verb, actor, booking, at) -> None:
    credit = db.session.get(BookingCredit, getattr(booking, "id", None))
    if credit is None or credit.status != "redeemed":
        return
    if forfeits_late():
        ledger.forfeit_credit(credit, actor, at)
    else:
        ledger.return_credit(credit, actor, at)


# --- the Credits box ------------------------------------------------------------------


def _ledger_totals():
    """The client's credits redeemed (less those returned), revoked and expired, as kept
    beside the balance (one row read, however long the ledger): one row, always there,
    of zeros for a client without a ledger."""
    return select(
        *(
            func.coalesce(func.max(getattr(ClientCreditBalance, total)), 0).label(total)
            for total in ledger.KEPT_TOTALS
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
        ledger.live_grants(
            bindparam("client_id"), bindparam("now", type_=CreditGrant.expires_at.type)
        )
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


def _card_load(client) -> dict:
    return credits_box(client.id)


register_card(
    OverviewCard(
        "credits",
        "accounts/_credits_card.html",
        order=20,
        load=_card_load,
        queries=1,
        shown=lambda client: not getattr(client, "is_erased", False),
        columns=ProfileColumns(with_credits_box, credits_box_of),
    )
)


# --- recurring credits and expiry (the job) -------------------------------------------


def _period_grants(membership: Membership, plan: MembershipPlan, today: date):
    """(period_start, last_day) of each period of the membership that has started."""
    from app.accounts.memberships import add_periods

    k = 0
    while True:
        start = add_periods(membership.starts_on, plan.billing_period, k)
        if start > today:
            return
        if membership.ends_on is not None and start > membership.ends_on:
            return
        period_last = add_periods(membership.starts_on, plan.billing_period, k + 1) - timedelta(
            days=1
        )
        last_day = (
            start + timedelta(days=plan.credit_expiry_days - 1)
            if plan.credit_expiry_days
            else period_last
        )
        paused = (
            membership.paused_from is not None
            and membership.paused_until is not None
            and membership.paused_from <= start <= membership.paused_until
        )
        if not paused:
            yield start, last_day
        k += 1


def grant_recurring(now: datetime | None = None) -> int:
    """Give every active (not paused) membership its plan's credits for each period that
    has started and has none yet; how many grants. Idempotent: one grant per period (a
    unique index), so a second run, even beside the first, grants nothing twice. A period
    whose credits would already have expired is skipped."""
    now = now or utcnow()
    today = now.astimezone(business_zone()).date()
    rows = db.session.execute(
        select(Membership.id, Membership.plan_id)
        .join(MembershipPlan, MembershipPlan.id == Membership.plan_id)
        .where(
            Membership.status == "active",
            Membership.kind == "membership",
            MembershipPlan.credits > 0,
            MembershipPlan.billing_period.is_not(None),
        )
        .order_by(Membership.id)
    ).all()
    db.session.rollback()
    granted = 0
    for membership_id, _plan_id in rows:
        granted += _grant_membership_periods(membership_id, today, now)
    return granted


def _grant_membership_periods(membership_id: int, today: date, now: datetime) -> int:
    try:
        with write_transaction():
            membership = db.session.get(Membership, membership_id, populate_existing=True)
            if membership is None or membership.status != "active":
                return 0
            plan = db.session.get(MembershipPlan, membership.plan_id)
            client = db.session.get(Client, membership.client_id)
            if client is None or not client.takes_new_records:
                return 0
            done = set(
                db.session.scalars(
                    select(CreditGrant.period_start).where(
                        CreditGrant.membership_id == membership_id,
                        CreditGrant.period_start.is_not(None),
                    )
                )
            )
            granted = 0
            for start, last_day in _period_grants(membership, plan, today):
                if start in done:
                    continue
                expires_at = ledger.credit_expiry_instant(last_day)
                if expires_at <= now:
                    continue
                ledger.grant_credits(
                    client,
                    plan.credits,
                    expires_at,
                    "membership",
                    None,
                    membership_id=membership_id,
                    period_start=start,
                    reason=plan.name,
                    now=now,
                )
                granted += 1
            return granted
    except IntegrityError:
        # Another run granted these periods meanwhile (the unique index): nothing to do.
        return 0


def run_credit_jobs(now: datetime | None = None) -> tuple[int, int]:
    """The scheduled step: recurring grants, then expiry. (grants, credits expired)."""
    now = now or utcnow()
    return grant_recurring(now), ledger.expire_due(now)


@bp.record_once
def _start_credit_jobs(state) -> None:
    hourly_task(state.app, "hourly_credits", 5, run_credit_jobs)


# --- routes ---------------------------------------------------------------------------


def _client_or_404(client_id: int) -> Client:
    client = db.session.get(Client, client_id)
    if client is None:
        abort(404)
    return client


def _box_page(client: Client, status: int = 200, **extra):
    data = credits_box(client.id)
    context = {"issue_typed": None, "issue_errors": {}, "revoking": None, "revoke_typed": ""}
    context.update(extra)
    return render_page(
        "accounts/credits.html",
        "credits_box",
        status=status,
        client=client,
        card_data=data,
        **context,
    )


def _writable_or_404(client_id: int) -> Client:
    try:
        return _writable_client(client_id)
    except LookupError:
        abort(404)
    finally:
        db.session.rollback()


def _credits_box_or_profile(client_id: int):
    if is_fragment_request():
        return _box_page(_client_or_404(client_id))
    return redirect(url_for("clients.show", client_id=client_id), 303)


@bp.get("/clients/<id:client_id>/credits")
@requires(Permission.VIEW_CLIENTS)
def credits(client_id: int):
    client = _client_or_404(client_id)
    if client.erased_at is not None:
        abort(404)
    return _box_page(client)


@bp.route("/clients/<id:client_id>/credits/issue", methods=["GET", "POST"])
@requires(Permission.ADJUST_CREDITS)
def issue(client_id: int):
    client = _writable_or_404(client_id)
    services = _active_services()
    if request.method == "GET":
        typed = {"quantity": "", "expires_on": "", "reason": "", "services": []}
        return _box_page(client, issue_typed=typed, services=services)
    typed, errors, values = read_issue_form(request.form, [sid for sid, _ in services])
    if values is None:
        return _box_page(
            client, status=422, issue_typed=typed, issue_errors=errors, services=services
        )
    try:
        issue_credits(client_id, values, current_user)
    except LookupError:
        abort(404)
    except CreditsRefused as refused:
        return _box_page(
            _client_or_404(client_id),
            status=422,
            issue_typed=typed,
            issue_errors=refused.errors,
            services=_active_services(),
        )
    return _credits_box_or_profile(client_id)


def _active_services() -> list[tuple[int, str]]:
    return db.session.execute(
        select(Service.id, Service.name).where(Service.active.is_(True)).order_by(Service.name)
    ).all()


def _grant_or_404(client_id: int, grant_id: int) -> CreditGrant:
    grant = db.session.get(CreditGrant, grant_id)
    if grant is None or grant.client_id != client_id:
        abort(404)
    return grant


@bp.route("/clients/<id:client_id>/credits/<id:grant_id>/revoke", methods=["GET", "POST"])
@requires(Permission.ADJUST_CREDITS)
def revoke(client_id: int, grant_id: int):
    client = _writable_or_404(client_id)
    _grant_or_404(client_id, grant_id)
    if request.method == "GET":
        return _box_page(client, revoking=grant_id)
    typed, error = read_reason(request.form)
    if error is None:
        try:
            revoke_credits(client_id, grant_id, _clean_reason(typed), current_user)
        except LookupError:
            abort(404)
        except ledger.NothingToRevoke as refused:
            error = str(refused)
        else:
            return _credits_box_or_profile(client_id)
    client = _client_or_404(client_id)
    return _box_page(
        client,
        status=422,
        revoking=grant_id,
        revoke_typed=typed,
        revoke_error=error,
        revoke_grant=db.session.get(CreditGrant, grant_id),
    )


@bp.post("/settings/plans/credit-policy")
@requires(Permission.MANAGE_SETTINGS)
def credit_policy():
    save_credit_policy("1" in request.form.getlist("forfeit"), current_user)
    if is_fragment_request():
        return render_page(
            "accounts/credit_policy.html", "credit_policy", credit_forfeit=forfeits_late()
        )
    return redirect(url_for("accounts.plans"), 303)


def last_day_text(expires_at: datetime) -> str:
    """A grant's last day, in the business's words (it expires at the midnight after)."""
    return local_date(ledger.last_day(expires_at))


bp.add_app_template_global(forfeits_late, "credits_forfeit_late")
bp.add_app_template_filter(last_day_text, "credit_last_day")
