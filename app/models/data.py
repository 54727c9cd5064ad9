"""Data management: imports (and what each did to each client, so it can be reverted),
merges (and what each moved, so it can be undone), and pairs staff said are not
duplicates.

What these tables keep about a client's values (an import's "before", a merge's
snapshots) is personal data: it is encrypted at rest like notes, and an erasure removes
it with the client.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, encrypted_text, utcnow

IMPORT_FILENAME_MAX_LENGTH = 200
IMPORT_ACTIONS = ("created", "updated")
UNDO_MERGE_DAYS = 30


class ClientImport(Base):
    """One import of a file, from its upload to its revert.

    The uploaded file waits (encrypted) between the steps; `settings` keeps the steps'
    choices (encoding, delimiter, mapping, match key, labels) and no cell of the file.
    The preview is a job too (`preview_job_id`, the latest); what it found waits in
    `preview` (encrypted JSON: the rows it lists name people) until the import starts.
    `row_count` is 0 until a job has read the whole file."""

    __tablename__ = "client_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(IMPORT_FILENAME_MAX_LENGTH))
    file_format: Mapped[str] = mapped_column(String(10))  # csv, xlsx, vcf
    settings: Mapped[str | None] = mapped_column(encrypted_text())  # JSON
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reverted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reverted_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    preview_job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    preview: Mapped[str | None] = mapped_column(encrypted_text())  # JSON


class ImportedClient(Base):
    """What one import did to one client: created it, or updated some fields (their
    values before, encrypted JSON), and the client's version right after, which tells a
    revert whether anyone changed the client since."""

    __tablename__ = "imported_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("client_imports.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(10))
    previous: Mapped[str | None] = mapped_column(encrypted_text())  # JSON, "updated" only
    version_after: Mapped[int] = mapped_column(Integer)
    # The note the import added (the file's unmapped columns), which a revert removes
    # and which does not count as "something else points at this client".
    note_id: Mapped[int | None] = mapped_column(ForeignKey("notes.id", ondelete="SET NULL"))

    __table_args__ = (
        Index("ix_imported_clients_import", "import_id", "id"),
        Index("ix_imported_clients_client", "client_id"),
    )


class Merge(Base):
    """Two or three profiles made one. The survivor's values before, the chosen values,
    and (per merged profile, MergedClient) every row moved: enough to undo it within
    UNDO_MERGE_DAYS as long as nothing moved has changed since."""

    __tablename__ = "merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    survivor_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    survivor_before: Mapped[str] = mapped_column(encrypted_text())  # JSON of its fields
    chosen: Mapped[str] = mapped_column(encrypted_text())  # JSON: field -> value kept
    survivor_version_after: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))

    __table_args__ = (Index("ix_merges_survivor", "survivor_id", "created_at"),)


class MergedClient(Base):
    """One profile merged into the survivor, and the rows that moved with it: JSON
    {table: [primary keys]} (labels: the label ids the survivor gained)."""

    __tablename__ = "merged_clients"

    merge_id: Mapped[int] = mapped_column(
        ForeignKey("merges.id", ondelete="CASCADE"), primary_key=True
    )
    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    moved: Mapped[str] = mapped_column(encrypted_text())  # JSON
    version_after: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_merged_clients_client", "client_id"),)


class NotDuplicate(Base):
    """A pair staff marked "Not a duplicate": the finder never shows it again. Kept as
    (lower id, higher id) so a pair has one row."""

    __tablename__ = "not_duplicates"

    low_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    high_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
