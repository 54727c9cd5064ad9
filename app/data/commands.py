"""The database's own commands: `flask --app app backup PATH`, `restore PATH` (and the
erasure ledger re-applied) and `scrub` (erased and deleted data out of the files)."""

import click
from flask.cli import with_appcontext


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
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


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
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


@click.command("scrub")
@with_appcontext
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


COMMANDS = (backup_command, restore_command, scrub_command)
