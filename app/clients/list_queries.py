"""Reads for the client list: its views and label filters, and one page of clients,
keyset-paged (with a query, the search's order; see app.clients.search)."""

from dataclasses import dataclass

from sqlalchemy import and_, select, tuple_

from app.clients.completeness import incomplete_condition
from app.clients.label_queries import labels_of
from app.clients.search import LIST_COLUMNS, search_page
from app.core.extensions import db
from app.core.paging import Page
from app.core.parts import badges_for, find_client_by_identifier
from app.models import Client, client_labels

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


def _sort_key_of(client_id: int):
    return select(Client.sort_name).where(Client.id == client_id).scalar_subquery()
