"""The credit ledger: grants, the kept balance, redeeming, returning, revoking, expiry."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.accounts.credits import jobs, ledger, redeeming
from app.core.database import write_transaction
from app.core.extensions import db
from app.models import Activity, Client
from app.models.accounts import BookingCredit, CreditGrant, CreditLedgerEntry

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _grant(client_id, quantity, last_day, actor=None, source="issued", **kw):
    with write_transaction():
        client = db.session.get(Client, client_id)
        grant = ledger.grant_credits(
            client,
            quantity,
            ledger.credit_expiry_instant(last_day),
            source,
            actor,
            reason=kw.pop("reason", "Goodwill"),
            now=kw.pop("now", NOW),
            **kw,
        )
        return grant.id


def _ledger(client_id):
    return db.session.scalars(
        select(CreditLedgerEntry)
        .where(CreditLedgerEntry.client_id == client_id)
        .order_by(CreditLedgerEntry.id)
    ).all()


def test_expiry_is_midnight_at_the_end_of_the_business_day_across_daylight_saving(app_ctx):
    # London: winter is UTC, summer is UTC+1 (the clocks went forward on 29 March 2026).
    assert ledger.credit_expiry_instant(date(2026, 1, 31)) == datetime(2026, 2, 1, tzinfo=UTC)
    assert ledger.credit_expiry_instant(date(2026, 3, 28)) == datetime(2026, 3, 29, tzinfo=UTC)
    assert ledger.credit_expiry_instant(date(2026, 3, 29)) == datetime(
        2026, 3, 29, 23, 0, tzinfo=UTC
    )
    assert ledger.credit_expiry_instant(date(2026, 10, 24)) == datetime(
        2026, 10, 24, 23, 0, tzinfo=UTC
    )
    assert ledger.credit_expiry_instant(date(2026, 10, 25)) == datetime(2026, 10, 26, tzinfo=UTC)


def test_grants_keep_the_balance_and_the_ledger_in_step(app_ctx, client_factory):
    client_id = client_factory()
    _grant(client_id, 3, date(2026, 4, 30))
    _grant(client_id, 2, date(2026, 5, 31), source="pack")
    assert ledger.balance_of(client_id) == 5
    assert ledger.redeemable(client_id, NOW) == 5
    rows = _ledger(client_id)
    assert [(r.kind, r.amount, r.balance_after) for r in rows] == [
        ("adjust", 3, 3),
        ("grant", 2, 5),
    ]
    verbs = db.session.scalars(
        select(Activity.verb).where(Activity.client_id == client_id).order_by(Activity.id)
    ).all()
    assert verbs[-2:] == ["credits.issued", "credits.granted"]


def test_redeem_takes_the_grant_expiring_first_and_return_gives_it_back(app_ctx, client_factory):
    client_id = client_factory()
    later = _grant(client_id, 1, date(2026, 6, 30))
    sooner = _grant(client_id, 1, date(2026, 4, 30))
    assert ledger.balance_of(client_id) == 2
    booking_id = _a_booking(client_id)
    with write_transaction():
        grant = redeeming.redeem_credit(client_id, 1, booking_id, None, NOW)
        assert grant.id == sooner
    assert ledger.balance_of(client_id) == 1
    credit = db.session.get(BookingCredit, booking_id)
    assert (credit.status, credit.grant_id) == ("redeemed", sooner)
    # Redeeming the same session again takes nothing more.
    with write_transaction():
        assert redeeming.redeem_credit(client_id, 1, booking_id, None, NOW).id == sooner
    assert ledger.balance_of(client_id) == 1
    with write_transaction():
        credit = db.session.get(BookingCredit, booking_id)
        assert redeeming.return_credit(credit, None, NOW)
    assert ledger.balance_of(client_id) == 2
    assert db.session.get(BookingCredit, booking_id).status == "returned"
    rows = _ledger(client_id)
    assert [(r.kind, r.amount, r.balance_after) for r in rows][-2:] == [
        ("redeem", -1, 1),
        ("return", 1, 2),
    ]
    assert rows[-1].booking_id == booking_id
    assert later


def _a_booking(client_id):
    from app.models import Booking, Service

    with write_transaction():
        service = Service(
            name="Yoga", duration_minutes=60, price_minor=1000, colour="teal", capacity=10
        )
        db.session.add(service)
        db.session.flush()
        booking = Booking(
            client_id=client_id,
            service_id=service.id,
            starts_at=NOW + timedelta(days=1),
            ends_at=NOW + timedelta(days=1, hours=1),
            status="confirmed",
        )
        db.session.add(booking)
        db.session.flush()
        return booking.id


def test_no_covering_credit_writes_nothing(app_ctx, client_factory):
    client_id = client_factory()
    booking_id = _a_booking(client_id)
    with write_transaction():
        assert redeeming.redeem_credit(client_id, 1, booking_id, None, NOW) is None
    assert db.session.get(BookingCredit, booking_id) is None
    assert _ledger(client_id) == []


def test_revoke_takes_what_is_left_once(app_ctx, client_factory):
    client_id = client_factory()
    grant_id = _grant(client_id, 4, date(2026, 4, 30))
    with write_transaction():
        grant = db.session.get(CreditGrant, grant_id)
        assert ledger.revoke_grant(grant, "Given by mistake", None, now=NOW) == 4
    assert ledger.balance_of(client_id) == 0
    with pytest.raises(ledger.NothingToRevoke), write_transaction():
        ledger.revoke_grant(db.session.get(CreditGrant, grant_id), "Again", None, now=NOW)
    assert [(r.kind, r.amount, r.balance_after) for r in _ledger(client_id)] == [
        ("adjust", 4, 4),
        ("revoke", -4, 0),
    ]


def test_expire_due_expires_once(app_ctx, client_factory):
    client_id = client_factory()
    _grant(client_id, 2, date(2026, 3, 31))
    _grant(client_id, 1, date(2026, 5, 31))
    after = datetime(2026, 4, 2, tzinfo=UTC)
    assert ledger.redeemable(client_id, after) == 1
    assert jobs.expire_due(after) == 2
    assert jobs.expire_due(after) == 0
    assert ledger.balance_of(client_id) == 1
    assert [(r.kind, r.amount, r.balance_after) for r in _ledger(client_id)][-1] == (
        "expire",
        -2,
        1,
    )


def _together(app, work, count):
    import threading

    barrier = threading.Barrier(count)
    outcomes, errors = [], []

    def run(index):
        try:
            with app.app_context():
                barrier.wait()
                outcomes.append(work(index))
        except Exception as error:  # noqa: BLE001 (asserted below)
            errors.append(error)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes, errors


def test_two_revoking_one_grant_at_once_take_it_once(app, client_factory):
    with app.app_context():
        client_id = client_factory()
        grant_id = _grant(client_id, 5, date(2026, 12, 31))

    def revoke(_index):
        try:
            with write_transaction():
                grant = db.session.get(CreditGrant, grant_id)
                return ledger.revoke_grant(grant, "At once", None, now=NOW)
        except ledger.NothingToRevoke:
            return 0

    outcomes, errors = _together(app, revoke, 4)
    assert errors == []
    assert sorted(outcomes) == [0, 0, 0, 5]
    with app.app_context():
        assert ledger.balance_of(client_id) == 0
        assert [(r.kind, r.amount) for r in _ledger(client_id)] == [("adjust", 5), ("revoke", -5)]


def test_many_sessions_redeeming_at_once_never_take_a_credit_twice(app, client_factory):
    with app.app_context():
        client_id = client_factory()
        _grant(client_id, 3, date(2026, 12, 31))
        bookings = [_a_booking(client_id) for _ in range(6)]

    def redeem(index):
        with write_transaction():
            grant = redeeming.redeem_credit(client_id, 1, bookings[index], None, NOW)
            return grant.id if grant else None

    outcomes, errors = _together(app, redeem, 6)
    assert errors == []
    assert sum(1 for grant_id in outcomes if grant_id) == 3
    with app.app_context():
        assert ledger.balance_of(client_id) == 0
        assert db.session.get(CreditGrant, _ledger(client_id)[0].grant_id).remaining == 0
        after = sorted(r.balance_after for r in _ledger(client_id) if r.kind == "redeem")
        assert after == [0, 1, 2]


def _kept_totals(client_id):
    from app.models.accounts import ClientCreditBalance

    row = db.session.get(ClientCreditBalance, client_id, populate_existing=True)
    return {name: getattr(row, name) for name in ("balance", "redeemed", "revoked", "expired")}


def _ledger_sums(client_id):
    rows = _ledger(client_id)

    def total(*kinds):
        return sum(r.amount for r in rows if r.kind in kinds)

    return {
        "balance": sum(r.amount for r in rows),
        "redeemed": total("redeem", "return"),
        "revoked": total("revoke"),
        "expired": total("expire"),
    }


def _every_kind_of_ledger_row(client_id):
    """A grant redeemed twice, one credit returned, one grant revoked, one expired."""
    _grant(client_id, 3, date(2026, 4, 30))
    revoked = _grant(client_id, 2, date(2026, 6, 30))
    _grant(client_id, 1, date(2026, 3, 11))
    bookings = [_a_booking(client_id) for _ in range(2)]
    for booking_id in bookings:
        with write_transaction():
            redeeming.redeem_credit(client_id, 1, booking_id, None, NOW)
    with write_transaction():
        assert redeeming.return_credit(db.session.get(BookingCredit, bookings[0]), None, NOW)
    with write_transaction():
        ledger.revoke_grant(db.session.get(CreditGrant, revoked), "Mistake", None, now=NOW)
    assert jobs.expire_due(datetime(2026, 3, 12, tzinfo=UTC)) == 1


def test_the_kept_totals_follow_every_kind_of_ledger_row(app_ctx, client_factory):
    from app.accounts.credits.box import credits_box
    from app.accounts.credits.parts import refresh_balance
    from app.models.accounts import ClientCreditBalance

    client_id = client_factory()
    _every_kind_of_ledger_row(client_id)
    sums = _ledger_sums(client_id)
    assert sums == {"balance": 2, "redeemed": -1, "revoked": -2, "expired": -1}
    assert _kept_totals(client_id) == sums
    box = credits_box(client_id, NOW)
    assert (box["redeemed"], box["revoked"], box["expired"]) == (1, 2, 1)
    # A merge (or its undo) recomputes the row from the ledger the profile then holds.
    with write_transaction():
        db.session.get(ClientCreditBalance, client_id).redeemed = 99
    with write_transaction():
        refresh_balance(client_id)
    assert _kept_totals(client_id) == sums


def test_the_migration_fills_the_kept_totals_from_the_ledger(app, client_factory):
    from flask_migrate import downgrade, upgrade

    client_id = client_factory()
    with app.app_context():
        _every_kind_of_ledger_row(client_id)
        sums = _ledger_sums(client_id)
        db.session.remove()
        downgrade(revision="d27ed2d2b3a5")  # the totals' columns are gone
        upgrade()  # and come back, filled in from the ledger
        db.session.remove()
        assert _kept_totals(client_id) == sums
