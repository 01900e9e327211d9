"""Staff passwords: the policy a new one must meet, argon2id hashes, and a check that costs the same for
unknown accounts.

The policy follows NIST SP 800-63B and OWASP ASVS 5.0 section 6.2, with no composition rules:

- at least 12 characters (at most 256) after Unicode NFC normalisation, which is also what is hashed and
  checked, so the same password typed on two keyboards is the same password;
- not only whitespace, and no control characters;
- not a common or breached password, nor one easily guessed from them: the `zxcvbn` package (Dropbox's
  estimator, maintained on PyPI) matches it against its lists, among them the 30,000 most common passwords
  from breach corpora, with their l33t, reversed, repeated and keyboard-walk variants and the person's own
  email. A password it reckons takes fewer than 10^8 guesses is refused.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
#: zxcvbn's estimate, as log10 of guesses, below which a password counts as common or easily guessed.
MIN_GUESSES_LOG10 = 8.0

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verifying against this when the account does not exist makes "unknown email" take as long as "wrong
    password", so timing does not tell an attacker which emails have accounts. Made on first use, not at
    import: a hash takes a tenth of a second, and every start-up would pay it."""
    return _hasher.hash("not a real password, only here to spend the same time")


def normalised(password: str) -> str:
    return unicodedata.normalize("NFC", password)


def password_problem(password: str, *, user_inputs: Sequence[str] = ()) -> str | None:
    """What is wrong with `password` as a new password, as the end of a sentence ("must be …"), or None."""
    password = normalised(password)
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"must be at least {MIN_PASSWORD_LENGTH} characters long"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"must be at most {MAX_PASSWORD_LENGTH} characters long"
    if password.isspace():
        return "must not be only spaces"
    if any(unicodedata.category(char) == "Cc" for char in password):
        return "must not contain control characters (such as tabs or invisible characters)"
    if _guesses_log10(password, tuple(user_inputs)) < MIN_GUESSES_LOG10:
        return (
            "is too common or too easy to guess: it is on, or made from, a list of common and breached "
            "passwords. A few unrelated words make a strong one"
        )
    return None


def _guesses_log10(password: str, user_inputs: tuple[str, ...]) -> float:
    from zxcvbn import zxcvbn  # a few dictionaries to load: only when someone sets a password

    # zxcvbn takes at most 72 characters; a longer password is judged by its first 72.
    result = zxcvbn(password[:72], user_inputs=[*user_inputs, *(i.split("@")[0] for i in user_inputs)])
    return float(result["guesses_log10"])


def hash_password(password: str) -> str:
    return _hasher.hash(normalised(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; with no hash (unknown account, or no password set) it spends the same
    time and is False."""
    try:
        return bool(_hasher.verify(password_hash or _dummy_hash(), normalised(password)) and password_hash)
    except (VerificationError, InvalidHashError):
        return False
