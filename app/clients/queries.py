"""Reads for the client list, search, profile and timeline: plain functions returning rows."""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Select, String, and_, bindparam, cast, exists, func, or_, select, tuple_
from sqlalchemy.orm import aliased, defer

from app.clients.completeness import incomplete_condition
from app.clients.search import LIST_COLUMNS, search_page
from app.core.clock import business_today
from app.core.database import inline_constants
from app.core.extensions import db
from app.core.paging import Page, decode_cursor, encode_cursor
from app.core.parts import badges_for, find_client_by_identifier, profile_columns
from app.models import Activity, Alert, Client, Label, Note, StaffMember, client_labels, utcnow


@dataclass(frozen=True)
class LabelBadge:
    id: int
    name: str
    colour: str


# The list's "Show" choices: value in the URL -> what staff read.
LIST_VIEWS = {
    "active": "All clients",
    "incomplete": "Incomplete profiles",
    "deleted": "Deleted clients",
}


@dataclass(frozen=True)
class ListFilter:
    view: str = "active"
    label_ids: tuple[int, ...] = ()

    def condition(self):
        if self.view == "deleted":
            # Matches the partial index that serves this view.
            condition = and_(
                Client.deleted_at.is_not(None),
                Client.erased_at.is_(None),
                Client.merged_into_id.is_(None),
            )
        else:
            condition = Client.deleted_at.is_(None)
            if self.view == "incomplete":
                condition = and_(condition, incomplete_condition())
        # Each ticked label narrows the list: clients holding all of them.
        for label_id in self.label_ids:
            condition = and_(
                condition,
                Client.id.in_(
                    select(client_labels.c.client_id).where(client_labels.c.label_id == label_id)
                ),
            )
        return condition


def client_page(
    query: str = "",
    after_id: int | None = None,
    limit: int = 50,
    list_filter: ListFilter = ListFilter(),
) -> Page:
    """One page of clients, keyset-paged after a client id.

    Without a query, the clients the filter selects sorted by last name, first name;
    with one, those that match it, in the order app.clients.search explains.
    """
    scope = list_filter.condition()
    identified = None
    if query.strip() and after_id is None:
        identified = _identified_row(query, scope)
    if query.strip():
        rows = search_page(query, after_id, limit + 1, scope)
        if identified is not None:
            rows = [identified, *(row for row in rows if row.id != identified.id)]
    else:
        statement = select(*LIST_COLUMNS).where(scope)
        if after_id is not None:
            statement = statement.where(
                tuple_(Client.sort_name, Client.id) > tuple_(_sort_key_of(after_id), after_id)
            )
        rows = db.session.execute(
            statement.order_by(Client.sort_name, Client.id).limit(limit + 1)
        ).all()
    next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
    rows = rows[:limit]
    ids = [row.id for row in rows]
    return Page(
        rows=rows,
        next_cursor=next_cursor,
        labels=labels_of(ids),
        badges=badges_for(ids),
        identified_id=identified.id if identified is not None else None,
    )


def _identified_row(query: str, scope):
    """The list row of the client a whole identifier names (a scanned pass number), if
    the list's filter shows them."""
    client_id = find_client_by_identifier(query)
    if client_id is None:
        return None
    return db.session.execute(select(*LIST_COLUMNS).where(scope, Client.id == client_id)).first()


def labels_of(client_ids: list[int]) -> dict:
    """client id -> its label badges in name order, for a page of the list (one query)."""
    if not client_ids:
        return {}
    badges = defaultdict(list)
    for client_id, label_id, name, colour in db.session.execute(
        select(client_labels.c.client_id, Label.id, Label.name, Label.colour)
        .join(Label, Label.id == client_labels.c.label_id)
        .where(client_labels.c.client_id.in_(client_ids))
        .order_by(Label.name_key)
    ):
        badges[client_id].append(LabelBadge(label_id, name, colour))
    return dict(badges)


def label_counts() -> list:
    """Every label with how many clients (not in the trash) carry it, in name order."""
    holders = (
        select(client_labels.c.label_id, func.count().label("clients"))
        .join(Client, Client.id == client_labels.c.client_id)
        .where(Client.deleted_at.is_(None))
        .group_by(client_labels.c.label_id)
        .subquery()
    )
    return db.session.execute(
        select(Label, func.coalesce(holders.c.clients, 0).label("clients"))
        .outerjoin(holders, holders.c.label_id == Label.id)
        .order_by(Label.name_key)
    ).all()


def all_labels() -> list[Label]:
    return db.session.scalars(select(Label).order_by(Label.name_key)).all()


def _sort_key_of(client_id: int):
    return select(Client.sort_name).where(Client.id == client_id).scalar_subquery()


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


AlertAuthor = aliased(StaffMember)


