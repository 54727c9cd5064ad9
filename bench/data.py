"""Data management at full size, in-process on the web database: the duplicate scan over
every client with 2% planted duplicates (time and recall), and the merge (and its undo)
of two clients with 50,000 timeline events each. Everything planted is removed after,
so the cached database stays as it was built."""

import random
import time
from datetime import UTC, date, datetime, timedelta

from bench.util import bench_app, log

PLANTED_SHARE = 0.02
MERGE_EVENTS = 50_000
SCAN_SECONDS = 10
MERGE_SECONDS = 2
IMPORT_ROWS = 10_000
IMPORT_SECONDS = 10
PREVIEW_SECONDS = 5


def _typo(text: str, rng: random.Random) -> str:
    """Two neighbouring letters swapped inside the word (never the first letter)."""
    if len(text) < 4:
        return text + text[-1]
    at = rng.randrange(1, len(text) - 2)
    return text[:at] + text[at + 1] + text[at] + text[at + 2 :]


def _variant(row, kind: int, rng: random.Random) -> dict:
    """A second profile of the same person, as people really make them."""
    from app.data.duplicates import NICKNAMES

    first, last = row.first_name, row.last_name or "Smith"
    values = {"first_name": first, "last_name": last}
    if kind == 0:  # typed again with another case and a +tag
        local, _, domain = (row.email or f"{first}.{last}@example.com").partition("@")
        values["email"] = f"{local.upper()}+visit@{domain}"
    elif kind == 1:  # the same phone, a typo in the last name
        values["phone"] = row.phone
        values["last_name"] = _typo(last, rng)
        if not row.phone:
            values["email"] = row.email
    elif kind == 2:  # first and last name swapped, the same email
        values = {"first_name": last, "last_name": first, "email": row.email}
    elif kind == 3:  # a nickname, the same phone
        nicknames = NICKNAMES.get(first.lower())
        values["first_name"] = nicknames[0].title() if nicknames else first.upper()
        values["phone"] = row.phone
        values["email"] = None if row.phone else row.email
    else:  # a typo in the first name, the same birth date and email
        values["first_name"] = _typo(first, rng)
        values["birth_date"] = row.birth_date or date(1980, 1, 1) + timedelta(days=row.id % 9000)
        values["email"] = row.email
    return values


def measure_scan(app, clients: int) -> dict:
    from sqlalchemy import delete, select

    from app.core.database import write_transaction
    from app.core.extensions import db
    from app.data.duplicates import SCANNED_COLUMNS, find_duplicate_pairs
    from app.models import Client

    rng = random.Random(31)
    planted = max(1, round(clients * PLANTED_SHARE))
    with app.app_context():
        originals = db.session.execute(
            select(*SCANNED_COLUMNS)
            .where(Client.id.in_(rng.sample(range(1, clients + 1), planted)))
            .order_by(Client.id)
        ).all()
        now = datetime.now(UTC)
        copies = []
        with write_transaction():
            for index, row in enumerate(originals):
                variant = _variant(row, index % 5, rng)
                if row.birth_date and "birth_date" not in variant:
                    variant["birth_date"] = row.birth_date
                copy = Client(**variant, created_at=now, updated_at=now)
                db.session.add(copy)
                copies.append((row.id, copy))
            db.session.flush()
            pairs_planted = {(original, copy.id) for original, copy in copies}
        db.session.remove()
        started = time.perf_counter()
        pairs, scanned = find_duplicate_pairs()
        seconds = time.perf_counter() - started
        found = {(low, high) for low, high, _score, _reasons in pairs}
        with write_transaction():
            ids = [high for _low, high in pairs_planted]
            db.session.execute(delete(Client).where(Client.id.in_(ids)))
        db.session.remove()
    recall = len(pairs_planted & found) / len(pairs_planted)
    log(
        f"  duplicate scan: {scanned:,} clients in {seconds:.2f} s, {len(pairs):,} pairs, "
        f"recall {recall:.1%} of {len(pairs_planted):,} planted"
    )
    return {
        "scan_seconds": seconds,
        "scan_clients": scanned,
        "scan_pairs": len(pairs),
        "recall": recall,
        "planted": len(pairs_planted),
    }


def measure_merge(app, owner_email: str) -> dict:
    from sqlalchemy import delete, insert, select

    from app.core.database import write_transaction
    from app.core.extensions import db
    from app.core.sessions import SignedInStaff
    from app.data.merge import merge_clients
    from app.data.merge_coverage import client_references
    from app.data.merge_undo import undo_merge
    from app.models import Activity, Client, StaffMember

    with app.app_context():
        owner = SignedInStaff.of(
            db.session.scalar(select(StaffMember).where(StaffMember.email == owner_email))
        )
        now = datetime.now(UTC)
        with write_transaction():
            pair = [
                Client(first_name="Heavy", last_name=f"Merge {n}", created_at=now, updated_at=now)
                for n in (1, 2)
            ]
            db.session.add_all(pair)
            db.session.flush()
            ids = [client.id for client in pair]
            for client_id in ids:
                db.session.execute(
                    insert(Activity),
                    [
                        {
                            "client_id": client_id,
                            "occurred_at": now - timedelta(minutes=number),
                            "actor_type": "staff",
                            "actor_id": owner.id,
                            "verb": "client.updated",
                            "changes": {"city": [None, f"Town {number % 97}"]},
                        }
                        for number in range(MERGE_EVENTS)
                    ],
                )
        db.session.remove()
        started = time.perf_counter()
        merge = merge_clients(ids[0], [ids[1]], {}, owner)
        merge_seconds = time.perf_counter() - started
        merge_id = merge.id
        db.session.remove()
        started = time.perf_counter()
        undo_merge(merge_id, owner)
        undo_seconds = time.perf_counter() - started
        db.session.remove()
        with write_transaction():
            # Every row that points at the two (the timeline, the merge record, counts).
            for reference in client_references():
                column = reference.table.c[reference.column]
                db.session.execute(delete(reference.table).where(column.in_(ids)))
            db.session.execute(delete(Client).where(Client.id.in_(ids)))
        db.session.remove()
    log(f"  merge of two {MERGE_EVENTS:,}-event clients: {merge_seconds:.2f} s")
    log(f"  its undo: {undo_seconds:.2f} s")
    return {"merge_seconds": merge_seconds, "undo_seconds": undo_seconds}


