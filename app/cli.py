"""Flask CLI: `flask --app app staff add|deactivate`, `jobs worker`, `seed-demo`, `backup`,
`restore`, `scrub`."""

import sys

import click
from flask import current_app

from app.auth.ops import StaffError, add_staff, deactivate_staff
from app.models import ROLES


def _read_password() -> str:
    """Prompt twice on a terminal; read two lines when piped (`printf 'pw\\npw\\n' | ...`)."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    first = sys.stdin.readline().rstrip("\r\n")
    second = sys.stdin.readline().rstrip("\r\n")
    if first != second:
        raise click.ClickException("The two passwords do not match.")
    return first


def register_cli(app) -> None:
    @app.cli.group()
    def staff():
        """Staff accounts."""

    @staff.command("add")
    @click.argument("email")
    @click.option("--name", required=True, help="Full name shown to colleagues.")
    @click.option("--role", required=True, type=click.Choice(ROLES))
    def staff_add(email, name, role):
        """Add a staff member; the password is asked twice."""
        password = _read_password()
        try:
            member = add_staff(email, name, role, password)
        except StaffError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Added {member.name} <{member.email}> as {member.role}.")

    @staff.command("deactivate")
    @click.argument("email")
    def staff_deactivate(email):
        """Stop a staff member signing in and end their open sessions."""
        try:
            member = deactivate_staff(email)
        except StaffError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Deactivated {member.email}; their sessions have ended.")

    @app.cli.group()
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

    @app.cli.command("seed-demo")
    @click.option("--clients", "client_count", default=300, show_default=True, type=int)
    def seed_demo(client_count):
        """Realistic demo data: staff, clients and their history. Safe to run again."""
        from app.demo import seed

        report = seed(client_count, current_app.instance_path)
        for line in report:
            click.echo(line)

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False))
    def backup_command(path):
        """Write a consistent copy of the live database to PATH (a new file)."""
        from app.data.backup import BackupError, backup

        try:
            counts = backup(path)
        except BackupError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Backed up to {path}:")
        _echo_counts(counts)
        click.echo("DATA_KEY and the erasure ledger are not in the backup: keep them too.")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(dir_okay=False))
    def restore_command(path):
        """Load the backup at PATH into an empty database, then re-apply the erasure ledger."""
        from app.core.encryption import WrongDataKey, check_data_key
        from app.core.erasure_ledger import ledger_path
        from app.data.backup import BackupError, restore

        if not ledger_path().exists():
            click.echo(
                f"Warning: there is no erasure ledger at {ledger_path()}, so no erasure made "
                "after this backup can be re-applied. On a new machine, copy the ledger there "
                "(or set ERASURE_LEDGER) before restoring.",
                err=True,
            )
        try:
            report = restore(path)
        except BackupError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Restored {path}:")
        _echo_counts(report.counts)
        try:
            check_data_key()
        except WrongDataKey as error:  # restored all the same: the key can still be fixed
            click.echo(f"Warning: {error}", err=True)
        click.echo(
            f"Erasures re-applied from {ledger_path()}: {report.reapplied}"
            + (
                f" (skipped, the id now names another client: {len(report.skipped)})"
                if report.skipped
                else ""
            )
        )

    @app.cli.command("scrub")
    def scrub_command():
        """Remove erased and deleted data from the database files (erasures do this
        themselves; run it when one logged that it could not)."""
        from app.core.database import scrub_database

        if not scrub_database(full=True):
            raise click.ClickException("Not everything could be scrubbed; see the log, try again.")
        click.echo("Scrubbed.")


def _echo_counts(counts: dict) -> None:
    for name, count in counts.items():
        click.echo(f"  {name}: {count}")
