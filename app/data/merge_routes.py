"""HTTP for the duplicate finder, the merge and its undo (on the data blueprint)."""

from flask import abort, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.clients.api import ListFilter, client_page
from app.core.extensions import db
from app.core.htmx import is_fragment_request, render_page
from app.core.jobs import start_job
from app.core.parts import ProfileAction
from app.core.paths import parse_id
from app.core.permissions import Permission, requires
from app.data import merge as merging
from app.data import merge_undo
from app.data.duplicates import mark_not_duplicate
from app.data.merge_errors import MergeRefused, StaleProfiles
from app.data.merge_summaries import what_moves
from app.data.routes import bp
from app.models import FIELD_LABELS, Client, Job, NotDuplicate

MERGE_ACTION = ProfileAction(
    "merge", "Merge with…", "data.merge", order=80, permission=Permission.MERGE_CLIENTS
)
PAIRS_PER_PAGE = 20


# --- find duplicates ---------------------------------------------------------------------


def _latest_scan(*statuses: str) -> Job | None:
    return db.session.scalars(
        select(Job)
        .where(Job.kind == "duplicate_scan", Job.status.in_(statuses))
        .order_by(Job.id.desc())
        .limit(1)
    ).first()


def _pairs_page(pairs: list, start: int) -> tuple[list, int | None]:
    """Up to PAIRS_PER_PAGE of the scan's pairs from `start` that still stand (both
    profiles on the list, not marked "Not a duplicate" since), with the two profiles;
    the index to go on from, or None at the end. Two queries per batch of pairs."""
    shown = []
    index = start
    while len(shown) < PAIRS_PER_PAGE and index < len(pairs):
        batch = pairs[index : index + PAIRS_PER_PAGE * 2]
        ids = {pair[0] for pair in batch} | {pair[1] for pair in batch}
        profiles = {
            client.id: client
            for client in db.session.scalars(
                select(Client).where(Client.id.in_(ids), Client.deleted_at.is_(None))
            )
        }
        dismissed = set(
            db.session.execute(
                select(NotDuplicate.low_id, NotDuplicate.high_id).where(
                    NotDuplicate.low_id.in_(ids)
                )
            ).all()
        )
        for offset, (low, high, score, reasons) in enumerate(batch, start=1):
            if low in profiles and high in profiles and (low, high) not in dismissed:
                shown.append((profiles[low], profiles[high], score, reasons))
            if len(shown) == PAIRS_PER_PAGE:
                index += offset
                break
        else:
            index += len(batch)
    return shown, index if index < len(pairs) else None


@bp.get("/clients/duplicates")
@requires(Permission.MERGE_CLIENTS)
def duplicates():
    """The finder: the latest scan's pairs, and a running scan's progress."""
    running = _latest_scan("queued", "running")
    scan = _latest_scan("done")
    failed = _latest_scan("failed")
    if failed and scan and failed.id < scan.id:
        failed = None
    start = parse_id(request.args.get("from", "0")) or 0
    pairs, next_start = _pairs_page((scan.result or {}).get("pairs", []) if scan else [], start)
    block = "pair_page" if start else "duplicates_panel"
    return render_page(
        "data/duplicates.html",
        block,
        running=running,
        scan=scan,
        failed=failed if not running else None,
        pairs=pairs,
        start=start,
        next_start=next_start,
    )


@bp.post("/clients/duplicates/scan")
@requires(Permission.MERGE_CLIENTS)
def scan_duplicates():
    if _latest_scan("queued", "running") is None:
        start_job("duplicate_scan", current_user, {})
    return redirect(url_for("data.duplicates"), 303)


@bp.post("/clients/duplicates/not-duplicate")
@requires(Permission.MERGE_CLIENTS)
def not_duplicate():
    """ "Not a duplicate": remembered, and the pair leaves the finder for good."""
    first, second = (
        parse_id(request.form.get("first", "")),
        parse_id(request.form.get("second", "")),
    )
    if first is None or second is None or first == second:
        abort(400)
    found = db.session.scalars(select(Client.id).where(Client.id.in_((first, second)))).all()
    if len(found) != 2:
        abort(404)
    mark_not_duplicate(first, second, current_user)
    if is_fragment_request():
        return ""  # htmx removes the pair's row
    return redirect(url_for("data.duplicates"), 303)


