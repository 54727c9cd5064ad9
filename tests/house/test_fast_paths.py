"""The shortcuts the most visited pages take must give exactly what the long way gives."""

import pytest
from flask import render_template_string, url_for

from app.clients import label_ops, note_ops, privacy_ops, profile_queries
from app.core.extensions import db
from app.core.paths import MAX_ID
from app.models import Client

ODD_SCRIPT_ROOTS = ("", "/clientele", "/2147483550")  # the last holds a stand-in id


def _id_rules(app):
    """Every endpoint whose URL takes only ids, with the names of those ids."""
    for rule in app.url_map.iter_rules():
        converters = rule._converters
        if rule.endpoint != "static" and all(
            type(converter).__name__ == "IdConverter" for converter in converters.values()
        ):
            yield rule.endpoint, tuple(converters)


def _page_url_for(app):
    """The url_for a page's templates call: bound to the request when the page is drawn."""
    context = {}
    app.update_template_context(context)
    assert context["url_for"] is not app.jinja_env.globals["url_for"]
    return context["url_for"]


@pytest.mark.parametrize("bound", [False, True], ids=["global", "bound to the page"])
@pytest.mark.parametrize("script_root", ODD_SCRIPT_ROOTS)
def test_template_url_for_builds_what_url_for_builds(app, script_root, bound):
    rules = list(_id_rules(app))
    assert any(names for _, names in rules) and any(not names for _, names in rules)
    with app.test_request_context("/", base_url=f"http://localhost{script_root}/"):
        template_url_for = _page_url_for(app) if bound else app.jinja_env.globals["url_for"]
        for endpoint, names in rules:
            for ids in ((1,) * len(names), (7, 2_147_483_550, 42)[: len(names)], (MAX_ID,) * 3):
                values = dict(zip(names, ids, strict=False))
                # Twice: the first call builds the shape, the second uses it.
                for _ in range(2):
                    assert template_url_for(endpoint, **values) == url_for(endpoint, **values)
        # A query value next to an id, and values that are not ids, take the long way.
        for values in ({"client_id": 5, "kind": "notes"}, {"client_id": 5, "kind": None}):
            assert template_url_for("clients.activity", **values) == url_for(
                "clients.activity", **values
            )
        assert template_url_for("clients.index", after=3) == url_for("clients.index", after=3)
        assert template_url_for("clients.index", q="a b") == url_for("clients.index", q="a b")
        assert template_url_for("static", filename="app.css") == url_for(
            "static", filename="app.css"
        )
        assert template_url_for("static", filename="app.css").startswith(script_root + "/")


def test_template_url_for_keeps_each_script_root_apart(app):
    template_url_for = app.jinja_env.globals["url_for"]
    page = "{{ url_for('clients.show', client_id=9) }}"
    for script_root in ODD_SCRIPT_ROOTS * 2:
        with app.test_request_context("/", base_url=f"http://localhost{script_root}/"):
            assert template_url_for("clients.show", client_id=9) == f"{script_root}/clients/9"
            assert _page_url_for(app)("clients.show", client_id=9) == f"{script_root}/clients/9"
            assert render_template_string(page) == f"{script_root}/clients/9"


def test_template_url_for_outside_a_request_is_url_for(app):
    template_url_for = app.jinja_env.globals["url_for"]
    with app.app_context(), app.test_request_context("/"):
        expected = url_for("clients.show", client_id=3)
    app.config["SERVER_NAME"] = "desk.example"
    with app.app_context():
        assert template_url_for("clients.show", client_id=3, _external=False) == expected


def test_the_read_view_of_a_profile_holds_what_the_orm_row_holds(app, amara, owner):
    client_id = amara
    with app.app_context():
        client = db.session.get(Client, client_id)
        privacy_ops.lock_client(client, "Asked us to", owner.staff)
        note_ops.add_note(client, "A note", owner.staff)
        label = label_ops.create_label("VIP", "teal", owner.staff)
        label_ops.change_client_labels(client, owner.staff, add={label.id})
        db.session.remove()

        view = profile_queries.profile_view(client_id)
        row = profile_queries.profile(client_id)
        for column in (column.name for column in Client.__table__.columns):
            if column in ("search_text", "sort_name"):
                assert not hasattr(view.Client, column)  # the profile never shows them
                continue
            assert getattr(view.Client, column) == getattr(row.Client, column), column
        for prop in ("full_name", "is_locked", "in_trash", "is_erased"):
            assert getattr(view.Client, prop) == getattr(row.Client, prop), prop
        for name in ("created_by", "updated_by", "locked_by", "deleted_by", "labels"):
            assert getattr(view, name) == getattr(row, name), name
        assert view.has_notes is True and row.has_notes
        assert view.Client.is_locked and view.locked_by == owner.staff.name
        assert profile_queries.profile_labels(view) == profile_queries.profile_labels(row)
        assert profile_queries.profile_view(client_id + 1000) is None


def test_a_client_without_notes_shows_no_empty_notes_list(owner, client_factory):
    client_id = client_factory()
    page = owner.get(f"/clients/{client_id}").get_data(as_text=True)
    assert "No notes yet." in page and 'aria-label="Notes"' not in page
    owner.post(f"/clients/{client_id}/notes/new", {"body": "Prefers mornings"})
    page = owner.get(f"/clients/{client_id}").get_data(as_text=True)
    assert "No notes yet." not in page and 'aria-label="Notes"' in page
    assert "Prefers mornings" in page


