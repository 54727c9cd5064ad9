"""The client: one person the business serves."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, and_, event, func, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow
from app.models.text import fold, phone_search_forms

# The fields staff edit on the client form, in form order, with the label the form and
# the timeline's audit both show.
FIELD_LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "phone": "Phone",
    "whatsapp": "WhatsApp",
    "birth_date": "Birth date",
    "preferred_language": "Preferred language",
    "address": "Address",
    "city": "City",
    "state": "State",
    "postal_code": "Postal code",
    "country": "Country",
}
EDITABLE_FIELDS = tuple(FIELD_LABELS)

# Online booking policy (bookings honour it): value -> what staff read.
BOOKING_POLICIES = {
    "allow": "Allow",
    "approval": "Require approval",
    "block": "Block",
}
ERASED_FIRST_NAME, ERASED_LAST_NAME = "Deleted", "Client"


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    whatsapp: Mapped[str | None] = mapped_column(String(20))
    birth_date: Mapped[date | None] = mapped_column(Date)
    preferred_language: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    # Lock: only staff allowed to edit locked profiles change the details.
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    lock_reason: Mapped[str | None] = mapped_column(String(200))

    booking_policy: Mapped[str] = mapped_column(String(10), default="allow", server_default="allow")
    booking_policy_reason: Mapped[str | None] = mapped_column(String(200))

    # The most severe unresolved alert, kept by the alert ops so the list can show it
    # without reading alerts: None, "info", "warning" or "critical".
    alert_severity: Mapped[str | None] = mapped_column(String(10))

    # Trash (restorable) and erasure (anonymised for good; the row stays as a shell).
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Merged into another profile (also in deleted_at, so it leaves every list and
    # search): its URLs lead to the survivor, and "Undo merge" brings it back. No
    # foreign key: on SQLite adding one would rebuild the clients table and its search
    # triggers, and the merge record (merged_clients) already ties the two.
    merged_into_id: Mapped[int | None] = mapped_column(Integer)
    # When another profile was last merged into this one (None after its undo): the
    # profile offers "Undo merge" without a query for the many never merged into.
    last_merged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Derived on every write (see _refresh_derived): the list's sort key and the
    # folded text the search index covers.
    # Compared byte by byte on PostgreSQL too (collation "C"): the value is already
    # folded, and a language collation would ignore the \x1f separator and disagree
    # with SQLite on the order and on the range bounds search uses.
    sort_name: Mapped[str] = mapped_column(
        String(210).with_variant(String(210, collation="C"), "postgresql")
    )
    search_text: Mapped[str] = mapped_column(String(600))

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_clients_sort_name_id", "sort_name", "id"),
        # "Possible duplicate" while typing, and the duplicate finder: same email (any
        # case) or same phone number (kept in E.164).
        Index("ix_clients_email_lower", func.lower(text("email"))),
        Index("ix_clients_phone", "phone"),
        # The "Deleted clients" list walks only the trash, in name order.
        Index(
            "ix_clients_trash_sort_name_id",
            "sort_name",
            "id",
            sqlite_where=text("deleted_at IS NOT NULL AND erased_at IS NULL"),
            postgresql_where=text("deleted_at IS NOT NULL AND erased_at IS NULL"),
        ),
        # pg_trgm index for substring search; SQLite uses the FTS5 table built by the
        # migration instead (the index is created only on PostgreSQL).
        Index(
            "ix_clients_search_text_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def in_trash(self) -> bool:
        return self.deleted_at is not None and self.erased_at is None and not self.is_merged

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def closed_reason(self) -> str | None:
        """Why this client's records accept no change, in words for staff; None while they
        do. The one rule every area's writes ask (a session's status, credits, a
        membership, a pass, a note) and every page's buttons reflect: a client in the
        trash, erased or merged into another is read-only until restored or unmerged."""
        if self.merged_into_id is not None:
            return "This client was merged into another profile: make changes there."
        if self.erased_at is not None:
            return "This client was erased: their records no longer change."
        if self.deleted_at is not None:
            return "This client is in the trash: restore them first."
        return None

    @property
    def takes_new_records(self) -> bool:
        """Whether an area may add to or change this client's records: not in the trash,
        erased or merged into another (closed_reason says why not)."""
        return self.closed_reason is None

    def refresh_derived(self) -> None:
        derived = derived_columns(
            self.first_name, self.last_name, self.email, self.phone, self.whatsapp
        )
        for name, value in derived.items():
            setattr(self, name, value)

    def __repr__(self) -> str:
        return f"<Client {self.id}>"


def client_open_condition():
    """Client.takes_new_records as SQL, for lists that read many clients' rows at once
    (reception's day): the same three columns, none set."""
    return and_(
        Client.deleted_at.is_(None), Client.erased_at.is_(None), Client.merged_into_id.is_(None)
    )


def derived_columns(first_name, last_name, email, phone, whatsapp) -> dict:
    """The list's sort key and the search text, from a client's fields (for the model's
    own writes, and for a bulk insert, which the model's events do not see)."""
    return {
        "sort_name": derive_sort_name(first_name, last_name),
        "search_text": derive_search_text(first_name, last_name, email, phone, whatsapp),
    }


def derive_sort_name(first_name: str | None, last_name: str | None) -> str:
    # Unit separator keeps "Ann Lee" apart from "Annl Ee"; folded so Á sorts with A.
    return f"{fold(last_name or first_name)}\x1f{fold(first_name)}"[:210]


def derive_search_text(first_name, last_name, email, phone, whatsapp) -> str:
    parts = [fold(first_name), fold(last_name), (email or "").lower()]
    parts += phone_search_forms(phone) + phone_search_forms(whatsapp)
    return " ".join(part for part in parts if part)[:600]


@event.listens_for(Client, "before_insert")
@event.listens_for(Client, "before_update")
def _refresh_derived(mapper, connection, client: Client) -> None:
    client.refresh_derived()
