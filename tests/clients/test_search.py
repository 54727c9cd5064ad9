"""Client list and instant search: sorting, keyset pages, names, emails, phones, the index."""

import pytest
from sqlalchemy import text

from app.clients.list_queries import client_page
from app.clients.search import search_terms
from app.core.extensions import db
from app.core.parts import badge_queries, finder_queries


def names(page):
    return [f"{row.first_name} {row.last_name or ''}".strip() for row in page.rows]


@pytest.fixture
def people(client_factory):
    return {
        "jose": client_factory(
            first_name="José",
            last_name="Núñez",
            email="jose.nunez@example.com",
            phone="+442079460958",
        ),
        "zoe": client_factory(
            first_name="Zoë", last_name="Ålander", email="zoe@example.org", phone="+14155550123"
        ),
        "ann": client_factory(first_name="Ann", last_name="Lee", email="ann.lee@example.net"),
        "bo": client_factory(first_name="Bo", last_name=None, whatsapp="+33612345678"),
    }


def test_list_is_sorted_by_last_then_first_name_ignoring_accents(app_ctx, people, client_factory):
    client_factory(first_name="Aaron", last_name="Lee")
    assert names(client_page()) == ["Zoë Ålander", "Bo", "Aaron Lee", "Ann Lee", "José Núñez"]


@pytest.mark.parametrize(
    "query,expected",
    [
        ("jose", ["José Núñez"]),
        ("JOSÉ", ["José Núñez"]),
        ("nunez", ["José Núñez"]),
        ("úñe", ["José Núñez"]),
        ("osé Nú", ["José Núñez"]),
        ("alander", ["Zoë Ålander"]),
        ("zoe", ["Zoë Ålander"]),
        ("ann le", ["Ann Lee"]),
        ("example.org", ["Zoë Ålander"]),
        ("ANN.LEE@", ["Ann Lee"]),
        ("020 7946 0958", ["José Núñez"]),
        ("+44 20 7946 0958", ["José Núñez"]),
        ("79460958", ["José Núñez"]),
        ("(020) 7946-0958", ["José Núñez"]),
        ("0044 20 7946 0958", ["José Núñez"]),
        ("415 555 0123", ["Zoë Ålander"]),
        ("06 12 34 56 78", ["Bo"]),  # the WhatsApp number, as the French write it
        ("nobody", []),
        ("le", ["Ann Lee"]),  # short terms match the start of the last name
        ("l", ["Ann Lee"]),
    ],
)
def test_search_finds(app_ctx, people, query, expected):
    assert names(client_page(query)) == expected


def test_search_terms_fold_and_read_phones():
    assert search_terms("  José   NÚÑEZ ") == ["jose", "nunez"]
    assert search_terms("+44 20 7946 0958") == ["442079460958"]
    assert search_terms("020-7946-0958") == ["02079460958"]
    assert search_terms("12") == ["12"]  # too short to be a phone: a name prefix


def test_search_uses_the_index_not_a_table_scan(app_ctx, people):
    if db.engine.dialect.name == "sqlite":
        # The FTS5 table holds the folded text of every client, kept by triggers.
        rows = db.session.execute(
            text("SELECT rowid FROM client_search WHERE client_search MATCH '\"nunez\"'")
        ).all()
        assert [row[0] for row in rows] == [people["jose"]]
        from sqlalchemy import select

        from app.clients.search import count_matches, index_match
        from app.models import Client

        statement = select(Client.id).where(index_match(["nunez"]))
        assert "client_search MATCH" in str(statement)
        assert db.session.scalars(statement).all() == [people["jose"]]
        assert count_matches(["example"], 2) == 2  # stops counting at the limit
    else:
        db.session.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(
            row[0]
            for row in db.session.execute(
                text("EXPLAIN SELECT id FROM clients WHERE search_text LIKE '%nunez%'")
            )
        )
        assert "ix_clients_search_text_trgm" in plan


def test_search_index_follows_every_write(app, owner, client_factory):
    client_id = client_factory(first_name="Marta", last_name="Kowalska")
    with app.app_context():
        assert names(client_page("kowalska")) == ["Marta Kowalska"]
    response = owner.post(
        f"/clients/{client_id}/edit",
        data={"first_name": "Marta", "last_name": "Nowak", "version": "1"},
    )
    assert response.status_code == 303
    with app.app_context():
        assert names(client_page("kowalska")) == []
        assert names(client_page("nowak")) == ["Marta Nowak"]


