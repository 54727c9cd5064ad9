"""The Flask CLI: staff accounts (password piped twice) and idempotent demo data."""

from sqlalchemy import func, select

from app.core.extensions import db
from app.core.timeline import VERB_LABELS
from app.models import Activity, Client, StaffMember
from tests.conftest import sign_in


def test_staff_add_reads_the_password_twice_from_a_pipe(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["staff", "add", "Rosa@Example.com", "--name", "Rosa Diaz", "--role", "front_desk"],
        input="long enough pw\nlong enough pw\n",
    )
    assert result.exit_code == 0, result.output
    assert "Added Rosa Diaz <rosa@example.com> as front_desk." in result.output
    assert sign_in(app.test_client(), "rosa@example.com", "long enough pw").status_code == 303


def test_staff_add_refuses_mismatch_short_password_duplicates_and_bad_roles(app):
    runner = app.test_cli_runner()
    base = ["staff", "add", "x@example.com", "--name", "X"]
    mismatch = runner.invoke(
        args=[*base, "--role", "owner"], input="long enough pw\nanother one!!\n"
    )
    assert mismatch.exit_code != 0 and "do not match" in mismatch.output
    short = runner.invoke(args=[*base, "--role", "owner"], input="short\nshort\n")
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    role = runner.invoke(
        args=[*base, "--role", "janitor"], input="long enough pw\nlong enough pw\n"
    )
    assert role.exit_code != 0
    assert (
        runner.invoke(
            args=[*base, "--role", "owner"], input="long enough pw\nlong enough pw\n"
        ).exit_code
        == 0
    )
    again = runner.invoke(args=[*base, "--role", "owner"], input="long enough pw\nlong enough pw\n")
    assert again.exit_code != 0 and "already exists" in again.output


def test_staff_deactivate(app):
    runner = app.test_cli_runner()
    runner.invoke(
        args=["staff", "add", "gone@example.com", "--name", "Gone", "--role", "manager"],
        input="long enough pw\nlong enough pw\n",
    )
    result = runner.invoke(args=["staff", "deactivate", "gone@example.com"])
    assert result.exit_code == 0
    assert sign_in(app.test_client(), "gone@example.com", "long enough pw").status_code == 422


def test_seed_demo_is_realistic_and_idempotent(app, tmp_path):
    app.instance_path = str(tmp_path)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--clients", "40"])
    assert first.exit_code == 0, first.output
    assert "Created demo owner: email owner@example.com  password " in first.output
    password = first.output.split("password ")[1].split()[0]
    assert sign_in(app.test_client(), "owner@example.com", password).status_code == 303
    with app.app_context():
        clients = db.session.scalars(select(Client)).all()
        assert len(clients) == 40
        assert len({c.country for c in clients if c.country}) >= 5  # several countries
        assert len({c.phone[:3] for c in clients if c.phone}) >= 4  # several regions
        assert sum(1 for c in clients if c.email) >= 30
        assert sum(1 for c in clients if c.birth_date) >= 20
        verbs = set(db.session.scalars(select(Activity.verb)))
        assert verbs <= set(VERB_LABELS) and "client.updated" in verbs
        created = db.session.scalar(select(func.count()).where(Activity.verb == "client.created"))
        assert created == 40
        staff = db.session.scalar(select(func.count()).select_from(StaffMember))
    second = runner.invoke(args=["seed-demo", "--clients", "40"])
    assert second.exit_code == 0
    assert "already on file" in second.output
    assert "Demo owner: email owner@example.com" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Client)) == 40
        assert db.session.scalar(select(func.count()).select_from(StaffMember)) == staff
