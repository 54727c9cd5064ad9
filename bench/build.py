"""Build (or reuse) the benchmark databases: the real migrations, then a bulk load.

Two kinds of database per engine, cached under bench/data/ and keyed by their sizes, the
migration head and GENERATOR_VERSION:
- "web": clients with their timelines, plus one client with a very long timeline;
- "search": many clients and nothing else, for in-process search timings.

A database cached under an earlier migration head is migrated forward (the migrations a
deployment would run) instead of rebuilt: the generated data is the same.

Loading goes around the ORM (executemany on SQLite, COPY on PostgreSQL) with the
secondary indexes, foreign keys and search triggers dropped, then put back exactly as the
migrations wrote them, which is several times faster than maintaining them row by row.
"""

import secrets
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import flask_migrate
import psycopg
import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import make_url

from bench import dataset
from bench.util import DATA_DIR, bench_app, log, step

# Bump when the generated data changes, so cached databases are rebuilt.
GENERATOR_VERSION = 2
SEED = 20261122
BATCH = 20_000

# The authors of every client and event (added through the app, like any staff member).
BENCH_STAFF = [
    ("maya.patel@example.com", "Maya Patel", "manager"),
    ("tom.okafor@example.com", "Tom Okafor", "front_desk"),
    ("lena.fischer@example.com", "Lena Fischer", "practitioner"),
    ("sofia.garcia@example.com", "Sofía García", "front_desk"),
    ("james.wright@example.com", "James Wright", "practitioner"),
    ("aisha.khan@example.com", "Aisha Khan", "manager"),
]


@dataclass(frozen=True)
class Sizes:
    clients: int
    activities: int
    heavy: int
    search_clients: int

    @classmethod
    def scaled(cls, scale: float) -> "Sizes":
        def size(full: int, least: int) -> int:
            return max(least, round(full * scale))

        return cls(
            clients=size(100_000, 100),
            activities=size(2_000_000, 200),
            heavy=size(50_000, 100),
            search_clients=size(1_000_000, 200),
        )


def migration_heads() -> str:
    from app import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return "+".join(sorted(head[:8] for head in ScriptDirectory.from_config(config).get_heads()))


def cache_key(kind: str, sizes: Sizes) -> str:
    if kind == "web":
        shape = f"c{sizes.clients}_a{sizes.activities}_h{sizes.heavy}"
    else:
        shape = f"c{sizes.search_clients}"
    return f"{kind}_{shape}_{migration_heads()}_g{GENERATOR_VERSION}".replace("+", "_")


def _earlier_keys(kind: str, sizes: Sizes) -> list[str]:
    """The keys this database had under the earlier migration heads, newest first."""
    from app import MIGRATIONS_DIR

    heads = migration_heads()
    if "+" in heads:
        return []  # a branched history: rebuild rather than guess the order
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    revisions = ScriptDirectory.from_config(config).walk_revisions("base", "heads")
    current = cache_key(kind, sizes)
    return [
        current.replace(f"_{heads}_", f"_{revision.revision[:8]}_")
        for revision in revisions
        if revision.revision[:8] != heads
    ]


def _migrate_forward(url: str) -> None:
    app = bench_app(url)
    with app.app_context():
        flask_migrate.upgrade()
        from app.core.extensions import db

        db.session.remove()
        db.engine.dispose()


@dataclass
class Database:
    url: str
    key: str
    clients: int  # ids 1..clients are ordinary clients
    heavy_id: int | None  # the client with the long timeline (web databases)


def _migrate_and_add_staff(url: str) -> list[int]:
    from app.auth.ops import add_staff
    from app.core.extensions import db

    app = bench_app(url)
    with app.app_context():
        flask_migrate.upgrade()
        ids = [
            add_staff(email, name, role, secrets.token_urlsafe(16)).id
            for email, name, role in BENCH_STAFF
        ]
        db.engine.dispose()
    return ids


