"""Passes: a card or key tag number linked to a client, unique while in use, replaced
when lost; it finds the client (reception's quick find, the list's search), shows on
the client page as a QR code, and is exported, erased and merged with the profile."""

import pytest
from sqlalchemy import select

from app.accounts.passes import ops as pass_ops
from app.accounts.passes.queries import find_by_pass
from app.clients import privacy_ops
from app.core.export import client_export
from app.core.extensions import db
from app.core.parts import find_client_by_identifier
from app.data.merge import merge_clients
from app.models import Activity, Client, utcnow
from app.models.accounts import ClientCreditBalance, CreditLedgerEntry, Membership, Pass
from tests.helpers.portal import invite, set_password

ROLES = ("owner", "manager", "front_desk", "practitioner")


def _add(browser, client_id, number, hx=True):
    return browser.post(f"/clients/{client_id}/passes", {"number": number}, hx=hx)


def _passes(app, client_id) -> list[Pass]:
    with app.app_context():
        return list(
            db.session.scalars(select(Pass).where(Pass.client_id == client_id).order_by(Pass.id))
        )


def _verbs(app, client_id) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Activity.verb).where(Activity.client_id == client_id).order_by(Activity.id)
            )
        )


def _find(app, text):
    with app.test_request_context():
        return find_client_by_identifier(text)


def _replace(browser, client_id, pass_id, number, reason="Lost", hx=True):
    return browser.post(
        f"/clients/{client_id}/passes/{pass_id}/replace",
        {"number": number, "reason": reason},
        hx=hx,
    )


@pytest.mark.parametrize("role", ROLES)
def test_every_role_adds_a_pass_stored_upper_cased_and_on_the_timeline(
    app, login, client_factory, role
):
    browser = login(role)
    ada = client_factory(first_name="Ada")
    form = browser.get(f"/clients/{ada}/passes/new", hx=True)
    assert form.status_code == 200 and 'name="number"' in form.text
    response = _add(browser, ada, "  ab-1234 ")
    assert response.status_code == 200, response.text
    assert 'id="passes"' in response.text and "AB-1234" in response.text
    assert "<html" not in response.text
    (card,) = _passes(app, ada)
    assert card.number == "AB-1234" and card.ended_at is None
    assert card.created_by_id == browser.staff.id
    assert "pass.added" in _verbs(app, ada)


def test_without_htmx_a_pass_is_added_and_the_account_tab_follows(app, owner, client_factory):
    ada = client_factory(first_name="Ada")
    response = _add(owner, ada, "CARD-77", hx=False)
    assert response.status_code == 303
    assert response.location.endswith(f"/clients/{ada}/account")
    page = owner.get(f"/clients/{ada}/account").text
    assert "CARD-77" in page and "Replace pass" in page


@pytest.mark.parametrize(
    "typed,message",
    [
        ("", "Type or scan the pass's number."),
        ("abc", "Use 4 to 64 characters."),
        ("A" * 65, "Use 4 to 64 characters."),
        ("AB 1234", "Use only letters, digits and dashes."),
        ("AB²1234", "Use only letters, digits and dashes."),
        ("٣٣٣٣", "Use only letters, digits and dashes."),
        ("ÄBCD", "Use only letters, digits and dashes."),
        ("AB_12", "Use only letters, digits and dashes."),
    ],
)
def test_bad_numbers_are_refused_beside_the_field_and_kept(
    app, owner, client_factory, typed, message
):
    ada = client_factory(first_name="Ada")
    response = _add(owner, ada, typed)
    assert response.status_code == 422
    assert message.replace("'", "&#39;") in response.text
    assert 'aria-invalid="true"' in response.text
    if typed:
        assert f'value="{typed}"' in response.text
    assert _passes(app, ada) == []
    # Without htmx: the whole Account tab with the form and its error.
    page = _add(owner, ada, typed, hx=False)
    assert page.status_code == 422 and "<html" in page.text
    assert message.replace("'", "&#39;") in page.text


