"""Every page costs a fixed, small number of queries, whatever the data size."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.test_timeline import add_events


def measure(count_queries, browser, url, hx=False):
    with count_queries() as statements:
        response = browser.get(url, hx=hx)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize(
    "url,hx,budget",
    [
        ("/clients", False, 2),  # session + staff (one query), the page of clients
        ("/clients?q=ada", True, 3),  # session, the index's hits, the page of clients
        ("/clients/{id}", False, 2),  # session, the client with its authors' names
        ("/clients/{id}/activity", True, 2),
        ("/clients/{id}/activity/timeline", True, 2),  # session, one page of events
    ],
)
def test_query_count_is_fixed_whatever_the_data_size(
    app, owner, client_factory, count_queries, url, hx, budget
):
    client_id = client_factory(first_name="Ada")
    url = url.format(id=client_id)
    small = measure(count_queries, owner, url, hx)
    for index in range(60):
        client_factory(first_name="Ada", last_name=f"Other {index}")
    base = datetime(2025, 1, 1, tzinfo=UTC)
    add_events(app, client_id, [base + timedelta(hours=index) for index in range(120)])
    large = measure(count_queries, owner, url, hx)
    assert small == large <= budget