def test_keyset_pages_neither_repeat_nor_skip(app, client_factory):
    for index in range(7):
        client_factory(first_name=f"Twin{index % 2}", last_name="Same")  # ties on the sort key
    client_factory(first_name="Zed", last_name="Zulu")
    with app.app_context():
        seen, after = [], None
        while True:
            page = client_page(after_id=after, limit=3)
            seen += [row.id for row in page.rows]
            if not page.next_cursor:
                break
            after = int(page.next_cursor)
        assert len(seen) == 8 == len(set(seen))
        assert seen == [row.id for row in client_page(limit=50).rows]


def test_list_page_and_htmx_fragment(owner, people):
    page = owner.get("/clients")
    assert page.status_code == 200
    assert "<html" in page.text and 'id="client-results"' in page.text
    assert 'aria-label="Search clients"' in page.text or ">Search clients</label>" in page.text
    assert ">New client</a>" in page.text
    assert "Vary" in page.headers and "HX-Request" in page.headers["Vary"]
    fragment = owner.get("/clients?q=jose", hx=True)
    assert "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<tbody id="client-results"')
    assert "José" in fragment.text and "Zoë" not in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]


def test_search_works_without_javascript(owner, people):
    page = owner.get("/clients?q=zoe")
    assert "<html" in page.text
    assert 'value="zoe"' in page.text
    assert "Zoë" in page.text and "José" not in page.text


def test_rows_link_the_full_name_to_the_profile_and_show_contact(owner, people):
    page = owner.get("/clients?q=jose").text
    assert f'href="/clients/{people["jose"]}">José Núñez</a>' in page
    assert "jose.nunez@example.com" in page
    assert "020 7946 0958" in page  # stored E.164, shown in the national format


def test_more_sentinel_loads_the_next_page(make_app, login, client_factory):
    app = make_app(PAGE_SIZE=2)
    browser = login(client=app.test_client())
    for letter in "abcde":
        client_factory(first_name="Client", last_name=f"{letter}-family")
    first = browser.get("/clients", hx=True).text
    assert first.count('<th scope="row"') == 2
    assert 'hx-trigger="revealed"' in first
    sentinel_url = first.split('hx-get="')[-1].split('"')[0].replace("&amp;", "&")
    second = browser.get(sentinel_url, hx=True).text
    assert not second.lstrip().startswith("<tbody")  # rows that replace the sentinel
    assert "c-family" in second and "a-family" not in second
    full = browser.get(sentinel_url)  # the same URL as a real page
    assert "<html" in full.text and "c-family" in full.text


def test_empty_results_say_so(owner):
    assert "No clients yet" in owner.get("/clients").text
    assert "No clients match “zzz”" in owner.get("/clients?q=zzz", hx=True).text


def test_hostile_search_input_is_harmless(owner, people):
    for query in [
        '"',
        "'; DROP TABLE clients; --",
        "a\x00b",
        "%",
        "_",
        "*",
        "NEAR(",
        "\\",
        "é" * 500,
    ]:
        response = owner.get("/clients", query_string={"q": query})
        assert response.status_code == 200, query
    assert owner.get("/clients?after=abc").status_code == 400
    assert "<script>" not in owner.get("/clients", query_string={"q": "<script>x"}).text


def test_common_terms_walk_the_name_order_and_find_the_same_clients(
    app_ctx, people, client_factory, monkeypatch
):
    from app.clients import search

    for index in (3, 1, 4, 0, 2):
        client_factory(first_name="Maria", last_name=f"Zed{index}", phone=f"+4420794600{index}0")
    few = names(client_page("maria"))
    few_page_two = names(
        client_page("maria", after_id=client_page("maria", limit=2).rows[-1].id, limit=2)
    )
    monkeypatch.setattr(search, "FEW_MATCHES", 2)  # now "maria" counts as a common term
    assert names(client_page("maria")) == few == [f"Maria Zed{index}" for index in range(5)]
    assert (
        names(client_page("maria", after_id=client_page("maria", limit=2).rows[-1].id, limit=2))
        == few_page_two
    )
    assert names(client_page("2079460")) == ["José Núñez"] + few  # digits: common too


@pytest.mark.parametrize(
    "term,window",
    [
        ("ann.lee@example.net", "ann"),
        ("n.brooks@example.com", "brooks"),
        ("jo@example.com", "jo@example.com"),  # too short a local part to stand alone
        ("@example", "@example"),
        ("442079460958", "9460958"),
        ("7946095", "7946095"),
        ("garcia", "garcia"),
        ("o'neill", "o'neill"),  # the whole term: pg_trgm also asks for the word edges
        ("iam.d", "iam.d"),
        ("o'ne", ""),  # no word of three letters: not for the trigram index
    ],
)
def test_the_index_is_asked_for_the_telling_part_of_a_term(term, window):
    from app.clients.search import index_window

    assert index_window(term) == window