def test_a_number_in_use_by_another_client_is_refused_whatever_its_case(app, owner, client_factory):
    ada, bea = client_factory(first_name="Ada"), client_factory(first_name="Bea")
    assert _add(owner, ada, "KEY-0001").status_code == 200
    response = _add(owner, bea, "key-0001")
    assert response.status_code == 422
    assert "This number belongs to another client&#39;s pass." in response.text
    assert _passes(app, bea) == []
    again = _add(owner, ada, "Key-0001")
    assert again.status_code == 422 and "already has a pass with this number" in again.text


def test_two_adds_at_once_meet_the_unique_index_and_get_422(
    app, owner, client_factory, monkeypatch
):
    """The check before the insert does not see a colleague's add that has not committed
    yet (PostgreSQL): the partial unique index refuses the second, as a 422."""
    ada, bea = client_factory(first_name="Ada"), client_factory(first_name="Bea")
    assert _add(owner, ada, "RACE-1").status_code == 200
    monkeypatch.setattr(pass_ops, "_refuse_if_in_use", lambda number, client_id: None)
    response = _add(owner, bea, "RACE-1")
    assert response.status_code == 422
    assert "This number belongs to another client&#39;s pass." in response.text
    assert _passes(app, bea) == []
    assert "pass.added" not in _verbs(app, bea)


def test_replacing_ends_the_old_number_and_the_new_one_finds_the_client(app, owner, client_factory):
    ada = client_factory(first_name="Ada")
    _add(owner, ada, "OLD-1111")
    assert _find(app, "old-1111") == ada
    (old,) = _passes(app, ada)
    form = owner.get(f"/clients/{ada}/passes/{old.id}/replace", hx=True)
    assert form.status_code == 200 and "New pass number" in form.text
    response = _replace(owner, ada, old.id, "new-2222", reason="Lost at the pool")
    assert response.status_code == 200, response.text
    old, new = _passes(app, ada)
    assert old.ended_at is not None and old.end_reason == "Lost at the pool"
    assert new.number == "NEW-2222" and new.ended_at is None
    assert _find(app, "OLD-1111") is None
    assert _find(app, "new-2222") == ada
    assert _verbs(app, ada)[-1] == "pass.replaced"
    with app.app_context():
        event = db.session.scalars(
            select(Activity).where(Activity.verb == "pass.replaced", Activity.client_id == ada)
        ).one()
        assert event.changes["pass_number"] == ["OLD-1111", "NEW-2222"]
    # The old number is free again: another client may have a card with it.
    bea = client_factory(first_name="Bea")
    assert _add(owner, bea, "OLD-1111").status_code == 200
    assert _find(app, "OLD-1111") == bea


def test_replacing_is_refused_for_an_ended_pass_the_same_number_or_one_in_use(
    app, owner, client_factory
):
    ada, bea = client_factory(first_name="Ada"), client_factory(first_name="Bea")
    _add(owner, ada, "AAAA-1")
    _add(owner, bea, "BBBB-1")
    (card,) = _passes(app, ada)
    same = _replace(owner, ada, card.id, "aaaa-1")
    assert same.status_code == 422 and "not the old one" in same.text
    taken = _replace(owner, ada, card.id, "BBBB-1")
    assert taken.status_code == 422 and "belongs to another client" in taken.text
    bad = _replace(owner, ada, card.id, "x y")
    assert bad.status_code == 422 and 'value="x y"' in bad.text
    assert _replace(owner, ada, card.id, "AAAA-2").status_code == 200
    twice = _replace(owner, ada, card.id, "AAAA-3")
    assert twice.status_code == 422 and "replaced already" in twice.text
    assert [p.number for p in _passes(app, ada)] == ["AAAA-1", "AAAA-2"]


def test_the_reason_defaults_to_lost_and_refuses_control_characters(app, owner, client_factory):
    ada = client_factory(first_name="Ada")
    _add(owner, ada, "REASON-1")
    (card,) = _passes(app, ada)
    bad = _replace(owner, ada, card.id, "REASON-2", reason="Lost\x07")
    assert bad.status_code == 422 and "control characters" in bad.text
    assert _replace(owner, ada, card.id, "REASON-2", reason="").status_code == 200
    assert _passes(app, ada)[0].end_reason == "Lost"


