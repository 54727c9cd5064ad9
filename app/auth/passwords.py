"""Argon2id password hashing; the cost comes from the config so tests can run fast."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_PASSWORD_LENGTH = 10


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config.get("ARGON2_TIME_COST", 3),
        memory_cost=config.get("ARGON2_MEMORY_COST", 65536),
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches. Without a hash, still spends the same time."""
    hasher = _hasher()
    try:
        if password_hash is None:
            hasher.verify(_decoy_hash(hasher), password + "\x00decoy")
            return False
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


_decoys: dict[tuple[int, int], str] = {}


def prepare_decoy() -> None:
    """Compute the decoy hash at start-up, so the first unknown email is not slower."""
    _decoy_hash(_hasher())


def _decoy_hash(hasher: PasswordHasher) -> str:
    key = (hasher.time_cost, hasher.memory_cost)
    if key not in _decoys:
        _decoys[key] = hasher.hash("decoy password for unknown accounts")
    return _decoys[key]


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > 1000:
        return "Use at most 1000 characters."
    return None
