"""The rainbow walkthrough: the eight arcs as a rainbow, and a page for each arc."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.services.catalogue import find_arc
from app.web.auth import MaybeStaff
from app.web.pages import PageRoute, path_for, render_page
from app.web.state import State
from framework.charts.geometry import Ring, rainbow_rings
from framework.model import Arc, Viewpoint
from surveys import Item

router = APIRouter(include_in_schema=False, route_class=PageRoute)


# The walkthrough rainbow's drawing box, in SVG user units; the page scales it to the screen.
_WIDTH, _OUTER, _HOLE, _GAP = 640, 310, 86, 3


@dataclass(frozen=True)
class DrawnArc:
    arc: Arc
    ring: Ring
    href: str


@dataclass(frozen=True)
class ViewpointSection:
    viewpoint: Viewpoint
    success: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class RainbowPage:
    drawn_arcs: list[DrawnArc]
    width: int  # of the drawing's box, in SVG units
    height: int


@dataclass(frozen=True)
class ArcPage:
    arc: Arc
    sections: list[ViewpointSection]
    previous_arc: Arc | None
    next_arc: Arc | None


@router.get("/", response_class=HTMLResponse, name="walkthrough.rainbow_page")
def rainbow_page(request: Request, state: State, staff: MaybeStaff) -> Response:
    """Anyone: the eight arcs drawn as a rainbow, each a link, with the same links as a list."""
    rings = rainbow_rings(
        len(state.framework.arcs),
        outer_radius=_OUTER,
        hole_radius=_HOLE,
        gap=_GAP,
        cx=_WIDTH / 2,
        cy=_OUTER + 4,
    )
    drawn = [
        DrawnArc(arc=arc, ring=ring, href=path_for(request, "walkthrough.arc_page", arc=arc.key))
        for arc, ring in zip(state.framework.arcs, rings, strict=True)
    ]
    page = RainbowPage(drawn_arcs=drawn, width=_WIDTH, height=_OUTER + 8)
    return render_page(request, "walkthrough/rainbow.html", page)


@router.get("/arcs/{arc}", response_class=HTMLResponse, name="walkthrough.arc_page")
def arc_page(arc: str, request: Request, state: State, staff: MaybeStaff) -> Response:
    """One arc: what it is about, its two ends, success and the questionnaire from each viewpoint.

    :raises NotFound: for an unknown arc.
    """
    framework = state.framework
    current = find_arc(framework, arc)
    keys = framework.arc_keys
    position = keys.index(current.key)
    sections = [
        ViewpointSection(
            viewpoint=viewpoint,
            success=current.success[viewpoint.key],
            items=state.surveys.items(current.key, viewpoint.key),
        )
        for viewpoint in framework.viewpoints
    ]
    page = ArcPage(
        arc=current,
        sections=sections,
        previous_arc=framework.arcs[position - 1] if position > 0 else None,
        next_arc=framework.arcs[position + 1] if position + 1 < len(keys) else None,
    )
    return render_page(request, "walkthrough/arc.html", page)
