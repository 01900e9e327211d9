"""The password policy (NIST SP 800-63B, ASVS 5.0 6.2) and the hashes: what a new password must be, and that
the same password typed in two Unicode forms is the same password."""

from __future__ import annotations

import unicodedata

import pytest
from pydantic import ValidationError

from app.passwords import hash_password, password_problem, verify_password
from app.schemas.staff import PasswordSet


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        pytest.param(" " * 12, "must not be only spaces", id="twelve-spaces"),
        pytest.param("\t \n" * 5, "must not be only spaces", id="whitespace"),
        pytest.param("\x00" * 12, "must not contain control characters", id="twelve-nuls"),
        pytest.param("plum orchard\x07 moon", "must not contain control characters", id="bell"),
        pytest.param("password1234", "too common", id="common"),
        pytest.param("qwertyuiop123", "too common", id="keyboard-walk"),
        pytest.param("aaaaaaaaaaaaaaaa", "too common", id="repeated"),
        pytest.param("P@ssw0rd12345", "too common", id="l33t"),
        pytest.param("eleven char", "at least 12 characters", id="short"),
        pytest.param("x" * 257, "at most 256 characters", id="long"),
    ],
)
def test_a_weak_or_malformed_password_is_refused_naming_why(password: str, problem: str) -> None:
    found = password_problem(password)
    assert found is not None and problem in found


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "plum orchard under moonlight",
        "Zebra-Kettle-Harbour-7",
        "ñandú árbol café mesa",
    ],
)
def test_a_long_uncommon_password_is_taken_with_no_composition_rules(password: str) -> None:
    assert password_problem(password) is None


def test_length_is_counted_after_nfc_normalisation() -> None:
    decomposed = unicodedata.normalize("NFD", "éééééééééé1")  # 11 characters once composed, 21 as typed
    assert len(decomposed) == 21
    assert password_problem(decomposed) == "must be at least 12 characters long"


def test_a_password_made_from_the_persons_email_is_refused() -> None:
    assert password_problem("jane.smith@council.example", user_inputs=["jane.smith@council.example"])


def test_the_same_password_in_either_unicode_form_verifies() -> None:
    composed = "café au lait à la maison"
    stored = hash_password(unicodedata.normalize("NFD", composed))
    assert verify_password(stored, unicodedata.normalize("NFC", composed))


def test_an_account_without_a_password_never_verifies() -> None:
    assert not verify_password(None, "not a real password, only here to spend the same time")
    assert not verify_password("", "anything at all")


def test_the_form_model_refuses_a_weak_password_with_the_policy_sentence() -> None:
    with pytest.raises(ValidationError, match="too common or too easy to guess"):
        PasswordSet(password="password1234", confirm="password1234")
