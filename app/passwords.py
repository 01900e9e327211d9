"""Staff passwords: argon2id hashes, a length rule, and a check that costs the same for unknown accounts."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256

_hasher = PasswordHasher()
# Verifying against this when the account does not exist makes "unknown email" take as long as
# "wrong password", so timing does not tell an attacker which emails have accounts.
_DUMMY_HASH = _hasher.hash("not a real password, only here to spend the same time")


class WeakPassword(ValueError):
    """A password that breaks the rules; the message says which."""


def check_password_rules(password: str) -> None:
    """:raises WeakPassword: naming the rule broken."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"must be at least {MIN_PASSWORD_LENGTH} characters long")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"must be at most {MAX_PASSWORD_LENGTH} characters long")
    if password.strip() != password or not password.strip():
        raise WeakPassword("must not start or end with spaces")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; with no hash (unknown account) it spends the same time and is False."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
