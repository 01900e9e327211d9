"""Statement codes ``<arc>.<viewpoint>.<number>``: an item's parts, and the arc of a bare code."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from surveys import Item, ItemCode, arc_of_code, parse_code

KEYS = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True)


def test_an_item_knows_its_arc_from_its_code() -> None:
    assert Item(code="orange.child.2", text="People listen to me.").arc == "orange"


def test_an_item_knows_its_viewpoint_from_its_code() -> None:
    assert Item(code="orange.child.2", text="People listen to me.").viewpoint == "child"


def test_an_item_knows_its_number_from_its_code() -> None:
    assert Item(code="orange.child.12", text="People listen to me.").number == 12


def test_an_item_with_a_malformed_code_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"'orange\.child' is not a statement code"):
        Item(code="orange.child", text="People listen to me.")


def test_the_arc_of_a_bare_code() -> None:
    assert arc_of_code("indigo.trust.3") == "indigo"


@pytest.mark.parametrize(
    "code",
    [
        "",
        "orange",
        "orange.child",
        "orange.child.2.1",
        "orange.child.0",
        "orange.child.02",
        "orange.child.x",
        "Orange.child.2",
        "orange.child.2 ",
        "orange..2",
        "2orange.child.2",
    ],
)
def test_a_malformed_code_has_no_arc(code: str) -> None:
    with pytest.raises(
        ValueError, match=r"is not a statement code of the form '<arc>\.<viewpoint>\.<number>'"
    ):
        arc_of_code(code)


def test_the_error_quotes_the_code() -> None:
    with pytest.raises(ValueError, match=r"^'orange\.child' is not"):
        arc_of_code("orange.child")


@given(arc=KEYS, viewpoint=KEYS, number=st.integers(1, 10_000))
def test_a_code_parses_back_into_the_parts_it_was_made_of(arc: str, viewpoint: str, number: int) -> None:
    assert parse_code(f"{arc}.{viewpoint}.{number}") == ItemCode(arc, viewpoint, number)
