"""A trust over the years, for its staff: each arc across the trust's published rounds, drawn and tabled."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.db.engine import read_session
from app.services.trend import Trend, trust_trend
from app.web.auth import StaffUser
from app.web.pages import PageRoute, path_for, render_page
from app.web.params import TrustId
from app.web.state import State
from framework.figures import score_text

router = APIRouter(prefix="/trust", include_in_schema=False, route_class=PageRoute)


@dataclass(frozen=True)
class TrendPage:
    trend: Trend
    chart_svg: str
    chart_png: str  # at print size
    alt: str
    min_group_size: int


def describe_trend(trend: Trend) -> str:
    """The chart in words, for its text alternative: each arc's scores round by round."""
    if not trend.rounds:
        return f"{trend.title}. No round of the trust has been published yet."
    parts = [f"{trend.title}, {', '.join(r.name for r in trend.rounds)}."]
    for line in trend.lines:
        figures = ", ".join("too few" if p.score is None else score_text(p.score) for p in line.points)
        parts.append(f"{line.label}: {figures}.")
    return " ".join(parts)


@router.get("/{trust_id}/trend", response_class=HTMLResponse, name="trend.trend_page")
def trend_page(trust_id: TrustId, request: Request, staff: StaffUser, state: State) -> Response:
    """Members of the trust: each arc's score in each published round, with its 95% interval."""
    with read_session(state.engine) as db:
        trend = trust_trend(db, staff=staff, trust_id=trust_id, context=state.report_context)
    page = TrendPage(
        trend=trend,
        chart_svg=path_for(request, "trend_svg", trust_id=trust_id),
        chart_png=path_for(request, "trend_png", trust_id=trust_id, query={"scale": 2}),
        alt=describe_trend(trend),
        min_group_size=state.settings.min_group_size,
    )
    return render_page(request, "results/trend.html", page)
