"""Staff passwords: argon2id hashes, and a check that costs the same for unknown accounts.

The rule is length alone (12 to 256 characters, see `app.store.users.UserCreate`), as NIST SP 800-63B advises.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verifying against this when the account does not exist makes "unknown email" take as long as "wrong
    password", so timing does not tell an attacker which emails have accounts. Made on first use, not at
    import: a hash takes a tenth of a second, and every start-up would pay it."""
    return _hasher.hash("not a real password, only here to spend the same time")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; with no hash (unknown account) it spends the same time and is False."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
