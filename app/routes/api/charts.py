"""The rainbow of a round as PNG or SVG, optionally against a baseline and for one viewpoint, for trust staff.

Images are cached (app.services.chart_cache) by a digest of what they show, worked out without scoring the
round: the round's scores version moves with every answer and target in the same transaction. The digest is
also the ETag, so a browser that already has the image gets 304, and each distinct chart is drawn once per
process.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from app.db.engine import read_session
from app.services.disclosure.published import NotPublished
from app.services.insights import rainbow_chart
from app.services.reports import Thresholds, round_report
from app.store import rounds
from app.store.rounds import RoundLabel
from app.web.auth import StaffUser
from app.web.openapi import error_responses
from app.web.params import MAX_ID, RoundId, known_query
from app.web.state import AppState, State
from framework.charts.rainbow import render
from framework.charts.rainbow_chart import DRAWING_VERSION, Format
from framework.model import VIEWPOINT_KEYS

router = APIRouter(prefix="/api", tags=["charts"])

BaselineId = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="A round of the same trust to draw as the baseline")
]
Viewpoint = Annotated[
    Literal[VIEWPOINT_KEYS] | None,  # type: ignore[valid-type]
    Query(description="One viewpoint's cells instead of the arc scores"),
]
Size = Annotated[Literal["full", "small"], Query(description="small: a small multiple for side-by-side use")]
Scale = Annotated[
    int, Query(ge=1, le=3, description="PNG pixels per screen pixel: 2 or 3 for print (300 dpi at 3)")
]
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
_RESPONSES = {
    **error_responses(401, 403, 404, 409),
    200: {"content": {"image/png": {}, "image/svg+xml": {}}, "description": "The chart"},
    304: {"description": "The browser's copy (If-None-Match) is still current"},
}


def _rainbow(
    fmt: Format,
    round_id: int,
    request: Request,
    staff: StaffUser,
    state: AppState,
    baseline: int | None,
    viewpoint: str | None,
    size: str,
    scale: int = 1,
) -> Response:
    compact = size == "small"
    with read_session(state.engine) as db:
        labels = rounds.round_labels(db, staff=staff, round_id=round_id, baseline_id=baseline)
    if any(label is not None and label.published is None for label in labels):
        raise NotPublished  # a chart is drawn only from published figures (design.md section 3a)
    key = _chart_key(state, f"{fmt}@{scale}", compact, viewpoint, *labels)
    headers = {"ETag": f'"{key}"', "Cache-Control": "private, no-cache"}
    if request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, headers=headers)

    def draw() -> bytes:
        with read_session(state.engine) as db:
            report = round_report(
                db,
                staff=staff,
                round_id=round_id,
                baseline=baseline,
                context=state.report_context,
                with_comparison=False,
            )
        chart = rainbow_chart(report, framework=state.framework, viewpoint=viewpoint)
        return render(chart, fmt, compact=compact, dpi=100 * scale)

    return Response(state.charts.get_or_render(key, draw), media_type=MEDIA_TYPES[fmt], headers=headers)


def _chart_key(
    state: AppState,
    fmt: str,
    compact: bool,
    viewpoint: str | None,
    current: RoundLabel,
    baseline: RoundLabel | None,
) -> str:
    """What a chart shows, named without scoring the round: the rounds' scores fingerprints (which move with
    every answer and target), their names, the framework, the thresholds and how it is drawn."""
    parts = [
        DRAWING_VERSION,
        state.framework_digest,
        fmt,
        str(compact),
        viewpoint or "",
        current.trust_name,
        *_round_parts(current),
        *(_round_parts(baseline) if baseline is not None else ["no baseline"]),
        str(Thresholds.of(state.settings)),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _round_parts(label: RoundLabel) -> list[str]:
    return [str(label.id), label.name, label.fingerprint]


@router.get(
    "/rounds/{round_id}/rainbow.png",
    response_class=Response,
    responses=_RESPONSES,
    dependencies=[Depends(known_query("baseline", "viewpoint", "size", "scale"))],
)
def rainbow_png(
    round_id: RoundId,
    request: Request,
    staff: StaffUser,
    state: State,
    baseline: BaselineId = None,
    viewpoint: Viewpoint = None,
    size: Size = "full",
    scale: Scale = 1,
) -> Response:
    """Members of the round's trust: the rainbow as PNG (see rainbow.svg for the parameters); `scale=2`
    doubles its pixels for print (2000 x 1300 at full size)."""
    return _rainbow("png", round_id, request, staff, state, baseline, viewpoint, size, scale)


@router.get(
    "/rounds/{round_id}/rainbow.svg",
    response_class=Response,
    responses=_RESPONSES,
    dependencies=[Depends(known_query("baseline", "viewpoint", "size"))],
)
def rainbow_svg(
    round_id: RoundId,
    request: Request,
    staff: StaffUser,
    state: State,
    baseline: BaselineId = None,
    viewpoint: Viewpoint = None,
    size: Size = "full",
) -> Response:
    """Members of the round's trust: the rainbow as SVG. Each arc is filled along its length to its score
    (1 to 5); `baseline` adds a thin dark strip to the baseline round's score; `viewpoint` draws that
    viewpoint's cells instead of the arc scores. Suppressed arcs are hatched, marked "too few answers"."""
    return _rainbow("svg", round_id, request, staff, state, baseline, viewpoint, size)
