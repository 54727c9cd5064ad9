"""The erasure log: proof that a client was erased, without saying who they were."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class Erasure(Base):
    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The anonymous shell that stays (sessions, money); no foreign key so the log
    # outlives any later clean-up of shells.
    client_id: Mapped[int] = mapped_column(Integer)
    masked_name: Mapped[str] = mapped_column(String(60))  # "A*** O***"
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    erased_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
