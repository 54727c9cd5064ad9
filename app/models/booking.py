"""Services, practitioners' hours, sessions (`Booking`) and check-ins.

In code a session is a Booking ("session" belongs to HTTP and the database); staff read
"session". Times are stored UTC; working hours and class times are wall-clock times of
the business time zone, turned into instants for each date (so a daylight-saving change
moves the instant, not the hour on the clock).
"""

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow

SERVICE_NAME_MAX_LENGTH = 120
CANCEL_REASON_MAX_LENGTH = 200
# No service runs longer: the busy-time check looks this far back for sessions still
# running, instead of through a practitioner's whole history.
LONGEST_SERVICE_MINUTES = 24 * 60

# Status -> what staff read. A "waitlisted" booking holds no place yet.
BOOKING_STATUSES = {
    "pending": "Pending",
    "confirmed": "Confirmed",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "no_show": "No-show",
    "waitlisted": "Waitlisted",
}
# Statuses that hold a practitioner's time or a place in a class.
HOLDING_STATUSES = ("pending", "confirmed", "completed", "no_show")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class Service(Base):
    """What a client books: an appointment (capacity 1) or a class (capacity > 1)."""

    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(SERVICE_NAME_MAX_LENGTH))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    price_minor: Mapped[int] = mapped_column(Integer, default=0)  # business currency
    colour: Mapped[str] = mapped_column(String(20), default="blue")
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_class(self) -> bool:
        return self.capacity > 1


class ClassTime(Base):
    """A class's weekly slot: every <weekday> at <starts>, led by a practitioner."""

    __tablename__ = "class_times"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    starts: Mapped[time] = mapped_column(Time)
    practitioner_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))


class WorkingHours(Base):
    """One weekday's hours of a practitioner; no row for a weekday = a day off."""

    __tablename__ = "working_hours"
    __table_args__ = (UniqueConstraint("staff_id", "weekday"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(Integer)
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)


class DayOff(Base):
    __tablename__ = "days_off"
    __table_args__ = (UniqueConstraint("staff_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)


class Booking(Base):
    """A session. Kept when its client is erased: the client row then reads "Deleted
    Client", and the session stays in the day's list and the statistics."""

    __tablename__ = "bookings"
    __table_args__ = (
        Index("ix_bookings_client_starts", "client_id", "starts_at", "id"),
        Index("ix_bookings_practitioner_starts", "practitioner_id", "starts_at"),
        Index("ix_bookings_service_starts", "service_id", "starts_at"),
        Index("ix_bookings_starts", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    practitioner_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="confirmed")
    cancel_reason: Mapped[str | None] = mapped_column(String(CANCEL_REASON_MAX_LENGTH))
    late_cancellation: Mapped[bool] = mapped_column(Boolean, default=False)
    # "Remove from history" (attendance): out of the history and the statistics.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_reason: Mapped[str | None] = mapped_column(String(CANCEL_REASON_MAX_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class CheckIn(Base):
    """An arrival at the desk, with or without a booking."""

    __tablename__ = "check_ins"
    __table_args__ = (Index("ix_check_ins_client_at", "client_id", "at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="SET NULL"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))


class BusinessSetting(Base):
    """Settings staff change in the app (not the environment): key -> text value."""

    __tablename__ = "business_settings"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class ClientSessionCounts(Base):
    """A client's session counts for the statistics, rewritten by every write that
    changes the client's sessions (in its transaction), so reading them costs the same
    for a client with 5 sessions as for one with 5,000."""

    __tablename__ = "client_session_counts"

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    total: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[int] = mapped_column(Integer, default=0)
    no_shows: Mapped[int] = mapped_column(Integer, default=0)