# --- merge ---------------------------------------------------------------------------


def _picked_ids(client_id: int | None) -> list[int]:
    """The profiles on the merge page: the URL's own (/clients/<id>/merge) and those the
    query string or the form add (client=…), in order, at most MAX_PROFILES."""
    source = request.form if request.method == "POST" else request.args
    ids = [client_id] if client_id is not None else []
    for value in source.getlist("client")[: merging.MAX_PROFILES + 1]:
        picked = parse_id(value)
        if picked is None:
            abort(400)
        if picked not in ids:
            ids.append(picked)
    if len(ids) > merging.MAX_PROFILES:
        abort(400)
    return ids


def _merge_page(ids, survivor_id=None, error=None, status=200, choices=None):
    profiles = {
        client.id: client for client in db.session.scalars(select(Client).where(Client.id.in_(ids)))
    }
    if len(profiles) != len(ids):
        abort(404)
    ordered = [profiles[i] for i in ids]
    if survivor_id not in profiles:
        survivor_id = ids[0]
    survivor = profiles[survivor_id]
    others = [client for client in ordered if client.id != survivor_id]
    defaults = merging.default_choices(survivor, others) if others else {}
    query = request.args.get("q", "")[:100] if request.method == "GET" else ""
    found = []
    if len(ids) < merging.MAX_PROFILES and query.strip():
        found = [
            row for row in client_page(query, None, 10, ListFilter()).rows if row.id not in profiles
        ]
    problems = [
        problem
        for problem in (merging.mergeable_problem(current_user, c) for c in ordered)
        if problem
    ]
    return render_page(
        "data/merge.html",
        "merge_form",
        status=status,
        profiles=ordered,
        survivor=survivor,
        choices={**defaults, **(choices or {})},
        fields=FIELD_LABELS,
        moves=what_moves(ids),
        query=query,
        found=found,
        problems=problems,
        error=error,
        ids=ids,
        max_profiles=merging.MAX_PROFILES,
    )


@bp.route("/clients/merge", methods=["GET", "POST"])
@bp.route("/clients/<id:client_id>/merge", methods=["GET", "POST"])
@requires(Permission.MERGE_CLIENTS)
def merge(client_id: int | None = None):
    """Pick two or three profiles, the one that stays, and each field's value; merge."""
    ids = _picked_ids(client_id)
    if not ids:
        abort(404)
    if request.method == "GET":
        return _merge_page(ids, parse_id(request.args.get("survivor", "")))
    survivor_id = parse_id(request.form.get("survivor", ""))
    if survivor_id not in ids:
        abort(400)
    choices = {}
    for field in FIELD_LABELS:
        source = parse_id(request.form.get(f"choice_{field}", ""))
        if source in ids:
            choices[field] = source
    versions = {}
    for picked in ids:
        version = parse_id(request.form.get(f"version_{picked}", ""))
        if version is not None:
            versions[picked] = version
    try:
        merging.merge_clients(
            survivor_id, [i for i in ids if i != survivor_id], choices, current_user, versions
        )
    except StaleProfiles as stale:
        return _merge_page(ids, survivor_id, error=str(stale), status=409, choices=choices)
    except MergeRefused as refused:
        return _merge_page(ids, survivor_id, error=str(refused), status=409, choices=choices)
    return redirect(url_for("clients.show", client_id=survivor_id), 303)


@bp.post("/clients/merges/<id:merge_id>/undo")
@requires(Permission.MERGE_CLIENTS)
def undo_merge(merge_id: int):
    merge, members, profiles = merge_undo.merge_state(merge_id)
    if merge is None:
        abort(404)
    try:
        merge_undo.undo_merge(merge_id, current_user)
    except MergeRefused as refused:
        blockers = getattr(refused, "blockers", [str(refused)])
        return render_page(
            "data/undo_blocked.html",
            "undo_blocked",
            status=409,
            merge=merge,
            survivor=profiles.get(merge.survivor_id),
            blockers=blockers,
        )
    return redirect(url_for("clients.show", client_id=merge.survivor_id), 303)
