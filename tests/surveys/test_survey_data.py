"""The shipped questionnaires: 4-6 statements for every arc and viewpoint, stable codes, child wording."""

from __future__ import annotations

import re

import pytest

from framework.model import load_framework
from surveys import DEFAULT_SURVEYS_DIR, load_surveys

FRAMEWORK = load_framework()
BOOK = load_surveys(DEFAULT_SURVEYS_DIR, FRAMEWORK)
PAIRS = [(arc, viewpoint) for arc in FRAMEWORK.arc_keys for viewpoint in FRAMEWORK.viewpoint_keys]
# Words a nine-year-old should not have to decode.
JARGON = {
    "practitioner",
    "practitioners",
    "agency",
    "agencies",
    "multi-agency",
    "professional",
    "professionals",
    "outcomes",
    "service",
    "services",
    "safeguarding",
    "stakeholder",
    "stakeholders",
}


def words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z'-]+", text)


@pytest.mark.parametrize(("arc", "viewpoint"), PAIRS)
def test_each_questionnaire_has_four_to_six_statements(arc: str, viewpoint: str) -> None:
    assert 4 <= len(BOOK.items(arc, viewpoint)) <= 6


@pytest.mark.parametrize(("arc", "viewpoint"), PAIRS)
def test_codes_are_numbered_in_order(arc: str, viewpoint: str) -> None:
    codes = [item.code for item in BOOK.items(arc, viewpoint)]
    assert codes == [f"{arc}.{viewpoint}.{n}" for n in range(1, len(codes) + 1)]


def test_every_statement_belongs_to_the_arc_and_viewpoint_of_its_questionnaire() -> None:
    for arc, viewpoint in PAIRS:
        assert {(item.arc, item.viewpoint) for item in BOOK.items(arc, viewpoint)} == {(arc, viewpoint)}


def test_codes_are_unique_across_all_questionnaires() -> None:
    codes = [item.code for arc, viewpoint in PAIRS for item in BOOK.items(arc, viewpoint)]
    assert len(codes) == len(set(codes)) == BOOK.item_count


@pytest.mark.parametrize("arc", FRAMEWORK.arc_keys)
def test_child_wording_is_short_and_plain(arc: str) -> None:
    for item in BOOK.items(arc, "child"):
        assert item.child_text is not None
        child_words = words(item.child_text)
        assert len(child_words) <= 14, item.code
        assert not {word.lower() for word in child_words} & JARGON, item.code


@pytest.mark.parametrize(("arc", "viewpoint"), PAIRS)
def test_adult_statements_are_one_short_sentence(arc: str, viewpoint: str) -> None:
    for item in BOOK.items(arc, viewpoint):
        assert len(words(item.text)) <= 25, item.code
        assert item.text.rstrip().endswith((".", "?")), item.code