def open_alerts(client: Client) -> list:
    """Unresolved alerts, most severe first. The client row says whether there are
    any, so a profile without alerts spends no query on them."""
    if client.alert_severity is None:
        return []
    rank = {"critical": 0, "warning": 1, "info": 2}
    rows = db.session.execute(
        select(Alert, AlertAuthor.name.label("author"))
        .outerjoin(AlertAuthor, AlertAuthor.id == Alert.created_by_id)
        .where(Alert.client_id == client.id, Alert.resolved_at.is_(None))
        .order_by(Alert.created_at.desc(), Alert.id.desc())
    ).all()
    return sorted(rows, key=lambda row: rank.get(row.Alert.severity, 3))


NoteAuthor = aliased(StaffMember)
NoteEditor = aliased(StaffMember)


def _notes_select():
    return (
        select(Note, NoteAuthor.name.label("author"), NoteEditor.name.label("editor"))
        .outerjoin(NoteAuthor, NoteAuthor.id == Note.author_id)
        .outerjoin(NoteEditor, NoteEditor.id == Note.updated_by_id)
    )


def _notes_statement(after_cursor: bool):
    others = select(Note.id).where(Note.client_id == bindparam("client_id"), Note.pinned.is_(False))
    if after_cursor:
        others = others.where(
            tuple_(Note.created_at, Note.id)
            < tuple_(bindparam("moment", type_=Note.created_at.type), bindparam("note_id"))
        )
    others = others.order_by(Note.created_at.desc(), Note.id.desc()).limit(bindparam("limit"))
    shown = Note.id.in_(others)
    if not after_cursor:
        shown = or_(Note.pinned.is_(True), shown)
    return (
        _notes_select()
        .where(Note.client_id == bindparam("client_id"), shown)
        .order_by(Note.pinned.desc(), Note.created_at.desc(), Note.id.desc())
    )


# Built once, like _PROFILE: building this statement cost more than running it.
_NOTES_FIRST_PAGE = _notes_statement(after_cursor=False)
_NOTES_AFTER_CURSOR = _notes_statement(after_cursor=True)


def profile_notes(row, limit: int) -> Page:
    """The Overview's first page of notes for a profile row (no query when it has none)."""
    if not row.has_notes:
        return Page(rows=[], next_cursor=None)
    return notes_page(row.Client.id, limit=limit)


def notes_page(client_id: int, before: str | None = None, limit: int = 10) -> Page:
    """The Overview's notes: every pinned note, then the newest others keyset-paged
    on (created_at, id); one query. With `before`, only the next page of others."""
    parameters = {"client_id": client_id, "limit": limit + 1}
    statement = _NOTES_FIRST_PAGE
    if before:
        parameters["moment"], parameters["note_id"] = decode_cursor(before)
        statement = _NOTES_AFTER_CURSOR
    rows = db.session.execute(statement, parameters).all()
    unpinned = [row for row in rows if not row.Note.pinned]
    next_cursor = None
    if len(unpinned) > limit:
        last = unpinned[limit - 1].Note
        next_cursor = encode_cursor(last.created_at, last.id)
        rows.remove(unpinned[limit])
    return Page(rows=rows, next_cursor=next_cursor)


def note(client_id: int, note_id: int):
    """One note of the client with its author's and editor's names, or None."""
    return db.session.execute(
        _notes_select().where(Note.id == note_id, Note.client_id == client_id)
    ).first()


def note_was_deleted(client_id: int, note_id: int) -> bool:
    """Whether the client's timeline records deleting this note: a request naming it
    comes from a page loaded before that (asked only when the note is not found)."""
    deleted = select(Activity.id).where(
        Activity.client_id == client_id,
        Activity.verb == "note.deleted",
        Activity.subject_type == "Note",
        Activity.subject_id == note_id,
    )
    return db.session.scalar(deleted.limit(1)) is not None


def alert(client_id: int, alert_id: int) -> Alert | None:
    return db.session.scalar(
        select(Alert).where(Alert.id == alert_id, Alert.client_id == client_id)
    )


# --- timeline -------------------------------------------------------------------------


def timeline_page(
    client_id: int, before: str | None = None, limit: int = 25, verbs: tuple[str, ...] = ()
) -> Page:
    """Events newest first, keyset-paged on (occurred_at, id): ties neither repeat nor vanish.

    `verbs` keeps only those events (the Activity tab's filters)."""
    statement = (
        select(Activity, StaffMember.name.label("actor_name"))
        .outerjoin(
            StaffMember,
            and_(Activity.actor_type == "staff", StaffMember.id == Activity.actor_id),
        )
        .where(Activity.client_id == client_id)
    )
    if verbs:
        statement = statement.where(Activity.verb.in_(verbs))
    if before:
        moment, activity_id = decode_cursor(before)
        # A row-value comparison lets the index seek straight to the cursor; the
        # equivalent OR makes both databases walk every newer event first.
        statement = statement.where(
            tuple_(Activity.occurred_at, Activity.id) < tuple_(moment, activity_id)
        )
    rows = db.session.execute(
        statement.order_by(Activity.occurred_at.desc(), Activity.id.desc()).limit(limit + 1)
    ).all()
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1].Activity
        next_cursor = encode_cursor(last.occurred_at, last.id)
    return Page(rows=rows[:limit], next_cursor=next_cursor)
