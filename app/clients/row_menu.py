"""The list's row menu ("Actions for NAME"), worked out for a page of rows at once.

Each item is there only when the rule its route checks allows it (the rules live in
rules.py). Asking the rules and url_for from the template, row by row, doubled the list's
cost; one call per page that builds plain values for the template costs a fraction.
"""

from dataclasses import dataclass

from app.clients import rules
from app.core.urls import BoundUrlFor


@dataclass(frozen=True, slots=True)
class RowMenu:
    view: str  # the profile (also the row's name link)
    edit: str | None = None
    merge: str | None = None
    booking_policy: str | None = None  # the online-booking form (Block) and its POST (Unblock)
    blocked: bool = False
    delete: str | None = None
    restore: str | None = None


def row_menus(rows, actor) -> dict[int, RowMenu]:
    """client id -> its menu, for the rows of one page of the list."""
    menus = {}
    url_for = BoundUrlFor()
    for row in rows:
        view = url_for("clients.show", client_id=row.id)
        if row.deleted_at is not None:
            restore = None
            if rules.may_restore(actor, row):
                restore = url_for("clients.restore", client_id=row.id)
            menus[row.id] = RowMenu(view, restore=restore)
        elif rules.may_change_details(actor, row):
            menus[row.id] = RowMenu(
                view,
                edit=url_for("clients.edit", client_id=row.id),
                merge=(
                    url_for("data.merge", client=row.id) if rules.may_merge(actor, row) else None
                ),
                booking_policy=url_for("clients.booking_policy", client_id=row.id),
                blocked=row.booking_policy == "block",
                delete=(
                    url_for("clients.delete", client_id=row.id)
                    if rules.may_delete(actor, row)
                    else None
                ),
            )
        else:
            menus[row.id] = RowMenu(view)
    return menus
