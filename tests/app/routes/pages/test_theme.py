"""The stylesheet made from the framework's arc colours."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.routes.pages.theme import arc_stylesheet
from framework.model import load_framework

FRAMEWORK = load_framework()


def test_arc_colours_come_from_the_framework_stylesheet(client: TestClient) -> None:
    css = client.get("/framework.css")
    assert css.headers["content-type"].startswith("text/css")
    assert css.headers["cache-control"] == "public, max-age=300"
    for arc in FRAMEWORK.arcs:
        assert f".arc-{arc.key} {{ --arc-colour: {arc.colour};" in css.text


def test_each_arc_has_a_class_with_its_colour_and_a_readable_text_colour() -> None:
    css = arc_stylesheet(FRAMEWORK)
    for arc in FRAMEWORK.arcs:
        assert f".arc-{arc.key} {{ --arc-colour: {arc.colour}; --arc-text: {arc.text_colour}; }}" in css


def test_the_brand_mark_stripes_the_arcs_outermost_first() -> None:
    brand = next(line for line in arc_stylesheet(FRAMEWORK).splitlines() if line.startswith(".brand-mark"))
    positions = [brand.index(arc.colour) for arc in FRAMEWORK.arcs]
    assert positions == sorted(positions)
