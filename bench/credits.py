"""Credits for the benchmark: 1,000 concurrent "Issue credits" adjustments of one client
over HTTP (8 processes against the server), the Account tab's clients (one with 2,000
ledger rows, one with 2), and memberships and credits for the profile's clients (so the
profile row draws the membership card and the Credits box).

The data is written straight through SQLAlchemy Core, as bench/sessions.py does (the
previous run's is removed first); the adjustments go through the real HTTP path.
The tests use `issue_concurrently` too (tests/accounts/test_credit_concurrency.py).
"""

import multiprocessing
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import requests

ADJUSTMENTS = 1_000
PROCESSES = 8
LEDGER_MANY, LEDGER_FEW = 2_000, 2
# Each profile client's credits: enough that every booking of the member booking load
# redeems one (three already used, for the Credits box's counts).
MEMBER_CREDITS = 100_000
BENCH_PLAN = "Bench monthly"
BENCH_REASON = "Bench adjustment"
ADJUSTER_EMAIL = "bench.adjuster.{}@example.com"
COOKIE = "clientele_session"


@dataclass
class Adjustments:
    seconds: float
    statuses: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return len(self.statuses) / self.seconds if self.seconds else 0.0


def signed_in(base: str, email: str, password: str) -> requests.Session:
    """A session signed in through the real form, sending the page's CSRF token."""
    http = requests.Session()
    page = http.get(base + "/login", timeout=30)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text) or re.search(
        r'"X-CSRFToken": "([^"]+)"', page.text
    )
    answer = http.post(
        base + "/login",
        data={"csrf_token": token.group(1), "email": email, "password": password},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code not in (302, 303):
        raise RuntimeError(f"sign-in of {email} failed: HTTP {answer.status_code}")
    page = http.get(base + "/clients", timeout=30)
    http.headers["X-CSRFToken"] = re.search(r'"X-CSRFToken": "([^"]+)"', page.text).group(1)
    return http


def _adjuster(base, email, password, client_id, count, expires_on, start, results) -> None:
    """One process: sign in, wait for the others, issue `count` credits one at a time."""
    problems, statuses = [], []
    try:
        http = signed_in(base, email, password)
        start.wait()
        for number in range(count):
            answer = http.post(
                f"{base}/clients/{client_id}/credits/issue",
                data={"quantity": "1", "expires_on": expires_on, "reason": BENCH_REASON},
                timeout=120,
                allow_redirects=False,  # a plain form's POST: 303 to the profile once saved
            )
            statuses.append(answer.status_code)
            if answer.status_code != 303:
                problems.append(f"{email} #{number}: {answer.status_code} {answer.text[:200]!r}")
            elif "database is locked" in answer.text:
                problems.append(f"{email} #{number}: database is locked")
    except Exception as error:  # noqa: BLE001 (reported to the parent)
        problems.append(f"{email}: {error!r}")
    results.put((statuses, problems))


def issue_concurrently(
    base: str,
    logins: list[tuple[str, str]],
    client_id: int,
    expires_on: str,
    total: int = ADJUSTMENTS,
    processes: int = PROCESSES,
) -> Adjustments:
    """`total` POSTs of "Issue credits" (1 credit each) to one client, spread over
    `processes` processes (one signed-in staff member each, `logins`), all started at
    once; the wall time from the start signal to the last answer."""
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    shares = [total // processes + (index < total % processes) for index in range(processes)]
    workers = [
        context.Process(
            target=_adjuster,
            args=(base, *logins[index], client_id, shares[index], expires_on, start, results),
        )
        for index in range(processes)
    ]
    for worker in workers:
        worker.start()
    time.sleep(0.5)  # the sign-ins are done before the clock starts (they wait on `start`)
    began = time.monotonic()
    start.set()
    outcome = Adjustments(0.0)
    for _ in workers:
        statuses, problems = results.get(timeout=600)
        outcome.statuses += statuses
        outcome.problems += problems
    outcome.seconds = time.monotonic() - began
    for worker in workers:
        worker.join(timeout=30)
    return outcome


def ledger_figures(client_id: int) -> dict:
    """What the adjustments left: balance, grants, ledger rows and whether their
    balances after run 1..n without a gap or a repeat (in the app context)."""
    from sqlalchemy import func, select

    from app.accounts.credits.ledger import balance_of
    from app.core.extensions import db
    from app.models.accounts import CreditGrant, CreditLedgerEntry

    after = db.session.scalars(
        select(CreditLedgerEntry.balance_after)
        .where(CreditLedgerEntry.client_id == client_id)
        .order_by(CreditLedgerEntry.balance_after)
    ).all()
    return {
        "balance": balance_of(client_id),
        "grants": db.session.scalar(
            select(func.count()).select_from(CreditGrant).where(CreditGrant.client_id == client_id)
        ),
        "ledger": len(after),
        "sequence": after == list(range(1, len(after) + 1)),
    }


# --- the benchmark's data -------------------------------------------------------------


@dataclass
class AccountPlan:
    many_id: int  # the client with LEDGER_MANY ledger rows
    few_id: int  # and the one with LEDGER_FEW
    target_id: int  # the client the concurrent adjustments go to
    logins: list  # (email, password) of the staff who adjust
    expires_on: str


def _clear(db, client_ids) -> None:
    from sqlalchemy import delete, select

    from app.models import StaffMember
    from app.models.accounts import (
        BookingCredit,
        ClientCreditBalance,
        CreditGrant,
        CreditLedgerEntry,
        Membership,
        MembershipPlan,
    )

    for model in (BookingCredit, CreditLedgerEntry, CreditGrant, ClientCreditBalance):
        db.session.execute(delete(model).where(model.client_id.in_(client_ids)))
    plans = select(MembershipPlan.id).where(MembershipPlan.name == BENCH_PLAN)
    db.session.execute(delete(Membership).where(Membership.plan_id.in_(plans)))
    db.session.execute(delete(MembershipPlan).where(MembershipPlan.name == BENCH_PLAN))
    db.session.execute(delete(StaffMember).where(StaffMember.email.like("bench.adjuster.%")))


def prepare_accounts(app, profile_ids: list[int], spare_ids: list[int]) -> AccountPlan:
    """Memberships and credits for every profile client; a client with 2,000 ledger
    rows and one with 2 for the Account tab; a client and staff for the adjustments.
    `spare_ids`: three clients the other loads do not visit."""
    import secrets

    from sqlalchemy import insert

    from app.accounts.credits.ledger import credit_expiry_instant
    from app.auth.ops import add_staff
    from app.core.clock import business_today
    from app.core.database import write_transaction
    from app.core.extensions import db
    from app.models.accounts import (
        ClientCreditBalance,
        CreditGrant,
        CreditLedgerEntry,
        Membership,
        MembershipPlan,
    )

    many_id, few_id, target_id = spare_ids[:3]
    everyone = [*profile_ids, many_id, few_id, target_id]
    with app.app_context():
        now = datetime.now(UTC)
        today = business_today()
        expires = credit_expiry_instant(today + timedelta(days=60))
        with write_transaction():
            _clear(db, everyone)
            plan_id = db.session.execute(
                insert(MembershipPlan)
                .values(
                    name=BENCH_PLAN,
                    kind="membership",
                    price_minor=4500,
                    billing_period="month",
                    minimum_term=1,
                    credits=8,
                    active=True,
                    created_at=now,
                    updated_at=now,
                )
                .returning(MembershipPlan.id)
            ).scalar_one()
            member_ids = [*profile_ids, many_id, few_id]
            db.session.execute(
                insert(Membership),
                [
                    {
                        "client_id": client_id,
                        "plan_id": plan_id,
                        "kind": "membership",
                        "price_minor": 4500,
                        "status": "active",
                        "starts_on": today - timedelta(days=20),
                        "next_payment_due": today + timedelta(days=10),
                        "created_at": now,
                        "updated_at": now,
                        "version": 1,
                    }
                    for client_id in member_ids
                ],
            )
            # One grant for each profile client, 3 of its credits used.
            grant_rows = [
                {
                    "client_id": client_id,
                    "source": "issued",
                    "quantity": MEMBER_CREDITS,
                    "remaining": MEMBER_CREDITS - 3,
                    "expires_at": expires,
                    "reason": "Bench",
                    "created_at": now,
                }
                for client_id in profile_ids
            ]
            grant_ids = db.session.execute(
                insert(CreditGrant).returning(CreditGrant.id, CreditGrant.client_id), grant_rows
            ).all()
            ledger_rows = []
            for grant_id, client_id in grant_ids:
                ledger_rows.append(
                    _entry(client_id, grant_id, "adjust", MEMBER_CREDITS, MEMBER_CREDITS, now)
                )
                for used in range(3):
                    balance_after = MEMBER_CREDITS - 1 - used
                    ledger_rows.append(
                        _entry(client_id, grant_id, "redeem", -1, balance_after, now, used + 1)
                    )
            # The Account tab's two clients: 2,000 ledger rows and 2.
            for client_id, rows in ((many_id, LEDGER_MANY), (few_id, LEDGER_FEW)):
                grant_id = db.session.execute(
                    insert(CreditGrant)
                    .values(
                        client_id=client_id,
                        source="issued",
                        quantity=rows,
                        remaining=rows // 2,
                        expires_at=expires,
                        reason="Bench",
                        created_at=now - timedelta(hours=rows),
                    )
                    .returning(CreditGrant.id)
                ).scalar_one()
                ledger_rows.append(
                    _entry(client_id, grant_id, "adjust", rows, rows, now - timedelta(hours=rows))
                )
                for index in range(1, rows):
                    moment = now - timedelta(hours=rows - index)
                    ledger_rows.append(
                        _entry(client_id, grant_id, "redeem", -1, rows - index, moment)
                    )
            db.session.execute(insert(CreditLedgerEntry), ledger_rows)
            # The balance and the totals the app keeps beside it (three redeemed each;
            # all but one of the Account tab's clients' rows are redemptions).
            balances = [
                {"client_id": cid, "balance": MEMBER_CREDITS - 3, "redeemed": -3, "updated_at": now}
                for cid in profile_ids
            ]
            balances += [
                {
                    "client_id": many_id,
                    "balance": 1,
                    "redeemed": 1 - LEDGER_MANY,
                    "updated_at": now,
                },
                {"client_id": few_id, "balance": 1, "redeemed": 1 - LEDGER_FEW, "updated_at": now},
            ]
            db.session.execute(insert(ClientCreditBalance), balances)
        logins = []
        for number in range(PROCESSES):
            password = secrets.token_urlsafe(16)
            add_staff(
                ADJUSTER_EMAIL.format(number), f"Bench Adjuster {number}", "front_desk", password
            )
            logins.append((ADJUSTER_EMAIL.format(number), password))
        db.session.remove()
    expires_on = (today + timedelta(days=30)).isoformat()
    return AccountPlan(many_id, few_id, target_id, logins, expires_on)


def _entry(client_id, grant_id, kind, amount, balance_after, at, offset_seconds=0) -> dict:
    return {
        "client_id": client_id,
        "grant_id": grant_id,
        "kind": kind,
        "amount": amount,
        "balance_after": balance_after,
        "reason": "Bench",
        "created_at": at + timedelta(seconds=offset_seconds),
    }


def measure_adjustments(app, base: str, plan: AccountPlan) -> dict:
    """The concurrent adjustments against a running server; their time and what was lost."""
    outcome = issue_concurrently(base, plan.logins, plan.target_id, plan.expires_on)
    with app.app_context():
        from app.core.extensions import db

        figures = ledger_figures(plan.target_id)
        db.session.remove()
    errors = sum(status >= 500 for status in outcome.statuses)
    return {
        "seconds": outcome.seconds,
        "per_second": outcome.per_second,
        "lost": ADJUSTMENTS - figures["balance"],
        "exact": figures["balance"] == ADJUSTMENTS
        and figures["grants"] == ADJUSTMENTS
        and figures["ledger"] == ADJUSTMENTS
        and figures["sequence"],
        "errors": errors,
        "problems": outcome.problems[:5],
    }
