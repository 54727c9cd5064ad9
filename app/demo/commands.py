"""The demo's command: `flask --app app seed-demo [--clients N]`."""

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("seed-demo")
@click.option("--clients", "client_count", default=300, show_default=True, type=int)
@with_appcontext
def seed_demo(client_count):
    """Realistic demo data: staff, clients and their history. Safe to run again."""
    from app.demo.seed import seed

    report = seed(client_count, current_app.instance_path)
    for line in report:
        click.echo(line)


COMMANDS = (seed_demo,)