def test_unknown_odd_and_other_clients_ids_are_404(app, owner, client_factory):
    ada, bea = client_factory(first_name="Ada"), client_factory(first_name="Bea")
    _add(owner, bea, "BEA-0001")
    (bea_pass,) = _passes(app, bea)
    for odd in ("%C2%B2", "%D9%A3", "-1", str(10**20), "999999"):
        assert owner.get(f"/clients/{odd}/passes/new").status_code == 404
        assert owner.post(f"/clients/{odd}/passes", {"number": "ODD-1"}).status_code == 404
        assert owner.get(f"/clients/{ada}/passes/{odd}/replace").status_code == 404
        assert _replace(owner, ada, odd, "ODD-2").status_code == 404
    # Bea's pass through Ada's URL
    assert owner.get(f"/clients/{ada}/passes/{bea_pass.id}/replace").status_code == 404
    assert _replace(owner, ada, bea_pass.id, "ODD-3").status_code == 404
    assert _passes(app, ada) == []


def test_anonymous_is_sent_to_sign_in(app, client_factory):
    ada = client_factory(first_name="Ada")
    response = app.test_client().get(f"/clients/{ada}/passes/new")
    assert response.status_code in (302, 303) and "/login" in response.location


def test_trashed_erased_and_merged_clients_take_no_pass(app, owner, client_factory):
    trashed, erased = client_factory(first_name="Trash"), client_factory(first_name="Erased")
    survivor, merged = client_factory(first_name="Keep"), client_factory(first_name="Merged")
    with app.app_context():
        privacy_ops.delete_client(db.session.get(Client, trashed), owner.staff)
        privacy_ops.erase_client(db.session.get(Client, erased), "Erased Lovelace", owner.staff)
        merge_clients(survivor, [merged], {}, owner.staff)
    for client_id in (trashed, erased, merged):
        assert owner.get(f"/clients/{client_id}/passes/new").status_code == 404
        assert _add(owner, client_id, "GONE-0001").status_code == 404
        assert _passes(app, client_id) == []
    with app.app_context(), pytest.raises(LookupError):
        pass_ops.add_pass(trashed, "GONE-0002", owner.staff)


def test_a_trashed_clients_pass_finds_nobody(app, owner, client_factory):
    ada = client_factory(first_name="Ada")
    _add(owner, ada, "TRASH-1")
    assert _find(app, "trash-1") == ada
    with app.app_context():
        privacy_ops.delete_client(db.session.get(Client, ada), owner.staff)
    assert _find(app, "TRASH-1") is None


def test_the_finder_costs_one_query_whatever_is_typed(app, owner, client_factory, count_queries):
    ada = client_factory(first_name="Ada")
    _add(owner, ada, "FIND-0001")
    for text in ("FIND-0001", "find-0001", "Ada", "nothing-like-it", "x" * 64):
        with app.test_request_context(), count_queries() as statements:
            find_by_pass(text)
        assert len(statements) == 1


def test_the_client_list_and_reception_find_a_client_by_a_scanned_number(
    app, owner, client_factory
):
    ada = client_factory(first_name="Ada", last_name="Scanned")
    for index in range(3):
        client_factory(first_name="Other", last_name=f"Person {index}")
    _add(owner, ada, "0042-7781")
    listing = owner.get("/clients?q=0042-7781", hx=True)
    assert listing.status_code == 200
    assert "Ada Scanned" in listing.text


def test_the_client_page_shows_the_pass_as_a_qr_code_in_the_clients_language(
    app, owner, client_factory
):
    ana = client_factory(
        first_name="Ana", last_name="García", email="ana@example.com", preferred_language="es"
    )
    browser = app.test_client()
    set_password(browser, invite(owner, ana))
    before = browser.get("/me").text
    assert "Tu tarjeta" not in before and "<svg" not in before
    _add(owner, ana, "ana-0001")
    page = browser.get("/me").text
    assert "Tu tarjeta" in page
    assert "<svg" in page and "ANA-0001" in page
    assert 'aria-label="Código QR de la tarjeta ANA-0001"' in page
    # After a replacement the code is the new number's.
    (card,) = _passes(app, ana)
    _replace(owner, ana, card.id, "ANA-0002")
    page = browser.get("/me").text
    assert "ANA-0002" in page and "ANA-0001" not in page


def test_the_qr_code_reads_back_as_the_number():
    import segno

    from app.accounts.passes.parts import pass_qr_svg

    svg = str(pass_qr_svg("0042-7781"))
    assert svg.startswith("<svg") and "<script" not in svg
    assert segno.make("0042-7781", error="m", micro=False).designator  # a regular QR code


