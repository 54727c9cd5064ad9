"""The demo's accounts: membership plans and packs, then for some of the new clients a
membership (active, overdue, paused, cancelled), a pack (in use, or expired), credits in
every state (redeemable, redeemed by past sessions, revoked, expired) and passes, one of
them lost and replaced; all through the accounts' own ops."""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from app.accounts.api import (
    IssueValues,
    PlanValues,
    add_pass,
    cancel_membership,
    issue_credits,
    pause_membership,
    redeem_credit,
    replace_pass,
    revoke_credits,
    run_credit_jobs,
    save_plan,
    sell_membership,
)
from app.bookings.api import add_past_session
from app.core.clock import business_zone
from app.core.database import write_transaction
from app.core.extensions import db
from app.core.sessions import SignedInStaff
from app.demo.business import ensure_services
from app.models import Client, Service, utcnow
from app.models.accounts import MembershipPlan, Pass

# name, kind, price, billing period, minimum term, credits, credit expiry days, services
DEMO_PLANS = [
    ("Monthly membership", "membership", 8900, "month", 3, 8, None, ("Yoga flow", "Pilates mat")),
    ("Yearly membership", "membership", 89000, "year", 1, 0, None, ()),
    ("Weekly classes", "membership", 2500, "week", 4, 2, None, ("Yoga flow", "Pilates mat")),
    ("10 classes, 90 days", "pack", 13000, None, 1, 10, 90, ("Yoga flow", "Pilates mat")),
    ("5 massages, 180 days", "pack", 29000, None, 1, 5, 180, ("Deep tissue massage",)),
]
# What each demo account holds, in turn.
DEMO_ACCOUNTS = (
    "monthly",
    "overdue",
    "pack",
    "paused",
    "yearly",
    "cancelled",
    "expired_pack",
    "issued",
    "monthly",
    "pack",
)


def _ensure_plans(owner) -> dict[str, int]:
    if not db.session.scalar(select(MembershipPlan.id).limit(1)):
        service_ids = dict(db.session.execute(select(Service.name, Service.id)).all())
        for name, kind, price, period, term, credits, expiry, services in DEMO_PLANS:
            values = PlanValues(
                name=name,
                kind=kind,
                price_minor=price,
                billing_period=period,
                minimum_term=term,
                credits=credits,
                credit_expiry_days=expiry,
                active=True,
                service_ids=[service_ids[s] for s in services if s in service_ids],
            )
            save_plan(values, owner)
    return dict(db.session.execute(select(MembershipPlan.name, MembershipPlan.id)).all())


def _redeem_past(client_id: int, service: Service, practitioner: int, starts, actor) -> None:
    """A class or treatment already given, paid with one of the client's credits."""
    booking = add_past_session(client_id, service.id, practitioner, starts, "completed", actor)
    with write_transaction():
        redeem_credit(client_id, service.id, booking.id, actor, utcnow())


@dataclass(frozen=True)
class _Shop:
    """What each step below sells from and with: the plans by name, the classes and the
    massage the packs pay for, the practitioners who gave past sessions, and today."""

    rng: random.Random
    owner: SignedInStaff
    plans: dict[str, int]
    practitioners: list[int]
    classes: list[Service]
    massage: Service | None
    today: date

    def past(self, days_ago: int, hour: int) -> datetime:
        day = self.today - timedelta(days=days_ago)
        return datetime.combine(day, time(hour, 0), tzinfo=business_zone())


def _open_shop(rng: random.Random, owner, now: datetime) -> _Shop:
    services, practitioners = ensure_services(owner)
    plans = _ensure_plans(owner)
    by_name = {service.name: service for service in services}
    classes = [by_name[name] for name in ("Yoga flow", "Pilates mat") if name in by_name]
    massage = by_name.get("Deep tissue massage")
    today = now.astimezone(business_zone()).date()
    return _Shop(rng, owner, plans, practitioners, classes, massage, today)


def add_accounts(rng: random.Random, staff: list, now: datetime, skip: int) -> int:
    """Plans and packs, then for some of the new clients a membership (active, overdue,
    paused, cancelled), a pack (in use, or expired), credits in every state (redeemable,
    redeemed by past sessions, revoked, expired) and passes; through the areas' ops."""
    owner = next(member for member in staff if member.role == "owner")
    shop = _open_shop(rng, owner, now)
    clients = db.session.scalars(
        select(Client).where(Client.deleted_at.is_(None)).order_by(Client.id).offset(skip)
    ).all()
    chosen = rng.sample(clients, min(len(clients), 3 * len(DEMO_ACCOUNTS)))
    count = 0
    for index, client in enumerate(chosen):
        kind = DEMO_ACCOUNTS[index % len(DEMO_ACCOUNTS)]
        seller = rng.choice(staff)
        _open_account(shop, kind, client.id, seller)
        count += 1
        if index % 3 == 0:
            add_pass(client.id, f"CL-{client.id:06d}", seller)
            count += 1
    # This period's membership credits, then what has expired (as the hourly job would).
    run_credit_jobs()
    _members_use_credits(shop, chosen)
    _replace_a_lost_card(shop, chosen)
    return count


