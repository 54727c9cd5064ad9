"""Background jobs: what each was asked to do, how far it got, and how it ended.

A job's row is the one place its progress lives, so any web worker can show it and a
page reload finds it again; the queue carries only the row's id.
"""

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow

JOB_STATUSES = {
    "queued": "Waiting to start",
    "running": "Running",
    "done": "Done",
    "failed": "Failed",
}
JOB_ERROR_MAX_LENGTH = 500


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="queued")
    # What the job was asked (filters, columns). Cleared when it ends: a search term
    # may name a client, and this table is beyond the reach of an erasure.
    params: Mapped[dict | None] = mapped_column(JSON)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[dict | None] = mapped_column(JSON)  # counts and file names, no personal data
    error: Mapped[str | None] = mapped_column(Text)  # why it failed, for the staff who asked
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_jobs_created_by_created", "created_by_id", "created_at"),)

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, self.done * 100 // self.total)

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")


class DataExport(Base):
    """One export of the client list: who, when, how many rows, in which format and
    columns (never the search term: it may name a client)."""

    __tablename__ = "data_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    row_count: Mapped[int] = mapped_column(Integer)
    file_format: Mapped[str] = mapped_column(String(10))
    columns: Mapped[str] = mapped_column(String(400))
    filtered: Mapped[bool] = mapped_column(Boolean, default=False)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
