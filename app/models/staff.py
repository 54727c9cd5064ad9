"""Staff accounts, their server-side sessions and the sign-in throttle."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow

ROLES = ("owner", "manager", "front_desk", "practitioner")


class StaffMember(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A practitioner: offered when booking, with weekly working hours.
    takes_bookings: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The PIN that lets this staff member take the reception tablet out of kiosk mode
    # (Argon2id, like passwords); None: this member cannot leave the kiosk.
    kiosk_pin_hash: Mapped[str | None] = mapped_column(String(255))

    def __repr__(self) -> str:
        return f"<StaffMember {self.id} {self.role}>"


class StaffSession(Base):
    """A signed-in (or anonymous) browser session kept on the server.

    The cookie holds a random token; only its SHA-256 is stored, so a copy of this
    table does not let anyone sign in. Deleting the row ends the session everywhere.
    """

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), index=True
    )
    data: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class SignInThrottle(Base):
    """Failed sign-ins per email address (known or not, so the throttle reveals nothing)."""

    __tablename__ = "sign_in_throttle"

    email_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
