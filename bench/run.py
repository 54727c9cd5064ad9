"""`make bench`: build large databases, load the pages with wrk, time search, print targets.

    python -m bench.run [--scale 1.0] [--only sqlite|postgres] [--duration 10] [--rounds 2]
                        [--connections 8] [--rebuild] [--explain]

Full size (scale 1.0): 100,000 clients with 2,000,000 timeline events plus one client with
50,000 events for the pages, and 1,000,000 clients for in-process search, on SQLite and on
PostgreSQL. Built databases are cached under bench/data/. The exit status is 0 when every
measurement ran (whatever the targets say) and 1 when something crashed.
"""

import argparse
import gzip
import math
import os
import random
import re
import secrets
import signal
import statistics
import sys
import time
import traceback
from dataclasses import dataclass, field
from urllib.parse import quote

from bench import search
from bench.build import Database, Sizes, build_postgres, build_sqlite
from bench.credits import (
    ADJUSTMENTS,
    LEDGER_FEW,
    LEDGER_MANY,
    PROCESSES,
    measure_adjustments,
    prepare_accounts,
)
from bench.data import (
    IMPORT_ROWS,
    IMPORT_SECONDS,
    MERGE_EVENTS,
    MERGE_SECONDS,
    PLANTED_SHARE,
    PREVIEW_SECONDS,
    SCAN_SECONDS,
    measure_data,
)
from bench.pg import Cluster
from bench.sessions import DAY_SESSIONS, FEW, MANY, prepare_sessions
from bench.util import DATA_DIR, REPO, bench_app, forget_earlier_load, log, step
from bench.web import COOKIE, HTMX, Gunicorn, Load, check, combine, sign_in, wrk

OWNER_EMAIL = "bench.owner@example.com"
LOAD_AT_START = os.getloadavg()
PROFILE_SAMPLE = 200  # distinct clients the profile and Activity tab loads rotate over
WEB_SEARCH_TERMS = 50
SEARCH_TERMS = 200
JS_BUDGET = 20_000  # bytes gzipped
# The profile's share of the /healthz ceiling: a margin for the parts still to come.
PROFILE_SHARE = 0.25
SESSIONS_TAB_RATIO = 1.2  # a client with 5,000 sessions against one with 5
RECEPTION_P99_MS = 50  # a day of 400 sessions
BOOKINGS_PER_SECOND = 200  # POSTs that book a free slot, the conflict check included
BOOKING_CHUNK = 7_000  # distinct free slots each wrk run of the booking load may use
SEARCH_MAX_MS = 30  # the slowest of the SEARCH_TERMS
ACCOUNT_TAB_RATIO = 1.2  # a client with 2,000 ledger rows against one with 2

ENDPOINTS = (
    # key, label (the paths and headers of each are in measure_web)
    ("healthz", "/healthz (ceiling; no session cookie)"),
    ("clients", "/clients list, first page (full page)"),
    ("search", "/clients?q= search ({terms} terms; htmx fragment)"),
    # The profile's clients have a membership card and a Credits box (bench/credits.py).
    ("profile", "profile + membership card + credits ({sample}; full page)"),
    ("profile_heavy", "profile of the {heavy:,}-event client (full page)"),
    ("activity", "Activity tab timeline page 1 ({sample} clients; htmx)"),
    ("timeline_1", "{heavy:,}-event client: timeline page 1 (htmx)"),
    ("timeline_n", "{heavy:,}-event client: timeline page {page:,} (htmx)"),
    ("sessions_few", "Sessions tab, client with {few} sessions (htmx)"),
    ("sessions_many", "Sessions tab, client with {many:,} sessions (htmx)"),
    ("reception", "reception, a day of {day} sessions (full page)"),
    ("book", "book a free slot (POST, conflict check; htmx)"),
    # The same for the profile's clients, members with credits: each booking redeems one.
    ("book_member", "book a free slot, a member's credit redeemed (POST; htmx)"),
    ("account_few", "Account tab, client with {ledger_few} ledger rows (htmx)"),
    ("account_many", "Account tab, client with {ledger_many:,} ledger rows (htmx)"),
)


@dataclass
class EngineResult:
    loads: dict = field(default_factory=dict)
    page: int = 0
    heavy_events: int = 0
    search: dict | None = None
    search_clients: int = 0
    explained: list = field(default_factory=list)
    data: dict | None = None
    credits: dict | None = None  # the concurrent adjustments


