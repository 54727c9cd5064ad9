"""The auth area's public module: what other areas may use of it (held by
`lint-imports`: an area imports another only through its api module)."""

from app.auth.ops import add_staff, blocked_until, clear_failures, normalise_email, record_failure
from app.auth.passwords import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "add_staff",
    "blocked_until",
    "clear_failures",
    "hash_password",
    "needs_rehash",
    "normalise_email",
    "password_problem",
    "record_failure",
    "verify_password",
]
