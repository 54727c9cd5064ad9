"""The client form names another client who has the email or phone being typed: a
warning with a link, never a block."""

from app.clients import privacy_ops
from app.core.extensions import db
from app.models import Client


def _check(browser, **args):
    query = "&".join(f"{name}={value}" for name, value in args.items())
    return browser.get(f"/clients/duplicate-check?{query}", hx=True)


def test_the_same_email_in_any_case_or_the_same_phone_typed_any_way_is_named(app, owner, amara):
    by_email = _check(owner, email="AMARA@Example.com%20", phone="")
    assert by_email.status_code == 200
    assert "Possible duplicate:" in by_email.text and "Amara Okafor" in by_email.text
    assert f'href="/clients/{amara}"' in by_email.text and "(same email)" in by_email.text
    by_phone = _check(owner, email="", phone="020%207946%200958")  # stored as +442079460958
    assert "Amara Okafor" in by_phone.text and "(same phone)" in by_phone.text
    both = _check(owner, email="amara@example.com", phone="%2B44%2020%207946%200958")
    assert "(same email and phone)" in both.text


def test_nothing_is_said_for_a_new_email_the_client_itself_or_an_erased_one(
    app, owner, amara, client_factory
):
    assert "Possible duplicate" not in _check(owner, email="new@example.com", phone="").text
    assert "Possible duplicate" not in _check(owner, email="", phone="not%20a%20number").text
    itself = _check(owner, email="amara@example.com", phone="", client=str(amara))
    assert "Possible duplicate" not in itself.text
    erased = client_factory(first_name="Gone", email="gone@example.com")
    with app.app_context():
        privacy_ops.erase_client(db.session.get(Client, erased), "Gone Lovelace", owner.staff)
    assert "Possible duplicate" not in _check(owner, email="gone@example.com", phone="").text


def test_the_check_is_one_query_and_the_form_asks_for_it(app, owner, amara, count_queries):
    with count_queries() as statements:
        _check(owner, email="amara@example.com", phone="02079460958")
    # The staff session, then the one look-up on the email and phone indexes.
    assert len(statements) == 2
    form = owner.get("/clients/new").text
    assert 'hx-get="/clients/duplicate-check"' in form and 'hx-include="#email, #phone"' in form
    assert 'id="email"' in form and 'id="phone"' in form
    edit = owner.get(f"/clients/{amara}/edit", hx=True).text
    assert f'"client": "{amara}"' in edit  # editing a client never warns about itself


def test_signed_out_visitors_get_nothing(client, amara):
    answer = client.get("/clients/duplicate-check?email=amara@example.com")
    assert answer.status_code in (302, 303) and "Amara" not in answer.text