def _plan(kind: str, sizes: Sizes, staff_ids: list[int]):
    now = datetime.now(UTC).replace(microsecond=0)
    if kind == "web":
        plan = dataset.plan_with_timeline(
            sizes.clients, sizes.activities, sizes.heavy, staff_ids, SEED, now
        )
    else:
        plan = dataset.plan_clients_only(sizes.search_clients, staff_ids, SEED + 1, now)
    # A phone pool of a few tens of thousands: formatted once, shared like family numbers.
    population = dataset.Population(SEED, phone_pool=min(30_000, max(2_000, plan.count // 30)))
    return plan, population


def _database(kind: str, sizes: Sizes, url: str, key: str) -> Database:
    if kind == "web":
        return Database(url, key, sizes.clients, sizes.clients + 1)
    return Database(url, key, sizes.search_clients, None)


def _batches(rows, size: int = BATCH):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- SQLite -----------------------------------------------------------------------------


def _sqlite_converters(table: str, columns: tuple[str, ...]):
    """Bind processors of the app's column types (dates as SQLAlchemy stores them)."""
    from app.core.extensions import db

    dialect = sqlite_dialect.dialect()
    converters = []
    for position, name in enumerate(columns):
        column_type = db.metadata.tables[table].c[name].type
        if isinstance(column_type, sa.JSON):
            continue  # the generator already hands over JSON text
        processor = column_type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            converters.append((position, processor))
    return converters


def _sqlite_insert(connection, table: str, columns: tuple[str, ...], rows) -> int:
    converters = _sqlite_converters(table, columns)
    # Table and column names are the module's own constants, never input.
    placeholders = ", ".join("?" * len(columns))
    statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
    total = 0
    for batch in _batches(rows):
        if converters:
            converted = []
            for row in batch:
                row = list(row)
                for position, processor in converters:
                    row[position] = processor(row[position])
                converted.append(row)
            batch = converted
        connection.executemany(statement, batch)
        total += len(batch)
    return total


def _check_sqlite_search_index(connection, count: int) -> None:
    """Spot-check that client_search finds clients by their own names."""
    probes = connection.execute(
        "SELECT id, search_text FROM clients WHERE id % ? = 0 LIMIT 25", (max(1, count // 25),)
    ).fetchall()
    for client_id, search_text in probes:
        word = max(search_text.split(), key=len)
        found = connection.execute(
            "SELECT 1 FROM client_search WHERE client_search MATCH ? AND rowid = ?",
            ('"' + word.replace('"', '""') + '"', client_id),
        ).fetchone()
        if not found:
            raise RuntimeError(f"client_search misses client {client_id} ({word!r})")


def build_sqlite(kind: str, sizes: Sizes, rebuild: bool = False) -> Database:
    key = cache_key(kind, sizes)
    path = DATA_DIR / f"sqlite_{key}.db"
    database = _database(kind, sizes, f"sqlite:///{path}", key)
    if path.exists() and not rebuild:
        log(f"reusing {path.relative_to(DATA_DIR.parent.parent)}")
        return database
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    for leftover in (path, partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    earlier = [DATA_DIR / f"sqlite_{other}.db" for other in _earlier_keys(kind, sizes)]
    earlier = next((other for other in earlier if other.exists()), None)
    if earlier is not None and not rebuild:
        with step(f"migrating {earlier.name} forward to {path.name}"):
            with closing(sqlite3.connect(earlier)) as connection:
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            earlier.rename(partial)
            for leftover in earlier.parent.glob(f"{earlier.name}*"):
                leftover.unlink()  # its empty WAL, its job queue
            _migrate_forward(f"sqlite:///{partial}")
            # The migrations' pages are still in the partial file's WAL, which a rename
            # would leave behind under the old name: copy them into the file first.
            with closing(sqlite3.connect(partial)) as connection:
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            for leftover in partial.parent.glob(f"{partial.name}-*"):
                leftover.unlink()
            partial.rename(path)
        return database
    with step(f"building SQLite {kind} database {path.name}"):
        staff_ids = _migrate_and_add_staff(f"sqlite:///{partial}")
        plan, population = _plan(kind, sizes, staff_ids)
        connection = sqlite3.connect(partial, isolation_level=None)
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-1000000")  # 1 GB for the index builds
        connection.execute("PRAGMA temp_store=MEMORY")
        saved = connection.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
            "AND tbl_name IN ('clients', 'activities') AND sql IS NOT NULL"
        ).fetchall()
        for object_type, name, _ in saved:
            connection.execute(f'DROP {object_type.upper()} "{name}"')
        connection.execute("BEGIN")
        count = _sqlite_insert(
            connection, "clients", dataset.CLIENT_COLUMNS, population.client_rows(plan)
        )
        log(f"  {count:,} clients inserted")
        if plan.events:
            count = _sqlite_insert(
                connection,
                "activities",
                dataset.ACTIVITY_COLUMNS,
                dataset.activity_rows(plan, population.changes, staff_ids),
            )
            log(f"  {count:,} activities inserted")
        connection.execute("COMMIT")
        for object_type, _name, statement in saved:
            if object_type == "index":
                connection.execute(statement)
        log("  indexes rebuilt")
        # The FTS5 table is external-content: 'rebuild' reads clients.search_text in one go.
        connection.execute("INSERT INTO client_search(client_search) VALUES ('rebuild')")
        log("  client_search rebuilt")
        for object_type, _name, statement in saved:
            if object_type == "trigger":
                connection.execute(statement)
        _check_sqlite_search_index(connection, plan.count)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        for suffix in ("-wal", "-shm"):
            Path(f"{partial}{suffix}").unlink(missing_ok=True)
        partial.rename(path)
    return database


# --- PostgreSQL ----------------------------------------------------------------------------


def _copy(connection, table: str, columns: tuple[str, ...], rows) -> int:
    total = 0
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            total += 1
    return total


def build_postgres(cluster, kind: str, sizes: Sizes, rebuild: bool = False) -> Database:
    key = cache_key(kind, sizes)
    database = _database(kind, sizes, cluster.url(key), key)
    if cluster.is_ready(key) and not rebuild:
        log(f"reusing PostgreSQL database {key}")
        return database
    earlier = next((other for other in _earlier_keys(kind, sizes) if cluster.is_ready(other)), None)
    if earlier is not None and not rebuild:
        with step(f"migrating PostgreSQL database {earlier} forward to {key}"):
            cluster.rename(earlier, key)  # not ready until migrated
            _migrate_forward(database.url)
            cluster.mark_ready(key)
        return database
    with step(f"building PostgreSQL {kind} database {key}"):
        cluster.recreate(key)
        staff_ids = _migrate_and_add_staff(database.url)
        plan, population = _plan(kind, sizes, staff_ids)
        conninfo = make_url(database.url).set(drivername="postgresql")
        tables = ["clients", "activities"]
        with psycopg.connect(conninfo.render_as_string(hide_password=False)) as connection:
            indexes = connection.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename = ANY(%s) "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
                (tables,),
            ).fetchall()
            foreign_keys = connection.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
                (tables,),
            ).fetchall()
            for table, name, _ in foreign_keys:
                connection.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _ in indexes:
                connection.execute(f'DROP INDEX "{name}"')
            count = _copy(
                connection, "clients", dataset.CLIENT_COLUMNS, population.client_rows(plan)
            )
            log(f"  {count:,} clients copied")
            if plan.events:
                count = _copy(
                    connection,
                    "activities",
                    dataset.ACTIVITY_COLUMNS,
                    dataset.activity_rows(plan, population.changes, staff_ids),
                )
                log(f"  {count:,} activities copied")
            connection.execute("SET maintenance_work_mem = '1GB'")
            for _, definition in indexes:
                connection.execute(definition)
            log("  indexes rebuilt")
            for table, name, definition in foreign_keys:
                connection.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            for table in tables:
                connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                )
            connection.commit()
            # Autovacuum would do this soon after a load; do it now so plans are stable.
            connection.autocommit = True
            connection.execute("VACUUM ANALYZE")
        cluster.mark_ready(key)
    return database
