"""What the data area adds to a client's profile, export and erasure: the imports that
touched the client, the merges that made (or took) the profile, the pairs staff said
are not duplicates, and the Overview card from which a recent merge is undone."""

from sqlalchemy import delete, or_, select

from app.core import erasure_ledger
from app.core.erasure import ErasureStep
from app.core.export import ExportSection
from app.core.extensions import db
from app.core.parts import OverviewCard
from app.core.permissions import Permission
from app.data.merge_summaries import may_still_undo, recent_merges
from app.models import (
    Client,
    ClientImport,
    ImportedClient,
    Merge,
    MergedClient,
    NotDuplicate,
)

MERGES_CARD = OverviewCard(
    "merges",
    "data/_merges_card.html",
    order=90,
    load=lambda client: {"recent_merges": recent_merges(client.id)},
    queries=1,
    permission=Permission.MERGE_CLIENTS,
    shown=may_still_undo,
)


def _export_imports(client) -> list[dict]:
    rows = db.session.execute(
        select(ClientImport.filename, ClientImport.imported_at, ImportedClient.action)
        .join(ImportedClient, ImportedClient.import_id == ClientImport.id)
        .where(ImportedClient.client_id == client.id)
        .order_by(ImportedClient.id)
    ).all()
    return [
        {
            "file": filename,
            "imported_at": imported_at.isoformat() if imported_at else None,
            "action": action,
        }
        for filename, imported_at, action in rows
    ]


IMPORTS_EXPORT = ExportSection(
    "imports", _export_imports, tables=("imported_clients", "client_imports")
)


def _export_merges(client) -> dict:
    made = db.session.execute(
        select(Merge.id, Merge.created_at, Merge.undone_at)
        .where(Merge.survivor_id == client.id)
        .order_by(Merge.id)
    ).all()
    members = dict(
        db.session.execute(
            select(MergedClient.merge_id, MergedClient.client_id).where(
                MergedClient.merge_id.in_([row.id for row in made])
            )
        ).all()
    )
    pairs = db.session.execute(
        select(NotDuplicate.low_id, NotDuplicate.high_id).where(
            or_(NotDuplicate.low_id == client.id, NotDuplicate.high_id == client.id)
        )
    ).all()
    return {
        "merged_into_this_profile": [
            {
                "merged_at": row.created_at.isoformat(),
                "profile_id": members.get(row.id),
                "undone_at": row.undone_at.isoformat() if row.undone_at else None,
            }
            for row in made
        ],
        "merged_into": client.merged_into_id,
        "not_duplicates_of": sorted(high if low == client.id else low for low, high in pairs),
    }


MERGES_EXPORT = ExportSection(
    "merges", _export_merges, tables=("merges", "merged_clients", "not_duplicates")
)


def _erase_data_history(client) -> None:
    """The values an import or a merge kept (to revert or undo) are this person's: they
    go, and so do the profiles merged into this one (the same person, hidden from every
    list but holding their details until an undo that can no longer happen)."""
    from app.clients.api import wipe_client

    merged_in = db.session.scalars(
        select(Client).where(Client.merged_into_id == client.id, Client.erased_at.is_(None))
    ).all()
    for member in merged_in:
        wipe_client(member, None)
        erasure_ledger.erased_after_commit(member)
    made_here = select(Merge.id).where(Merge.survivor_id == client.id)
    db.session.execute(delete(MergedClient).where(MergedClient.merge_id.in_(made_here)))
    db.session.execute(delete(MergedClient).where(MergedClient.client_id == client.id))
    db.session.execute(delete(Merge).where(Merge.survivor_id == client.id))
    db.session.execute(delete(ImportedClient).where(ImportedClient.client_id == client.id))
    db.session.execute(
        delete(NotDuplicate).where(
            or_(NotDuplicate.low_id == client.id, NotDuplicate.high_id == client.id)
        )
    )


DATA_ERASURE = ErasureStep(
    "data",
    _erase_data_history,
    tables=("imported_clients", "client_imports", "merges", "merged_clients", "not_duplicates"),
)