def test_client_urls_are_the_client_pages_url_for_builds(app):
    from werkzeug.routing import BuildError

    from app.core.urls import ClientUrls

    with app.test_request_context("/", base_url="http://localhost/desk/"):
        urls = ClientUrls(77)
        for endpoint, names in _id_rules(app):
            if names == ("client_id",):
                assert urls[endpoint] == url_for(endpoint, client_id=77) == urls[endpoint]
        assert urls.edit == url_for("clients.edit", client_id=77) == "/desk/clients/77/edit"
        with pytest.raises(BuildError):
            urls.no_such_page  # noqa: B018 (the attribute look-up is the test)
        with pytest.raises(AttributeError):
            urls._built_elsewhere  # noqa: B018


def test_postgresql_describes_a_statement_once_and_the_same_way(app):
    import psycopg

    from app.core.pgcursor import DescribedOnceCursor

    with app.app_context():
        connection = db.session.connection().connection.dbapi_connection
        if db.engine.dialect.name != "postgresql":
            # The cursor is psycopg's option; SQLite's driver builds its description in C.
            assert type(connection.cursor()).__module__ == "sqlite3"
            return
        assert isinstance(connection.cursor(), DescribedOnceCursor)
        query = "SELECT id, first_name, created_at FROM clients WHERE id = %(id)s"
        kept = connection.cursor()
        kept.execute(query, {"id": 1})
        plain = psycopg.Cursor(connection)
        plain.execute(query, {"id": 1})
        first = kept.description
        assert [(c.name, c.type_code) for c in first] == [
            (c.name, c.type_code) for c in plain.description
        ]
        kept.execute(query, {"id": 2})
        assert kept.description is first  # described once
        # psycopg prepares a statement after a few runs (prepare_threshold): still once.
        for client_id in range(3, 3 + 2 * (connection.prepare_threshold or 5)):
            kept.execute(query, {"id": client_id})
            assert kept.description is first
        kept.execute("SELECT 1 AS one, 'a' AS letter")
        assert [c.name for c in kept.description] == ["one", "letter"]
        kept.execute("SET lock_timeout = 0")  # no result columns at all
        assert kept.description is None


def test_a_long_statement_is_converted_once_and_as_psycopg_converts_it():
    from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH, PostgresQuery
    from psycopg.adapt import Transformer

    from app.core.pgcursor import _converted, _ConvertedOnceQuery

    # Longer than psycopg remembers: a name used twice, a literal %% and a quoted '%s'.
    filler = " OR ".join(f"c{n} = %(v)s" for n in range(400))
    query = f"SELECT '%%s', %(a)s, %(b)s WHERE {filler} AND x = %(a)s"
    assert len(query) > MAX_CACHED_STATEMENT_LENGTH
    parameters = {"a": 1, "b": "two", "v": 3}
    plain = PostgresQuery(Transformer())
    plain.convert(query, parameters)
    before = _converted.cache_info()
    for run in range(2):
        kept = _ConvertedOnceQuery(Transformer())
        kept.convert(query, parameters | {"a": run})
        assert kept.query == plain.query and kept.query.count(b"$1") == 2
        assert kept.types == plain.types and len(kept.params) == len(plain.params) == 3
    after = _converted.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 1)
    # Without parameters psycopg sends the text as it is (a %% stays %%): so does it.
    bare = _ConvertedOnceQuery(Transformer())
    bare.convert("SELECT '%%'", None)
    assert bare.query == b"SELECT '%%'" and bare.params is None


def test_inlined_constants_give_the_rows_the_parameters_give(app, client_factory):
    from datetime import date

    from sqlalchemy import bindparam, func, literal, select

    from app.core.database import inline_constants

    first = client_factory(first_name="Ada", last_name="O'Brien")
    client_factory(first_name="Bea", last_name="Stone")
    with app.app_context():
        statement = (
            select(
                Client.id,
                literal("it's 100% \x1f here").label("text"),
                func.coalesce(Client.phone, "none").label("phone"),
                literal(date(2026, 3, 29)).label("day"),
            )
            .where(
                Client.last_name.in_(["O'Brien", "Stone", "Nobody"]),
                Client.id >= bindparam("lowest"),
                Client.first_name.not_in(["Zed"]),
            )
            .order_by(Client.id)
            .limit(5)
        )
        inlined = inline_constants(statement)
        sql = str(inlined.compile(dialect=db.engine.dialect))
        assert "POSTCOMPILE" not in sql and "'O''Brien'" in sql
        # The named parameter stays one, and so does the date (engines write it apart);
        # no text is left a parameter.
        parameters = inlined.compile(dialect=db.engine.dialect).params
        assert "lowest" in parameters and date(2026, 3, 29) in parameters.values()
        assert not [value for value in parameters.values() if isinstance(value, str | list)]
        for lowest in (first, first + 1):
            rows = db.session.execute(inlined, {"lowest": lowest}).all()
            assert rows == db.session.execute(statement, {"lowest": lowest}).all()
            assert len(rows) == (2 if lowest == first else 1)
        assert rows[0].text == "it's 100% \x1f here" and rows[0].day == date(2026, 3, 29)


def test_the_profile_statement_has_no_parameter_but_the_client_and_the_clock(app):
    from app.core.parts import profile_columns

    with app.test_request_context():
        for tab, header in (("overview", True), ("sessions", False), (None, True)):
            compiled = profile_queries._profile_statement(profile_columns(tab, header)).compile(
                dialect=db.engine.dialect
            )
            assert "POSTCOMPILE" not in str(compiled)
            others = {
                name: value
                for name, value in compiled.params.items()
                if name not in ("client_id", "now", "today")
            }
            # SQLite's compiler writes each LIMIT as "LIMIT n OFFSET ?" with a 0.
            assert set(others.values()) <= ({0} if db.engine.dialect.name == "sqlite" else set())
