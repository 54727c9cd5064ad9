"""Reads for the profile: the client with its labels, the names of the staff its row
points at and the columns of the cards drawn on the page, in one query (an ORM row for
views that change the client, plain values for those that only show it)."""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Select, String, bindparam, cast, exists, func, select
from sqlalchemy.orm import aliased, defer

from app.clients.label_queries import LabelBadge
from app.core.clock import business_today
from app.core.database import inline_constants
from app.core.extensions import db
from app.core.parts import profile_columns
from app.models import Client, Label, Note, StaffMember, client_labels, utcnow

CreatedBy = aliased(StaffMember)
UpdatedBy = aliased(StaffMember)
LockedBy = aliased(StaffMember)
DeletedBy = aliased(StaffMember)

# Label id, colour and name joined with separators no name can hold (forms refuse
# control characters), so the labels come with the profile row.
_FIELD_SEPARATOR, _LABEL_SEPARATOR = "\x1f", "\x1e"
_PROFILE_LABELS = (
    select(
        func.aggregate_strings(
            cast(Label.id, String)
            .concat(_FIELD_SEPARATOR)
            .concat(Label.colour)
            .concat(_FIELD_SEPARATOR)
            .concat(Label.name),
            _LABEL_SEPARATOR,
        )
    )
    .join(client_labels, client_labels.c.label_id == Label.id)
    .where(client_labels.c.client_id == Client.id)
    .scalar_subquery()
)

# Built once: the profile is the most visited page, and building a statement costs
# about as much as running it. The cards that ride on it (app.profile.ProfileColumns)
# add their columns when it is first asked for, after every area has registered.
_PROFILE_BASE = (
    select(
        Client,
        CreatedBy.name.label("created_by"),
        UpdatedBy.name.label("updated_by"),
        LockedBy.name.label("locked_by"),
        DeletedBy.name.label("deleted_by"),
        _PROFILE_LABELS.label("labels"),
        # Whether there are notes at all: a profile without any spends no query on them
        # (a probe of the notes index, like alert_severity for alerts).
        exists(select(Note.id).where(Note.client_id == Client.id)).label("has_notes"),
    )
    .outerjoin(CreatedBy, CreatedBy.id == Client.created_by_id)
    .outerjoin(UpdatedBy, UpdatedBy.id == Client.updated_by_id)
    .outerjoin(LockedBy, LockedBy.id == Client.locked_by_id)
    .outerjoin(DeletedBy, DeletedBy.id == Client.deleted_by_id)
    .where(Client.id == bindparam("client_id"))
    # Derived for the list and search only; nothing on the profile reads them.
    .options(defer(Client.search_text), defer(Client.sort_name))
)
_SEARCH_ONLY_COLUMNS = ("search_text", "sort_name")


@cache
def _profile_statement(joined_columns: tuple) -> Select:
    statement = _PROFILE_BASE
    for columns in joined_columns:
        statement = columns.extend(statement)
    return inline_constants(statement)


def _parameters(client_id: int) -> dict:
    return {"client_id": client_id, "now": utcnow(), "today": business_today()}


def profile(client_id: int):
    """The client with its labels, the names of the staff its row points at and what
    the Overview's and header's cards joined_columns on it read, in one query. row.Client is the
    ORM object, for views that change the client (and draw the Overview after)."""
    statement = _profile_statement(profile_columns("overview", header=True))
    return db.session.execute(statement, _parameters(client_id)).first()


class ClientView:
    """A client read to be shown, not changed: the model's columns and its derived
    properties, without the ORM's per-statement work (a tenth of a profile page's time).
    """

    __slots__ = tuple(
        column.name
        for column in Client.__table__.columns
        if column.name not in _SEARCH_ONLY_COLUMNS
    )
    # The model's own properties, so each rule stays in one place.
    full_name = Client.full_name
    is_locked = Client.is_locked
    in_trash = Client.in_trash
    is_merged = Client.is_merged
    is_erased = Client.is_erased
    closed_reason = Client.closed_reason
    takes_new_records = Client.takes_new_records

    def __init__(self, values):
        for name in self.__slots__:
            setattr(self, name, values[name])

    def __repr__(self) -> str:
        return f"<ClientView {self.id}>"


@dataclass(frozen=True, slots=True)
class ProfileView:
    """profile()'s row for views that only show the client."""

    Client: ClientView  # noqa: N815 (named like the ORM row's entity, so templates take both)
    created_by: str | None
    updated_by: str | None
    locked_by: str | None
    deleted_by: str | None
    labels: str | None
    has_notes: bool
    values: Mapping  # the whole row, for the cards that ride on it
    joined_columns: tuple  # the cards' columns it was read with (app.profile.ProfileColumns)


def profile_view(client_id: int, tab: str | None = None, header: bool = False):
    """profile() read through the Core connection, as plain values, with the columns of
    the cards a page of `tab` draws (and the header's, when it is drawn): None when no
    such client."""
    joined_columns = profile_columns(tab, header)
    statement = _profile_statement(joined_columns)
    row = db.session.connection().execute(statement, _parameters(client_id)).first()
    if row is None:
        return None
    values = row._mapping
    return ProfileView(
        ClientView(values),
        values["created_by"],
        values["updated_by"],
        values["locked_by"],
        values["deleted_by"],
        values["labels"],
        bool(values["has_notes"]),
        values,
        joined_columns,
    )


def joined_values(row) -> tuple[tuple, Mapping]:
    """The cards' columns a profile() or profile_view() row was read with, and its
    values: card_context()'s arguments."""
    if isinstance(row, ProfileView):
        return row.joined_columns, row.values
    return profile_columns("overview", header=True), row._mapping


def merged_survivor(client_id: int) -> int:
    """The profile that holds a merged profile now (a survivor may have been merged
    again since): follows merged_into_id to its end."""
    for _hop in range(10):
        merged_into = db.session.scalar(select(Client.merged_into_id).where(Client.id == client_id))
        if merged_into is None:
            return client_id
        client_id = merged_into
    return client_id


def profile_labels(row) -> list[LabelBadge]:
    if not row.labels:
        return []
    badges = []
    for packed in row.labels.split(_LABEL_SEPARATOR):
        label_id, colour, name = packed.split(_FIELD_SEPARATOR, 2)
        badges.append(LabelBadge(int(label_id), name, colour))
    return sorted(badges, key=lambda badge: badge.name.casefold())
