"""Reads for client accounts and the client page."""

from sqlalchemy import select

from app.core.extensions import db
from app.models import Booking, ClientAccount, Service, StaffMember


def account_summary(client_id: int):
    """The Overview card's one row: the account's dates (no hashes), or None."""
    return db.session.execute(
        select(
            ClientAccount.email,
            ClientAccount.created_at,
            ClientAccount.activated_at,
            ClientAccount.last_sign_in_at,
        ).where(ClientAccount.client_id == client_id)
    ).first()


def own_session(client_id: int, booking_id: int):
    """One of this client's sessions (not removed from their history), or None: a
    booking of anyone else is as unknown as one that does not exist."""
    return db.session.execute(
        select(
            Booking,
            Service.name.label("service_name"),
            StaffMember.name.label("practitioner_name"),
        )
        .join(Service, Service.id == Booking.service_id)
        .outerjoin(StaffMember, StaffMember.id == Booking.practitioner_id)
        .where(
            Booking.id == booking_id,
            Booking.client_id == client_id,
            Booking.removed_at.is_(None),
        )
    ).first()
