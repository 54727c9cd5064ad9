"""Sessions paid with credits, followed through the timeline (app.core.timeline.follow)
in the booking's own transaction, so the bookings area knows nothing of credits:
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
from app.bookings.scheduling import load_with_booking_client
from app.core.extensions import db
from app.core.notices import add_notice
from app.core.timeline import follow
from app.models import Booking, Client
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


@follow("session.booked", "session.moved_in")
def _pay_with_credit(client, verb, actor, booking, at) -> None:
    if not isinstance(booking, Booking) or booking.status not in ("pending", "confirmed"):
        return
    # Read with the booking's client: the many clients with no account history book
    # as before.
    if not client.has_account_history:
        return
    new = verb == "session.booked"  # a waitlisted booking moving in took nothing yet either
    if redeem_credit(client.id, booking.service_id, booking.id, actor, at, new=new):
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
        return_credit(credit, actor, at)


@follow("session.cancelled_late", "session.no_show")
def _forfeit_or_give_back(client, verb, actor, booking, at) -> None:
    credit = db.session.get(BookingCredit, getattr(booking, "id", None))
    if credit is None or credit.status != "redeemed":
        return
    if forfeits_late():
        forfeit_credit(credit, actor, at)
    else:
        return_credit(credit, actor, at)