# --- export, erasure, merge -------------------------------------------------------------


def test_passes_are_exported_and_an_erasure_deletes_them(app, owner, client_factory):
    ada = client_factory(first_name="Ada")
    _add(owner, ada, "EXP-0001")
    (card,) = _passes(app, ada)
    _replace(owner, ada, card.id, "EXP-0002", reason="Damaged")
    with app.app_context():
        exported = client_export(db.session.get(Client, ada))
    assert [p["number"] for p in exported["passes"]] == ["EXP-0001", "EXP-0002"]
    assert exported["passes"][0]["end_reason"] == "Damaged"
    assert exported["credits"]["balance"] == 0 and exported["memberships"] == []
    with app.app_context():
        privacy_ops.erase_client(db.session.get(Client, ada), "Ada Lovelace", owner.staff)
    assert _passes(app, ada) == []
    assert _find(app, "EXP-0002") is None


def _ledger(app, client_id, amount, balance, reason="Goodwill"):
    with app.app_context():
        db.session.add(
            CreditLedgerEntry(
                client_id=client_id,
                kind="adjust",
                amount=amount,
                balance_after=balance,
                reason=reason,
                created_at=utcnow(),
            )
        )
        row = db.session.get(ClientCreditBalance, client_id)
        if row is None:
            db.session.add(ClientCreditBalance(client_id=client_id, balance=balance))
        else:
            row.balance = balance
        db.session.commit()


def _balance(app, client_id):
    with app.app_context():
        row = db.session.get(ClientCreditBalance, client_id)
        return None if row is None else row.balance


def test_a_merge_adds_the_balances_keeps_both_passes_and_an_undo_splits_them(
    app, owner, client_factory
):
    from app.data.merge_undo import undo_merge

    keep, other = client_factory(first_name="Keep"), client_factory(first_name="Other")
    _add(owner, keep, "KEEP-0001")
    _add(owner, other, "OTHER-0001")
    _ledger(app, keep, 3, 3)
    _ledger(app, other, 5, 5)
    _ledger(app, other, -1, 4)
    with app.app_context():
        merge = merge_clients(keep, [other], {}, owner.staff)
        merge_id = merge.id
    assert _balance(app, keep) == 7
    assert {p.number for p in _passes(app, keep)} == {"KEEP-0001", "OTHER-0001"}
    assert all(p.ended_at is None for p in _passes(app, keep))
    assert _find(app, "OTHER-0001") == keep
    with app.app_context():
        undo_merge(merge_id, owner.staff)
    assert _balance(app, keep) == 3 and _balance(app, other) == 4
    assert [p.number for p in _passes(app, other)] == ["OTHER-0001"]


def test_a_merge_into_a_client_without_credits_gives_them_a_balance(app, owner, client_factory):
    keep, other = client_factory(first_name="Keep"), client_factory(first_name="Other")
    _ledger(app, other, 2, 2)
    with app.app_context():
        merge_clients(keep, [other], {}, owner.staff)
    assert _balance(app, keep) == 2


def test_an_erasure_keeps_the_money_under_deleted_client(app, owner, client_factory):
    from datetime import date

    from app.models.accounts import MembershipPlan

    ada = client_factory(first_name="Ada")
    _ledger(app, ada, 4, 4, reason="Welcome credits")
    with app.app_context():
        plan = MembershipPlan(name="Monthly", kind="membership", price_minor=5000, credits=8)
        db.session.add(plan)
        db.session.flush()
        db.session.add(
            Membership(
                client_id=ada,
                plan_id=plan.id,
                kind="membership",
                price_minor=5000,
                starts_on=date(2026, 1, 1),
            )
        )
        db.session.commit()
        privacy_ops.erase_client(db.session.get(Client, ada), "Ada Lovelace", owner.staff)
        assert db.session.scalar(select(Membership.id).where(Membership.client_id == ada))
        entry = db.session.scalars(
            select(CreditLedgerEntry).where(CreditLedgerEntry.client_id == ada)
        ).one()
        assert entry.reason == "Welcome credits"
    assert _balance(app, ada) == 4
