"""Sessions paid with credits, following the bookings area's SessionRecorded in the
booking's own transaction, so the bookings area knows nothing of credits:
- "session.booked" / "session.moved_in" of a covered service redeem the credit that
  expires first; with none left a client who has (or had) a membership or credits is
  booked as unpaid and staff are told; a client with no account history books as before.
- "session.cancelled" (in time) gives the credit back; "session.cancelled_late" and
  "session.no_show" forfeit it when the business's policy says so, else give it back.
"""

from sqlalchemy import exists
from sqlalchemy.orm import column_property, undefer

from app.accounts.credits.policy import forfeits_late
from app.accounts.credits.redeeming import forfeit_credit, redeem_credit, return_credit
from app.bookings.api import SessionRecorded, load_with_booking_client
from app.core.extensions import db
from app.core.notices import add_notice
from app.models import Client
from app.models.accounts import BookingCredit, CreditGrant, Membership

NO_CREDIT_NOTICE = "No credit left: booked as unpaid."

# Whether the client has (or had) a membership, a pack or credits at all. Deferred: no
# page reads it; a booking loads it with its client (one round trip, not two).
Client.has_account_history = column_property(
    exists().where(Membership.client_id == Client.id)
    | exists().where(CreditGrant.client_id == Client.id),
    deferred=True,
)
load_with_booking_client(undefer(Client.has_account_history))


# --- sessions -------------------------------------------------------------------------


def _pay_with_credit(event: SessionRecorded) -> None:
    client, booking, at = event.client, event.booking, event.at
    if booking.status not in ("pending", "confirmed"):
        return
    # Read with the booking's client: the many clients with no account history book
    # as before.
    if not client.has_account_history:
        return
    new = event.verb == "session.booked"  # a waitlisted one moving in took nothing yet either
    if redeem_credit(client.id, booking.service_id, booking.id, event.actor, at, new=new):
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


def _give_back(event: SessionRecorded) -> None:
    credit = db.session.get(BookingCredit, event.booking.id)
    if credit is not None and credit.status == "redeemed":
        return_credit(credit, event.actor, event.at)


def _forfeit_or_give_back(event: SessionRecorded) -> None:
    credit = db.session.get(BookingCredit, event.booking.id)
    if credit is None or credit.status != "redeemed":
        return
    if forfeits_late():
        forfeit_credit(credit, event.actor, event.at)
    else:
        return_credit(credit, event.actor, event.at)


_BY_VERB = {
    "session.booked": _pay_with_credit,
    "session.moved_in": _pay_with_credit,
    "session.cancelled": _give_back,
    "session.cancelled_late": _forfeit_or_give_back,
    "session.no_show": _forfeit_or_give_back,
}


def credits_follow_session(event: SessionRecorded) -> None:
    """The accounts area's listener to sessions (its manifest subscribes it)."""
    handle = _BY_VERB.get(event.verb)
    if handle is not None:
        handle(event)