def _import_file(rows: int) -> bytes:
    """A Google Contacts export of `rows` people none of the clients on file match."""
    rng = random.Random(41)
    lines = ["First Name,Last Name,Birthday,E-mail 1 - Value,Phone 1 - Value,Notes"]
    for number in range(rows):
        birthday = date(1950, 1, 1) + timedelta(days=rng.randrange(20_000))
        lines.append(
            f"Imported{number},Person{number % 997},{birthday.isoformat()},"
            f"imported.{number}@bench-import.example.net,07911 {100000 + number:06d},"
            f"Came from the old system ({number})"
        )
    return ("\n".join(lines) + "\n").encode()


def measure_import(app, owner_email: str) -> dict:
    """The upload, the preview's job and the import's job of a 10,000-row CSV (both jobs
    run in-process through the real job runner), then its revert, which removes what
    it made."""
    from sqlalchemy import delete, select

    from app.core.database import write_transaction
    from app.core.extensions import db
    from app.core.jobs import run_job
    from app.core.sessions import SignedInStaff
    from app.data.imports import ImportSettings
    from app.data.imports.ops import create_import
    from app.data.imports.previews import StoredPreview, preview_key
    from app.data.imports.reading import read_sample
    from app.data.imports.revert import revert_import
    from app.models import ClientImport, Job, StaffMember

    def settings_of(import_id: int) -> ImportSettings:
        return ImportSettings.from_json(db.session.get(ClientImport, import_id).settings)

    content = _import_file(IMPORT_ROWS)
    with app.app_context():
        owner = SignedInStaff.of(
            db.session.scalar(select(StaffMember).where(StaffMember.email == owner_email))
        )
        started = time.perf_counter()  # what the upload request does
        sample = read_sample(content, "csv")
        client_import = create_import("bench-import.csv", "csv", content, sample, owner)
        upload_seconds = time.perf_counter() - started
        import_id = client_import.id
        with write_transaction():  # as start_preview records it (not queued: run below)
            preview = Job(kind="import_preview", status="queued", created_by_id=owner.id)
            preview.params = {"import_id": import_id, "key": preview_key(settings_of(import_id))}
            db.session.add(preview)
            db.session.flush()
            preview_job_id = preview.id
            db.session.get(ClientImport, import_id).preview_job_id = preview_job_id
        db.session.remove()
        started = time.perf_counter()
        run_job(preview_job_id)  # reads the whole file, checks and plans every row, keeps it
        preview_seconds = time.perf_counter() - started
        db.session.remove()
        previewed = db.session.get(ClientImport, import_id)
        found = StoredPreview.from_json(previewed.preview)
        if found is None or found.counts["create"] != IMPORT_ROWS:
            job = db.session.get(Job, preview_job_id)
            raise RuntimeError(f"the import's preview ended {job.status}: {job.error or found}")
        with write_transaction():
            job = Job(kind="import", status="queued", params={"import_id": import_id})
            job.created_by_id = owner.id
            db.session.add(job)
            db.session.flush()
            job_id = job.id
            db.session.get(ClientImport, import_id).job_id = job_id
        db.session.remove()
        started = time.perf_counter()
        run_job(job_id)
        job_seconds = time.perf_counter() - started
        db.session.remove()
        job = db.session.get(Job, job_id)
        if job.status != "done" or job.result["created"] != IMPORT_ROWS:
            raise RuntimeError(f"the import job ended {job.status}: {job.error or job.result}")
        started = time.perf_counter()
        revert_import(db.session.get(ClientImport, import_id), owner)
        revert_seconds = time.perf_counter() - started
        with write_transaction():
            db.session.execute(delete(ClientImport).where(ClientImport.id == import_id))
            db.session.execute(delete(Job).where(Job.id.in_([job_id, preview_job_id])))
        db.session.remove()
    log(
        f"  import of {IMPORT_ROWS:,} CSV rows: upload {upload_seconds:.2f} s, preview job "
        f"{preview_seconds:.2f} s, import job {job_seconds:.2f} s, revert {revert_seconds:.2f} s"
    )
    return {
        "upload_seconds": upload_seconds,
        "preview_seconds": preview_seconds,
        "import_seconds": job_seconds,
        "revert_seconds": revert_seconds,
    }


def measure_data(database_url: str, clients: int, owner_email: str) -> dict:
    app = bench_app(database_url)
    figures = measure_scan(app, clients)
    figures |= measure_merge(app, owner_email)
    figures |= measure_import(app, owner_email)
    from app.core.extensions import db

    with app.app_context():
        db.engine.dispose()
    return figures