def _open_account(shop: _Shop, kind: str, client_id: int, seller) -> None:
    """What one demo client holds, by the `kind` of DEMO_ACCOUNTS."""
    today = shop.today
    if kind in ("monthly", "overdue", "cancelled"):
        _sell_monthly(shop, kind, client_id, seller)
    elif kind == "paused":
        _sell_paused(shop, client_id, seller)
    elif kind == "yearly":
        sell_membership(
            client_id,
            shop.plans["Yearly membership"],
            today - timedelta(days=100),
            seller,
            paid_with="bank_transfer",
            today=today,
        )
    elif kind == "pack" and shop.classes:
        _sell_class_pack(shop, client_id, seller)
    elif kind == "expired_pack" and shop.massage:
        sell_membership(
            client_id,
            shop.plans["5 massages, 180 days"],
            today - timedelta(days=200),
            seller,
            paid_with="cash",
            today=today,
        )
    elif kind == "issued":
        _issue_and_revoke(shop, client_id)


def _sell_monthly(shop: _Shop, kind: str, client_id: int, seller) -> None:
    """A monthly membership: paid, overdue (never paid), or cancelled since."""
    today = shop.today
    paid = None if kind == "overdue" else shop.rng.choice(["card_terminal", "cash"])
    starts = today - timedelta(days={"monthly": 10, "overdue": 40, "cancelled": 75}[kind])
    sold = sell_membership(
        client_id, shop.plans["Monthly membership"], starts, seller, paid_with=paid, today=today
    )
    if kind == "cancelled":
        cancel_membership(client_id, sold.id, "Moving away", shop.owner, today=today)


def _sell_paused(shop: _Shop, client_id: int, seller) -> None:
    """Weekly classes, paused from today for two weeks."""
    today = shop.today
    sold = sell_membership(
        client_id,
        shop.plans["Weekly classes"],
        today - timedelta(days=3),
        seller,
        paid_with="cash",
        today=today,
    )
    pause_membership(client_id, sold.id, today, today + timedelta(days=13), shop.owner, today=today)


def _sell_class_pack(shop: _Shop, client_id: int, seller) -> None:
    """A pack of classes, three of them taken since."""
    rng = shop.rng
    sell_membership(
        client_id,
        shop.plans["10 classes, 90 days"],
        shop.today - timedelta(days=20),
        seller,
        paid_with="card_terminal",
        today=shop.today,
    )
    for days_ago in rng.sample(range(1, 19), 3):
        _redeem_past(
            client_id,
            rng.choice(shop.classes),
            rng.choice(shop.practitioners),
            shop.past(days_ago, 18),
            shop.owner,
        )


def _issue_and_revoke(shop: _Shop, client_id: int) -> None:
    """Make-up credits issued and used, and a grant to the wrong client revoked."""
    owner, today = shop.owner, shop.today
    issue_credits(
        client_id,
        IssueValues(2, today + timedelta(days=30), "Our teacher was ill"),
        owner,
    )
    wrong = issue_credits(
        client_id,
        IssueValues(1, today + timedelta(days=30), "Welcome class"),
        owner,
    )
    revoke_credits(client_id, wrong.id, "Issued to the wrong client", owner)
    # Both of the make-up classes taken since: a grant fully redeemed.
    for days_ago in (2, 5):
        if shop.classes:
            _redeem_past(
                client_id,
                shop.classes[0],
                shop.rng.choice(shop.practitioners),
                shop.past(days_ago, 18),
                owner,
            )


def _members_use_credits(shop: _Shop, chosen: list[Client]) -> None:
    """Members use this period's credits for classes already given."""
    rng = shop.rng
    for index, client in enumerate(chosen):
        if DEMO_ACCOUNTS[index % len(DEMO_ACCOUNTS)] == "monthly" and shop.classes:
            for days_ago in rng.sample(range(1, 9), 2):
                _redeem_past(
                    client.id,
                    rng.choice(shop.classes),
                    rng.choice(shop.practitioners),
                    shop.past(days_ago, 7),
                    shop.owner,
                )


def _replace_a_lost_card(shop: _Shop, chosen: list[Client]) -> None:
    """A lost card, replaced."""
    for client in chosen[:1]:
        card = db.session.scalar(
            select(Pass).where(Pass.client_id == client.id, Pass.ended_at.is_(None))
        )
        if card is not None:
            replace_pass(client.id, card.id, f"CL-{client.id:06d}-2", "Lost", shop.owner)
