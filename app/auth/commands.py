"""The staff accounts' commands: `flask --app app staff add|deactivate` (the password is
asked twice on a terminal, or read as two lines when piped)."""

import sys

import click
from flask.cli import AppGroup

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


@click.group(cls=AppGroup)
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


COMMANDS = (staff,)
