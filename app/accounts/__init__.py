"""Memberships, packs, credits and passes: Settings → Plans, the membership card under
the client's name, the Credits box, the Account tab, and the credit ledger."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from app.accounts import (  # noqa: E402, F401
    credits,
    membership_routes,
    memberships,
    parts,
    passes,
    plans,
    verbs,
)
