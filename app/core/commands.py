"""The background jobs' command: `flask --app app jobs worker`, a job consumer that runs
until stopped."""

import click
from flask import current_app
from flask.cli import AppGroup


@click.group(cls=AppGroup)
def jobs():
    """Background jobs."""


@jobs.command("worker")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 32))
def jobs_worker(workers):
    """Run a job consumer until stopped (Ctrl-C or SIGTERM finish the running jobs)."""
    from app.core.jobs import queue_of

    queue = queue_of(current_app)
    click.echo(f"Job worker: {workers} thread(s) on the {type(queue).__name__} queue.")
    # An idle SQLite queue is polled: at most a second before a new job starts.
    queue.create_consumer(workers=workers, worker_type="thread", max_delay=1.0).run()


COMMANDS = (jobs,)
