"""Alerts: what staff must see before anything else (allergies, medical cautions)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import String

from app.models.base import Base, UTCDateTime, encrypted_text, utcnow

# Most severe first: the order of the banner, and what the list's icon shows.
ALERT_SEVERITIES = {
    "critical": "Critical",
    "warning": "Warning",
    "info": "Info",
}
ALERT_MAX_LENGTH = 300


class Alert(Base):
    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    severity: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(encrypted_text())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))

    __table_args__ = (Index("ix_alerts_client_id_resolved_at", "client_id", "resolved_at"),)
