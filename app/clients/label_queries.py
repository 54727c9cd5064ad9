"""Reads for labels: the badges a page of the list shows, every label with how many
clients carry it (the list's filter), and every label (the profile's picker)."""

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from app.core.extensions import db
from app.models import Client, Label, client_labels


@dataclass(frozen=True)
class LabelBadge:
    id: int
    name: str
    colour: str


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
