"""The profile page: overview card, contact and personal information, tabs as real URLs."""

from datetime import date

import pytest

from app.core.templating import age


def test_overview_shows_who_and_how_to_reach_them(app, owner, amara):
    page = owner.get(f"/clients/{amara}").text
    assert '<h1 id="client-name">Amara Okafor</h1>' in page
    assert 'href="mailto:amara@example.com"' in page
    assert 'aria-label="Copy email"' in page and 'data-copy="amara@example.com"' in page
    assert 'href="tel:+442079460958"' in page
    assert "020 7946 0958" in page
    assert 'href="https://wa.me/33612345678"' in page and "+33 6 12 34 56 78" in page
    assert "Contact information" in page and "Personal information" in page
    assert "12 Baker Street" in page and "United Kingdom" in page
    with app.app_context():
        expected_age = age(date(1990, 4, 12))
    assert "12 April 1990" in page and f"(age {expected_age})" in page
    assert "French" in page
    assert "Profile created" in page and "Last updated" in page and "by Factory Owner" in page
    assert ">Edit</a>" in page


def test_age_counts_birthdays():
    assert age(date(2000, 6, 15), today=date(2026, 6, 14)) == 25
    assert age(date(2000, 6, 15), today=date(2026, 6, 15)) == 26


TABS = [
    ("", "Overview"),
    ("/sessions", "Sessions"),
    ("/check-ins", "Check-ins"),
    ("/account", "Account"),
    ("/messages", "Messages"),
    ("/activity", "Activity"),
]


@pytest.mark.parametrize("suffix,tab", TABS)
def test_each_tab_is_a_page_and_a_fragment(owner, amara, suffix, tab):
    url = f"/clients/{amara}{suffix}"
    page = owner.get(url)
    fragment = owner.get(url, hx=True)
    assert page.status_code == fragment.status_code == 200
    assert "<html" in page.text and "<html" not in fragment.text
    for html in (page.text, fragment.text):
        assert 'id="profile-tab"' in html
        assert 'role="tabpanel"' in html
        assert f'aria-selected="true">{tab}</a>' in html
        assert html.count('role="tab"') == len(TABS)
    assert fragment.text.lstrip().startswith('<div id="profile-tab"')
    assert "HX-Request" in page.headers["Vary"] and "HX-Request" in fragment.headers["Vary"]


def test_tabs_link_to_real_urls_and_htmx_targets_the_tab_block(owner, amara):
    page = owner.get(f"/clients/{amara}").text
    for suffix, _ in TABS:
        assert f'href="/clients/{amara}{suffix}"' in page
        assert f'hx-get="/clients/{amara}{suffix}"' in page
    assert 'hx-target="#profile-tab"' in page and 'hx-push-url="true"' in page


def test_sessions_tab_says_plainly_there_are_none(owner, amara):
    assert "Amara has no sessions yet" in owner.get(f"/clients/{amara}/sessions").text


def test_activity_tab_loads_its_timeline_lazily(owner, amara):
    html = owner.get(f"/clients/{amara}/activity", hx=True).text
    assert 'aria-label="Activity timeline"' in html
    assert 'hx-trigger="revealed"' in html
    assert f'hx-get="/clients/{amara}/activity/timeline"' in html
    assert "Profile created" not in html  # not until the sentinel is revealed


def test_unknown_client_and_unknown_tab_are_404(owner):
    for url in [
        "/clients/999999",
        "/clients/999999/sessions",
        "/clients/999999/activity",
        "/clients/999999/activity/timeline",
        "/clients/1/nonsense",
    ]:
        assert owner.get(url).status_code == 404, url
        assert owner.get(url, hx=True).status_code == 404, url


def test_values_are_escaped_everywhere(owner, client_factory):
    client_id = client_factory(first_name="<script>alert(1)</script>", last_name='"><img src=x>')
    for url in [f"/clients/{client_id}", "/clients", f"/clients/{client_id}/activity/timeline"]:
        html = owner.get(url).text
        assert "<script>alert(1)</script>" not in html
        assert '"><img src=x>' not in html


def test_no_edit_path_for_creation_date_or_history(app, owner, amara):
    html = owner.get(f"/clients/{amara}/edit").text
    assert 'name="created_at"' not in html and 'name="updated_at"' not in html
    routes = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
    }
    assert not any("activity" in route for route in routes)
    assert owner.post(f"/clients/{amara}/activity", data={}).status_code == 405


def test_dates_of_moments_are_the_day_in_the_business_time_zone(app):
    from datetime import UTC, datetime

    from app.core.templating import local_date, local_datetime

    late_evening_utc = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)  # already 2 July in London
    with app.app_context():
        assert local_date(late_evening_utc, "medium") == "2 Jul 2026"
        assert local_datetime(late_evening_utc) == "2 Jul 2026, 00:30"


@pytest.mark.parametrize(
    "url",
    [
        "/clients/2147483648",
        "/clients/99999999999999999999",
        "/clients/0",
        "/clients/2147483648/activity/timeline",
        "/clients/-1/edit",
    ],
)
def test_ids_beyond_the_database_range_are_404(owner, url):
    assert owner.get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/clients?after=2147483648",
        "/clients?after=0",
        "/clients/1/activity/timeline?before=1-2147483648",
    ],
)
def test_cursors_beyond_the_database_range_are_400(owner, client_factory, url):
    client_factory()
    assert owner.get(url, hx=True).status_code == 400


def test_mailto_links_carry_only_the_address(owner, client_factory):
    client_id = client_factory(first_name="Odd", email="a?bcc=x%40evil.example&y=@example.com")
    html = owner.get(f"/clients/{client_id}").text
    assert (
        'href="mailto:a%3Fbcc%3Dx%2540evil.example%26y%3D@example.com"' in html
        or "mailto:a%3Fbcc" in html
    )
    assert "mailto:a?bcc" not in html
