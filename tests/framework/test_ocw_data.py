"""The default framework, ocw.yaml, says what the domain says: eight arcs by colour, all five viewpoints."""

from __future__ import annotations

import pytest

from framework.model import contrast_ratio, load_framework

FRAMEWORK = load_framework()
ARC_ORDER = ["red", "orange", "yellow", "green", "blue", "indigo", "violet", "pink"]


def test_eight_arcs_keyed_by_colour_name_in_rainbow_order() -> None:
    assert list(FRAMEWORK.arc_keys) == ARC_ORDER


def test_arc_titles_follow_the_domain() -> None:
    assert FRAMEWORK.arc("orange").title == "Common values and language"
    assert FRAMEWORK.arc("green").title.startswith("Integrated working practices")
    assert FRAMEWORK.arc("red").title == "Capacity to deliver and keep children safe"


@pytest.mark.parametrize("arc", FRAMEWORK.arcs, ids=lambda arc: arc.key)
def test_every_arc_describes_success_from_all_five_viewpoints(arc) -> None:  # type: ignore[no-untyped-def]
    assert set(arc.success) == set(FRAMEWORK.viewpoint_keys)
    assert all(len(text.split()) >= 6 for text in arc.success.values())


@pytest.mark.parametrize("arc", FRAMEWORK.arcs, ids=lambda arc: arc.key)
def test_every_arc_is_written_fully(arc) -> None:  # type: ignore[no-untyped-def]
    for field in ("about", "integrated", "fragmented", "provenance"):
        assert len(getattr(arc, field).split()) >= 20, f"{arc.key}.{field} is too thin"


def test_reconstructed_arcs_say_so() -> None:
    for key in ("indigo", "violet", "pink"):
        assert "reconstruction" in FRAMEWORK.arc(key).provenance.lower()


def test_child_success_is_in_the_first_person() -> None:
    for arc in FRAMEWORK.arcs:
        words = set(arc.success["child"].replace(".", " ").replace(",", " ").split())
        assert words & {"I", "me", "my"}, arc.key


def test_scale_has_adult_and_child_labels_for_each_point() -> None:
    assert [point.value for point in FRAMEWORK.scale] == [1, 2, 3, 4, 5]
    assert FRAMEWORK.scale[0].label == "Not at all true" and FRAMEWORK.scale[0].stage == "Fragmented"
    assert FRAMEWORK.scale[-1].label == "Completely true" and FRAMEWORK.scale[-1].stage == "Integrated"
    assert len({point.child_label for point in FRAMEWORK.scale}) == 5


@pytest.mark.parametrize("arc", FRAMEWORK.arcs, ids=lambda arc: arc.key)
def test_labels_on_each_arc_colour_meet_wcag_aa(arc) -> None:  # type: ignore[no-untyped-def]
    assert contrast_ratio(arc.colour, arc.text_colour) >= 4.5
