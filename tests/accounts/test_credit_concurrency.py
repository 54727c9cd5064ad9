"""1,000 "Issue credits" adjustments of one client at once, through the real server
(gunicorn, 2 workers) from 8 processes, on SQLite and on PostgreSQL: the balance ends
exact, every adjustment has its grant and its ledger row, the balances after them run
1..1000, and nothing answers 5xx or "database is locked"."""

from datetime import timedelta

from bench.credits import issue_concurrently, ledger_figures
from tests.conftest import PASSWORD
from tests.helpers.concurrency import server_log_problems
from tests.helpers.live_server import gunicorn_server

ADJUSTMENTS = 1_000
PROCESSES = 8


def test_a_thousand_concurrent_adjustments_lose_nothing(
    app, staff_factory, client_factory, tmp_path, database_url
):
    from app.core.clock import business_today

    staff = [staff_factory(role="front_desk") for _ in range(PROCESSES)]
    client_id = client_factory(first_name="Popular")
    with app.app_context():
        expires_on = (business_today() + timedelta(days=30)).isoformat()
    error_log = tmp_path / "error.log"
    with gunicorn_server(database_url, error_log=error_log) as base_url:
        outcome = issue_concurrently(
            base_url,
            [(member.email, PASSWORD) for member in staff],
            client_id,
            expires_on,
            total=ADJUSTMENTS,
            processes=PROCESSES,
        )
    assert not outcome.problems, outcome.problems[:10]
    assert outcome.statuses == [303] * ADJUSTMENTS  # each saved, none refused
    assert not server_log_problems(error_log)
    with app.app_context():
        figures = ledger_figures(client_id)
    print(f"{ADJUSTMENTS} adjustments in {outcome.seconds:.1f} s")
    assert figures == {
        "balance": ADJUSTMENTS,
        "grants": ADJUSTMENTS,
        "ledger": ADJUSTMENTS,
        "sequence": True,
    }
