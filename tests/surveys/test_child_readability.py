"""Every statement a child reads is written for a child of about nine: Flesch-Kincaid grade at most 6.5 each,
a median of at most 4, and at most 20 words, measured with a readability library (textstat)."""

from __future__ import annotations

import statistics

import pytest
import textstat

from framework.model import load_framework
from surveys import DEFAULT_SURVEYS_DIR, load_surveys

FRAMEWORK = load_framework()
BOOK = load_surveys(DEFAULT_SURVEYS_DIR, FRAMEWORK)
CHILD_TEXTS = {
    item.code: item.child_text or item.text for arc in FRAMEWORK.arc_keys for item in BOOK.items(arc, "child")
}
MAX_GRADE, MAX_MEDIAN_GRADE, MAX_WORDS = 6.5, 4.0, 20


@pytest.mark.parametrize("code", sorted(CHILD_TEXTS))
def test_a_child_statement_reads_at_grade_six_and_a_half_or_below_in_twenty_words_or_fewer(code: str) -> None:
    text = CHILD_TEXTS[code]
    assert textstat.flesch_kincaid_grade(text) <= MAX_GRADE, text
    assert len(text.split()) <= MAX_WORDS, text


def test_the_child_statements_median_grade_is_four_or_below() -> None:
    assert (
        statistics.median(textstat.flesch_kincaid_grade(t) for t in CHILD_TEXTS.values()) <= MAX_MEDIAN_GRADE
    )


def test_the_measure_catches_the_statement_the_issue_found_too_hard() -> None:
    hard = "Young people like me help choose new staff, for example by sitting on interview panels"
    assert textstat.flesch_kincaid_grade(hard) > MAX_GRADE
