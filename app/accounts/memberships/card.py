"""What the profile and the lists show of a client's membership: the card under the
client's name (a recurring membership before a pack, in one query, or riding on the
profile's own statement) and the badge beside the name in lists ("Member", "Overdue",
"Paused", one query for the whole page); MembershipView says what each shows."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, bindparam, case, or_, select, true

from app.accounts.dates import day_text
from app.accounts.memberships.ops import LIVE_STATUSES
from app.core.clock import business_today
from app.core.database import inline_constants
from app.core.extensions import db
from app.core.parts import Badge
from app.models.accounts import Membership, MembershipPlan


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
            return f"Paused until {day_text(membership.paused_until)}"
        if membership.status == "cancelled":
            return f"Cancelled, ends {day_text(membership.ends_on)}"
        if membership.kind == "pack" and membership.ends_on is not None:
            return f"Active, ends {day_text(membership.ends_on)}"
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