@dataclass
class Plan:
    """What the web phase requests, read from the database before the load starts."""

    owner_password: str
    profile_ids: list
    heavy_id: int
    heavy_events: int
    web_terms: list
    page: int
    cursor: str | None
    page_size: int
    sessions: object = None
    accounts: object = None
    booking_ids: list = field(default_factory=list)


def prepare_web(database: Database, explain: bool, result: EngineResult) -> Plan:
    """A fresh owner to sign in with, the clients to visit and the page-N cursor."""
    from sqlalchemy import delete, func, select

    from app.auth.ops import add_staff
    from app.clients.timeline_queries import timeline_page
    from app.core.database import write_transaction
    from app.core.extensions import db
    from app.core.paging import encode_cursor
    from app.models import Activity, StaffMember

    forget_earlier_load(database.url)
    app = bench_app(database.url)
    rng = random.Random(7)
    with app.app_context():
        with write_transaction():
            db.session.execute(delete(StaffMember).where(StaffMember.email == OWNER_EMAIL))
        password = secrets.token_urlsafe(16)
        add_staff(OWNER_EMAIL, "Bench Owner", "owner", password)
        page_size = app.config["TIMELINE_PAGE_SIZE"]
        heavy = database.heavy_id
        events = db.session.scalar(
            select(func.count()).select_from(Activity).where(Activity.client_id == heavy)
        )
        page = min(1000, max(2, math.ceil(events / page_size)))
        # The cursor of page N is that of the last event on page N - 1 (newest first).
        last_of_previous = db.session.execute(
            select(Activity.occurred_at, Activity.id)
            .where(Activity.client_id == heavy)
            .order_by(Activity.occurred_at.desc(), Activity.id.desc())
            .offset((page - 1) * page_size - 1)
            .limit(1)
        ).one()
        cursor = encode_cursor(last_of_previous.occurred_at, last_of_previous.id)
        rows = search.sample_clients(db.session, database.clients, WEB_SEARCH_TERMS * 2, 11)
        web_terms = [term for _, term in search.terms(rows, WEB_SEARCH_TERMS, 12)]
        if explain:
            for label, before in (("timeline page 1", None), (f"timeline page {page}", cursor)):
                with search.captured_statements(db.engine) as seen:
                    timeline_page(heavy, before, page_size)
                db.session.remove()
                result.explained.append(f"{label} of client {heavy}:")
                result.explained.append(search.explain(db.engine, *seen[-1]))
        db.session.remove()
        db.engine.dispose()
    profile_ids = rng.sample(range(1, database.clients + 1), min(PROFILE_SAMPLE, database.clients))
    # The plain booking load books clients with no membership or credits (the profile's
    # clients are members: their bookings redeem a credit, the "book_member" row).
    others = [cid for cid in range(1, database.clients + 1) if cid not in {*profile_ids, heavy}]
    booking_ids = rng.sample(others[: len(others) // 2], min(PROFILE_SAMPLE, len(others) // 2))
    sessions = prepare_sessions(
        app, [cid for cid in profile_ids if cid != heavy], booked_ids=booking_ids
    )
    # The profile's clients have a membership and credits (the card and the Credits box);
    # three clients no other load visits hold the Account tab's ledgers and take the
    # concurrent adjustments.
    visited = {*profile_ids, heavy}
    spare = [cid for cid in range(database.clients, 0, -1) if cid not in visited][:3]
    accounts = prepare_accounts(app, [cid for cid in profile_ids if cid != heavy], spare)
    return Plan(
        password,
        profile_ids,
        heavy,
        events,
        web_terms,
        page,
        cursor,
        page_size,
        sessions,
        accounts,
        booking_ids,
    )


def measure_web(database: Database, args, result: EngineResult) -> None:
    plan = prepare_web(database, args.explain, result)
    result.page, result.heavy_events = plan.page, plan.heavy_events
    heavy = plan.heavy_id
    requests_by_key = {
        "healthz": (["/healthz"], False),
        "clients": (["/clients"], False),
        "search": ([f"/clients?q={quote(term)}" for term in plan.web_terms], True),
        "profile": ([f"/clients/{cid}" for cid in plan.profile_ids], False),
        "profile_heavy": ([f"/clients/{heavy}"], False),
        "activity": ([f"/clients/{cid}/activity/timeline" for cid in plan.profile_ids], True),
        "timeline_1": ([f"/clients/{heavy}/activity/timeline"], True),
        "timeline_n": ([f"/clients/{heavy}/activity/timeline?before={plan.cursor}"], True),
        "sessions_few": ([f"/clients/{plan.sessions.few_id}/sessions"], True),
        "sessions_many": ([f"/clients/{plan.sessions.many_id}/sessions"], True),
        "reception": (["/reception"], False),
        "book": ([f"/clients/{cid}/sessions/new" for cid in plan.booking_ids], True),
        "book_member": (
            [f"/clients/{cid}/sessions/new" for cid in plan.profile_ids[2:]],
            True,
        ),
        "account_few": ([f"/clients/{plan.accounts.few_id}/account"], True),
        "account_many": ([f"/clients/{plan.accounts.many_id}/account"], True),
    }
    slots = plan.sessions.booking_bodies

    def booking_slots() -> list[str]:
        # Each wrk run of the booking load takes slots no earlier run has taken.
        taken = slots[:BOOKING_CHUNK]
        del slots[:BOOKING_CHUNK]
        if len(taken) < BOOKING_CHUNK:
            raise RuntimeError("the booking load ran out of free slots")
        return taken

    with Gunicorn(database.url) as server:
        cookie = sign_in(server.base, OWNER_EMAIL, plan.owner_password)
        signed_in = {"Cookie": f"{COOKIE}={cookie}"}
        page_for_token = check(server.base, "/clients", signed_in).text
        token = re.search(r'"X-CSRFToken": "([^"]+)"', page_for_token).group(1)
        posting = {
            "X-CSRFToken": token,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        prepared = []
        for key, _ in ENDPOINTS:
            paths, htmx = requests_by_key[key]
            headers = ({} if key == "healthz" else signed_in) | (HTMX if htmx else {})
            if key in ("book", "book_member"):
                headers |= posting
                wrk(server.base, paths, headers, 2.0, 4, bodies=booking_slots())
                prepared.append((key, paths, headers))
                continue
            response = check(server.base, paths[0], headers)
            if key == "timeline_n":
                shown = response.text.count('<li class="event event--')
                if shown != plan.page_size:
                    raise RuntimeError(f"timeline page {plan.page} shows {shown} events")
            # Both workers load their templates, connections and caches before any timing.
            wrk(server.base, paths, headers, max(1.0, min(3.0, args.duration / 5)), 4)
            prepared.append((key, paths, headers))
        # Rounds over all endpoints, so drifting background load spreads over all of them
        # instead of skewing the one that happened to run at a bad moment.
        rounds: dict[str, list[Load]] = {key: [] for key, _, _ in prepared}
        for number in range(1, args.rounds + 1):
            for key, paths, headers in prepared:
                bodies = booking_slots() if key in ("book", "book_member") else None
                load = wrk(
                    server.base, paths, headers, args.duration, args.connections, bodies=bodies
                )
                if load.refusals:
                    # A refused booking is a figure of this row, not a crash of the run.
                    log(f"  {key}: {len(load.refusals)} refused: {load.refusals[0][:600]}")
                elif load.errors:
                    raise RuntimeError(
                        f"{key}: {load.errors} failed requests under load; the server's log "
                        f"ends:\n{server.log_tail()}"
                    )
                rounds[key].append(load)
                log(
                    f"  round {number} {key:<14} {load.rps:9.1f} req/s  "
                    f"p50 {load.p50_ms:7.2f} ms  p99 {load.p99_ms:7.2f} ms"
                )
        result.loads = {key: combine(loads) for key, loads in rounds.items()}
        with step(f"{ADJUSTMENTS:,} concurrent credit adjustments ({PROCESSES} processes)"):
            result.credits = measure_adjustments(
                bench_app(database.url), server.base, plan.accounts
            )
        log(
            f"  adjustments: {result.credits['seconds']:.1f} s, lost {result.credits['lost']}, "
            f"5xx {result.credits['errors']}, problems {result.credits['problems']}"
        )


def measure_search(database: Database, args, result: EngineResult) -> None:
    from app.core.extensions import db

    app = bench_app(database.url)
    with app.app_context():
        rows = search.sample_clients(db.session, database.clients, SEARCH_TERMS * 2, 21)
        db.session.remove()
    picked = search.terms(rows, SEARCH_TERMS, 22)
    page_size = app.config["PAGE_SIZE"]
    with step(f"timing {len(picked)} searches in-process over {database.clients:,} clients"):
        result.search = search.time_search(app, picked, page_size)
    result.search_clients = database.clients
    if args.explain:
        result.explained += search.explain_terms(
            app,
            picked,
            page_size,
            ("last name", "first name", "name prefix", "two letters", "email fragment"),
        )
        # And the slowest terms of this run, whatever their kind.
        slowest = [
            (f"slowest {rank}: {kind}", term)
            for rank, (_, kind, term, _) in enumerate(
                sorted(result.search["timings"], reverse=True)[:2], 1
            )
        ]
        result.explained += search.explain_terms(
            app, slowest, page_size, tuple(kind for kind, _ in slowest)
        )
    with app.app_context():
        db.engine.dispose()


def run_engine(engine: str, sizes: Sizes, args) -> EngineResult:
    result = EngineResult()
    if engine == "sqlite":
        web = build_sqlite("web", sizes, args.rebuild)
        searched = build_sqlite("search", sizes, args.rebuild)
        with step("SQLite: pages under wrk"):
            measure_web(web, args, result)
        with step("SQLite: duplicate scan, merge, import"):
            result.data = measure_data(web.url, web.clients, OWNER_EMAIL)
        measure_search(searched, args, result)
        return result
    with Cluster(DATA_DIR) as cluster:
        web = build_postgres(cluster, "web", sizes, args.rebuild)
        searched = build_postgres(cluster, "search", sizes, args.rebuild)
        with step("PostgreSQL: pages under wrk"):
            measure_web(web, args, result)
        with step("PostgreSQL: duplicate scan, merge, import"):
            result.data = measure_data(web.url, web.clients, OWNER_EMAIL)
        measure_search(searched, args, result)
    return result


def javascript_size() -> tuple[int, list[str]]:
    """Every script the app serves, each gzipped as a server would (level 6)."""
    total, names = 0, []
    for path in sorted((REPO / "app" / "static").rglob("*.js")):
        total += len(gzip.compress(path.read_bytes(), compresslevel=6))
        names.append(str(path.relative_to(REPO / "app" / "static")))
    return total, names


# --- report ------------------------------------------------------------------------------


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def targets(result: EngineResult) -> list[tuple[str, str]]:
    """(figure, verdict) for each per-engine target, in TARGETS order."""
    loads = result.loads
    out = []

    def ratio_row(numerator: str, denominator: str, limit: float, inverse: bool = False):
        if numerator not in loads or denominator not in loads:
            return ("not measured", "—")
        value = loads[numerator].rps / loads[denominator].rps
        if inverse:
            return (f"{value:.2f}x", _verdict(value <= limit))
        return (f"{value:.1%}", _verdict(value >= limit))

    out.append(ratio_row("profile", "healthz", PROFILE_SHARE))
    if "profile" in loads:
        p99 = loads["profile"].p99_ms
        out.append((f"{p99:.1f} ms", _verdict(p99 <= 25)))
    else:
        out.append(("not measured", "—"))
    out.append(ratio_row("profile", "profile_heavy", 1.5, inverse=True))
    out.append(ratio_row("timeline_1", "timeline_n", 1.2, inverse=True))
    out.append(ratio_row("sessions_few", "sessions_many", SESSIONS_TAB_RATIO, inverse=True))
    if "reception" in loads:
        p99 = loads["reception"].p99_ms
        out.append((f"{p99:.1f} ms", _verdict(p99 <= RECEPTION_P99_MS)))
    else:
        out.append(("not measured", "—"))
    if "book" in loads:
        rps, refused = loads["book"].rps, loads["book"].errors
        figure = f"{rps:.0f}/s" + (f", {refused} refused" if refused else "")
        out.append((figure, _verdict(rps >= BOOKINGS_PER_SECOND and not refused)))
    else:
        out.append(("not measured", "—"))
    out.append(ratio_row("account_few", "account_many", ACCOUNT_TAB_RATIO, inverse=True))
    if result.credits:
        found = result.credits
        figure = f"{found['seconds']:.1f} s, lost {found['lost']}"
        out.append((figure, _verdict(found["exact"] and not found["errors"])))
    else:
        out.append(("not measured", "—"))
    if result.search:
        p95, worst = result.search["p95_ms"], result.search["max_ms"]
        out.append((f"{p95:.1f} ms", _verdict(p95 <= 15)))
        out.append((f"{worst:.1f} ms", _verdict(worst < SEARCH_MAX_MS)))
    else:
        out += [("not measured", "—")] * 2
    return out


def report(results: dict, sizes: Sizes, args, js: tuple[int, list[str]], elapsed: float) -> None:
    engines = list(results)
    names = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
    any_result = next((result for result in results.values() if result), EngineResult())
    page = any_result.page or min(1000, math.ceil(sizes.heavy / 25))
    heavy = any_result.heavy_events or sizes.heavy
    width, column = 60, 30
    error = f"{'error':>{column}}"
    lines = [
        "",
        f"Clientele benchmark, scale {args.scale:g}: {sizes.clients:,} clients with "
        f"{sizes.activities:,} events + 1 client with {heavy:,} events; search over "
        f"{sizes.search_clients:,} clients",
        f"gunicorn 2 sync workers, production settings; wrk -t1 -c{args.connections} "
        f"-d{args.duration:g}s on loopback, {args.rounds} rounds per endpoint (req/s: mean, "
        "p50: mean, p99: worst round); cost = 1 / (req/s)",
        f"load average at start {LOAD_AT_START[0]:.1f}, at end {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} CPUs (other work on the machine skews every figure)",
        "",
        " " * width + "".join(f"{names[e]:>{column}}" for e in engines),
        " " * width + f"{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}" * len(engines),
    ]
    for key, label in ENDPOINTS:
        label = label.format(
            terms=WEB_SEARCH_TERMS,
            sample=PROFILE_SAMPLE,
            heavy=heavy,
            page=page,
            few=FEW,
            many=MANY,
            day=DAY_SESSIONS,
            ledger_few=LEDGER_FEW,
            ledger_many=LEDGER_MANY,
        )
        cells = ""
        for engine in engines:
            load: Load | None = (results[engine].loads if results[engine] else {}).get(key)
            cells += f"{load.rps:>10.1f}{load.p50_ms:>10.2f}{load.p99_ms:>10.2f}" if load else error
        lines.append(f"{label:<{width}}{cells}")
    cells = ""
    for engine in engines:
        found = results[engine].search if results[engine] else None
        cells += (
            f"{found['median_ms']:>10.2f}{found['p95_ms']:>10.2f}{found['max_ms']:>10.2f}"
            if found
            else error
        )
    label = f"search in-process, {SEARCH_TERMS} terms (median, p95, max ms)"
    lines.append(f"{label:<{width}}{cells}")
    target_labels = [
        f"profile req/s >= {PROFILE_SHARE:.0%} of /healthz req/s",
        "profile p99 <= 25 ms",
        f"{heavy:,}-event client's profile cost <= 1.5x average",
        f"timeline page {page:,} cost <= 1.2x page 1",
        f"Sessions tab: {MANY:,} sessions cost <= {SESSIONS_TAB_RATIO}x {FEW}",
        f"reception ({DAY_SESSIONS} sessions) p99 <= {RECEPTION_P99_MS} ms",
        f"booking a free slot >= {BOOKINGS_PER_SECOND} per second",
        f"Account tab: {LEDGER_MANY:,} ledger rows cost <= {ACCOUNT_TAB_RATIO}x {LEDGER_FEW}",
        f"{ADJUSTMENTS:,} concurrent credit adjustments: time, lost = 0",
        f"search p95 <= 15 ms at {sizes.search_clients:,} clients",
        f"search max (worst of {SEARCH_TERMS} terms) < {SEARCH_MAX_MS} ms",
    ]
    lines += ["", f"{'target':<{width}}" + "".join(f"{names[e]:>{column}}" for e in engines)]
    per_engine = {e: targets(results[e]) if results[e] else None for e in engines}
    for index, label in enumerate(target_labels):
        cells = ""
        for engine in engines:
            if per_engine[engine] is None:
                cells += error
            else:
                figure, verdict = per_engine[engine][index]
                cells += f"{figure:>{column - 8}}{verdict:>8}"
        lines.append(f"{label:<{width}}{cells}")
    lines += data_lines(results, engines, width, column)
    js_bytes, js_files = js
    lines.append(
        f"{'JavaScript <= 20 KB gzipped (both engines)':<{width}}"
        f"{f'{js_bytes / 1000:.1f} KB':>{column - 8}}{_verdict(js_bytes <= JS_BUDGET):>8}"
    )
    lines.append(
        f"  (gzip -6 of each of {', '.join(js_files)} under app/static; 20 KB = 20,000 bytes)"
    )
    if sizes.search_clients < 1_000_000 or sizes.heavy < 50_000:
        lines.append(
            "\nBelow full size (--scale 1): the targets are set for full size, so these "
            "verdicts are indicative only."
        )
    lines.append(f"\nTotal time: {elapsed / 60:.1f} min")
    print("\n".join(lines), flush=True)
    for engine in engines:
        result = results[engine]
        if result and result.search:
            print_search_details(names[engine], result)


def data_lines(results: dict, engines: list, width: int, column: int) -> list[str]:
    """The data-management targets, per engine (in-process job time)."""
    figures = {e: results[e].data if results[e] else None for e in engines}

    def row(label: str, figure) -> str:
        cells = ""
        for engine in engines:
            found = figures[engine]
            if not found:
                cells += f"{'error':>{column}}"
                continue
            text, ok = figure(found)
            cells += f"{text:>{column - 8}}{_verdict(ok):>8}"
        return f"{label:<{width}}{cells}"

    any_data = next((found for found in figures.values() if found), None)
    scanned = any_data["scan_clients"] if any_data else 0
    return [
        row(
            f"duplicate scan, {scanned:,} clients ({PLANTED_SHARE:.0%} planted) < {SCAN_SECONDS} s",
            lambda f: (f"{f['scan_seconds']:.2f} s", f["scan_seconds"] < SCAN_SECONDS),
        ),
        row(
            "  planted pairs found (recall)",
            lambda f: (f"{f['recall']:.1%} of {f['planted']:,}", f["recall"] >= 0.9),
        ),
        row(
            f"merge two clients of {MERGE_EVENTS:,} events < {MERGE_SECONDS} s",
            lambda f: (f"{f['merge_seconds']:.2f} s", f["merge_seconds"] < MERGE_SECONDS),
        ),
        row(
            f"  undo that merge < {MERGE_SECONDS} s",
            lambda f: (f"{f['undo_seconds']:.2f} s", f["undo_seconds"] < MERGE_SECONDS),
        ),
        row(
            f"import {IMPORT_ROWS:,} CSV rows (job time) < {IMPORT_SECONDS} s",
            lambda f: (f"{f['import_seconds']:.2f} s", f["import_seconds"] < IMPORT_SECONDS),
        ),
        row(
            f"  its preview job < {PREVIEW_SECONDS} s",
            lambda f: (f"{f['preview_seconds']:.2f} s", f["preview_seconds"] < PREVIEW_SECONDS),
        ),
        row(
            "  its revert (figure only)",
            lambda f: (f"{f['revert_seconds']:.2f} s", True),
        ),
    ]


def print_search_details(name: str, result: EngineResult) -> None:
    timings = result.search["timings"]
    print(f"\n{name}: search by kind of term (ms; rows found of at most one page)")
    by_kind: dict[str, list] = {}
    for elapsed_ms, kind, _term, found in timings:
        by_kind.setdefault(kind, []).append((elapsed_ms, found))
    for kind in search.KINDS:
        if kind in by_kind:
            values = sorted(value for value, _ in by_kind[kind])
            rows = statistics.median(found for _, found in by_kind[kind])
            print(
                f"  {kind:<34} median {statistics.median(values):7.2f}  max {values[-1]:7.2f}"
                f"  rows {rows:g}"
            )
    print(f"{name}: slowest searches")
    for elapsed_ms, kind, term, found in sorted(timings, reverse=True)[:5]:
        print(f"  {elapsed_ms:8.2f} ms  {found:>3} rows  {kind:<34} {term!r}")
    if result.explained:
        print(f"\n{name}: query plans")
        print("\n".join(result.explained))
    sys.stdout.flush()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every size")
    parser.add_argument("--only", choices=("sqlite", "postgres"), help="one engine only")
    parser.add_argument("--duration", type=float, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--rounds", type=int, default=2, help="wrk runs per endpoint")
    parser.add_argument("--rebuild", action="store_true", help="ignore cached databases")
    parser.add_argument("--explain", action="store_true", help="print query plans too")
    args = parser.parse_args(argv)
    if min(args.scale, args.duration, args.connections, args.rounds) <= 0:
        parser.error("--scale, --duration, --connections and --rounds must be positive")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    # A stop signal unwinds normally, so gunicorn and PostgreSQL are stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    sizes = Sizes.scaled(args.scale)
    engines = [args.only] if args.only else ["sqlite", "postgres"]
    results, crashed = {}, False
    for engine in engines:
        try:
            results[engine] = run_engine(engine, sizes, args)
        except Exception:
            traceback.print_exc()
            log(f"{engine}: crashed; carrying on with the rest")
            results[engine], crashed = None, True
    report(results, sizes, args, javascript_size(), time.monotonic() - started)
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