def test_an_index_that_keeps_punctuation_is_asked_for_the_whole_term():
    from app.clients.search import index_window

    assert index_window("n.brooks@example.com", splits_words=False) == "n.brooks"
    assert index_window("o'ne", splits_words=False) == "o'ne"
    assert index_window("442079460958", splits_words=False) == "9460958"


def test_full_email_and_full_phone_still_match_exactly(app_ctx, people, client_factory):
    client_factory(
        first_name="Other", last_name="Ann", email="ann.lee@example.com"
    )  # same local part
    assert names(client_page("ann.lee@example.net")) == ["Ann Lee"]
    client_factory(first_name="Near", last_name="Miss", phone="+442079460957")
    assert names(client_page("+44 20 7946 0958")) == ["José Núñez"]


def test_names_that_start_with_the_term_come_first_then_other_matches(
    app_ctx, client_factory, monkeypatch
):
    from app.clients import search

    client_factory(first_name="Bo", last_name="Kaleem")
    client_factory(first_name="Leela", last_name="Adams")
    client_factory(first_name="Ann", last_name="Lee")
    client_factory(first_name="Zak", last_name="Leeds")
    client_factory(first_name="Cy", last_name="Adams", email="cy.lee@example.com")
    expected = ["Ann Lee", "Zak Leeds", "Cy Adams", "Leela Adams", "Bo Kaleem"]
    assert names(client_page("lee")) == expected
    for few_matches in (1000, 2):  # few matches sorted at once; many found group by group
        monkeypatch.setattr(search, "FEW_MATCHES", few_matches)
        seen, after = [], None
        while True:
            page = client_page("lee", after_id=after, limit=2)
            seen += names(page)
            if not page.next_cursor:
                break
            after = int(page.next_cursor)
        assert seen == expected


def test_letters_unicode_does_not_decompose_are_folded_too(app_ctx, client_factory):
    client_factory(first_name="Łukasz", last_name="Sørensen")
    client_factory(first_name="Æsa", last_name="Đorđević")
    assert names(client_page("lukasz soren")) == ["Łukasz Sørensen"]
    assert names(client_page("dordevic")) == ["Æsa Đorđević"]
    assert names(client_page("aesa")) == ["Æsa Đorđević"]


def test_phone_with_the_trunk_zero_in_brackets(app_ctx, people):
    assert names(client_page("+44 (0)20 7946 0958")) == ["José Núñez"]
    assert names(client_page("0044 (0)20 7946 0958")) == ["José Núñez"]


def test_name_order_is_the_same_on_every_database(app_ctx, client_factory):
    # A language collation would skip the separator and put "Leea" before "Lee".
    client_factory(first_name="Zed", last_name="Lee")
    client_factory(first_name="Ann", last_name="Leea")
    client_factory(first_name="Bob", last_name="Lee-Ames")
    assert names(client_page()) == ["Zed Lee", "Bob Lee-Ames", "Ann Leea"]
    assert names(client_page("le")) == ["Zed Lee", "Bob Lee-Ames", "Ann Leea"]


def test_punctuation_in_names(app_ctx, client_factory):
    client_factory(first_name="Sean", last_name="O'Neill")
    client_factory(first_name="Ona", last_name="Eneas")
    assert names(client_page("o'ne")) == ["Sean O'Neill"]  # the start of a last name
    assert names(client_page("o'neill")) == ["Sean O'Neill"]
    assert names(client_page("sean o'neill")) == ["Sean O'Neill"]


def test_one_term_whose_first_group_fills_the_page_reads_only_the_name_index(
    app, owner, client_factory, count_queries
):
    app.config["PAGE_SIZE"] = 2
    for first_name in ("Cy", "Ann", "Bea"):
        client_factory(first_name=first_name, last_name="Lee")
    client_factory(first_name="Leela", last_name="Adams")
    with count_queries() as statements:
        response = owner.get("/clients?q=lee", hx=True)
    assert response.status_code == 200
    assert "Ann" in response.text and "Bea" in response.text
    assert "Cy" not in response.text and "Leela" not in response.text
    # The session, the first group from the name index and its labels, the badges other
    # areas give the page's clients, and the finders asked whether "lee" is a whole
    # identifier (a pass number): no search-index query.
    assert len(statements) == 3 + badge_queries() + finder_queries()
    assert not any("search" in statement for statement in statements)  # FTS or trigram
