"""The client's timeline: append-only, written only through app.activity.record()."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class Activity(Base):
    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_type: Mapped[str] = mapped_column(String(10))  # staff, client or system
    actor_id: Mapped[int | None] = mapped_column(Integer)
    verb: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str | None] = mapped_column(String(30))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    changes: Mapped[dict | None] = mapped_column(JSON)
    # The client's version right after a field edit (client.updated): a stale form saved
    # from version N merges with the edits of versions after N, field by field.
    client_version: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_activities_client_timeline", "client_id", "occurred_at", "id"),)
