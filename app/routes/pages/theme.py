"""A stylesheet made from the framework's arc colours, so that pages colour arcs without inline styles."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from app.web.pages import PageRoute
from app.web.state import State
from framework.model import Framework

router = APIRouter(include_in_schema=False, route_class=PageRoute)


@router.get("/framework.css", name="theme.framework_css")
def framework_css(state: State) -> Response:
    return Response(
        arc_stylesheet(state.framework),
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=300"},
    )


def arc_stylesheet(framework: Framework) -> str:
    """One class per arc (``.arc-red``) setting ``--arc-colour`` and a readable ``--arc-text``."""
    rules = [
        f".arc-{arc.key} {{ --arc-colour: {arc.colour}; --arc-text: {arc.text_colour}; }}"
        for arc in framework.arcs
    ]
    stops = ", ".join(
        f"{arc.colour} {100 * i / len(framework.arcs):.1f}% {100 * (i + 1) / len(framework.arcs):.1f}%"
        for i, arc in enumerate(framework.arcs)
    )
    rules.append(f".brand-mark {{ background: linear-gradient(to bottom, {stops}); }}")
    return "\n".join(rules) + "\n"
