"""A trust over the years: GET /api/trusts/{trust_id}/trend as JSON, and drawn as PNG or SVG. Figures come
from each round's latest publication only (app.services.trend)."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from app.db.engine import read_session
from app.schemas.trend import TrendArcOut, TrendOut, TrendPointOut, TrendRoundOut
from app.services.trend import Trend, trust_trend
from app.web.auth import StaffUser
from app.web.openapi import error_responses
from app.web.params import TrustId, known_query
from app.web.state import AppState, State
from framework.charts.trend_chart import Format

router = APIRouter(prefix="/api", tags=["charts"])
Scale = Annotated[int, Query(ge=1, le=3, description="PNG pixels per screen pixel: 2 or 3 for print")]
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
CHART_VERSION = "2"  # part of every chart's digest: bump it when the drawing changes
_IMAGE_RESPONSES = {
    **error_responses(401, 403, 404),
    200: {"content": {"image/png": {}, "image/svg+xml": {}}, "description": "The chart"},
    304: {"description": "The browser's copy (If-None-Match) is still current"},
}


def trend_out(trend: Trend) -> TrendOut:
    return TrendOut(
        trust_id=trend.trust.id or 0,
        rounds=[
            TrendRoundOut(
                id=r.id,
                name=r.name,
                publication=r.publication,
                published_at=r.published_at,
                overall=r.overall,
            )
            for r in trend.rounds
        ],
        arcs=[
            TrendArcOut(
                arc=line.key,
                title=line.label,
                points=[
                    TrendPointOut(round_id=r.id, score=p.score, ci_low=p.low, ci_high=p.high)
                    for r, p in zip(trend.rounds, line.points, strict=True)
                ],
            )
            for line in trend.lines
        ],
    )


@router.get(
    "/trusts/{trust_id}/trend",
    response_model=TrendOut,
    responses=error_responses(401, 403, 404),
    dependencies=[Depends(known_query())],
)
def get_trend(trust_id: TrustId, staff: StaffUser, state: State) -> TrendOut:
    """Members of the trust: each arc's score in each of the trust's published rounds (earliest first, as
    each round's latest publication shows it), with its 95% bootstrap interval; null where every cell of
    the arc was hidden."""
    with read_session(state.engine) as db:
        return trend_out(trust_trend(db, staff=staff, trust_id=trust_id, context=state.report_context))


def _chart(
    fmt: Format, trust_id: int, request: Request, staff: StaffUser, state: AppState, scale: int
) -> Response:
    with read_session(state.engine) as db:
        trend = trust_trend(db, staff=staff, trust_id=trust_id, context=state.report_context)
    figures = trend_out(trend).model_dump(mode="json")
    digest = json.dumps([CHART_VERSION, fmt, scale, trend.title, figures], sort_keys=True)
    key = hashlib.sha256(digest.encode()).hexdigest()
    headers = {"ETag": f'"{key}"', "Cache-Control": "private, no-cache"}
    if request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    image = state.charts.get_or_render(key, lambda: trend.chart(fmt, scale=scale))
    return Response(image, media_type=MEDIA_TYPES[fmt], headers=headers)


@router.get(
    "/trusts/{trust_id}/trend.png",
    response_class=Response,
    responses=_IMAGE_RESPONSES,
    dependencies=[Depends(known_query("scale"))],
)
def trend_png(
    trust_id: TrustId, request: Request, staff: StaffUser, state: State, scale: Scale = 1
) -> Response:
    """Members of the trust: the trend as PNG; `scale=2` doubles its pixels for print."""
    return _chart("png", trust_id, request, staff, state, scale)


@router.get(
    "/trusts/{trust_id}/trend.svg",
    response_class=Response,
    responses=_IMAGE_RESPONSES,
    dependencies=[Depends(known_query())],
)
def trend_svg(trust_id: TrustId, request: Request, staff: StaffUser, state: State) -> Response:
    """Members of the trust: the trend as SVG, one panel per arc, each round's score with its interval."""
    return _chart("svg", trust_id, request, staff, state, 1)
