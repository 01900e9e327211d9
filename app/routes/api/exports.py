"""Downloads of a round for trust staff: the scores as CSV and XLSX, and the PDF board pack.

All are built from the scores after suppression; the XLSX adds the raw anonymous answers of unsuppressed cells
for leads only. Every download is recorded in the audit log.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from app.db.columns import utcnow
from app.db.engine import write_session
from app.exports.content import ActionLine, RoundContent, SupportLine, TargetLine
from app.identity import Staff
from app.permissions import LEADS, can
from app.services.insights import rainbow_chart
from app.store import actions, audit, rounds, support_needs, targets
from app.store.round_detail import raw_answers
from app.store.scores import Thresholds, round_results
from app.web.auth import StaffUser
from app.web.openapi import error_responses
from app.web.params import MAX_ID, RoundId, known_query
from app.web.state import AppState, get_state
from framework.charts.rainbow import render

router = APIRouter(prefix="/api", tags=["exports"])
State = Annotated[AppState, Depends(get_state)]
BaselineId = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="A round of the same trust to compare with")
]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# _EXPORTERS_LOAD_LATE: the exporters bring openpyxl, reportlab and matplotlib, most of a second of imports,
# so each route imports its exporter when first called: the first download after a start pays once, rather
# than every start-up (and a room of tablets rejoining a restarted server) paying for it.


def _responses(media_type: str) -> dict[int | str, dict[str, object]]:
    return {**error_responses(401, 403, 404), 200: {"content": {media_type: {}}, "description": "The file"}}


def _content(
    state: AppState, staff: Staff, round_id: int, baseline: int | None, *, what: str, with_chart: bool = False
) -> tuple[RoundContent, str]:
    thresholds = Thresholds.of(state.settings)
    with write_session(state.engine) as db:
        db_round, trust, baseline_round = rounds.get_round_and_baseline(
            db, staff=staff, round_id=round_id, baseline_id=baseline
        )
        results = round_results(
            db,
            db_round=db_round,
            baseline=baseline_round,
            framework=state.framework,
            surveys=state.surveys,
            thresholds=thresholds,
        )
        levels = targets.by_key(targets.targets_of(db, round_id=round_id))
        plan = actions.actions_of(db, trust_id=db_round.trust_id)
        needs = support_needs.support_needs_of(db, round_id=round_id)
        answers = None
        if what == "xlsx" and can(staff, db_round.trust_id, LEADS):
            shown = {(c.arc, c.viewpoint) for c in results.scores.cells if not c.suppressed}
            answers = raw_answers(db, round_id=round_id, shown_cells=shown)
        audit.record(
            db,
            action=f"round.export.{what}",
            actor=staff,
            trust_id=db_round.trust_id,
            target=f"round {round_id}",
            detail=f"baseline round {baseline}" if baseline else None,
        )
    chart = None
    if with_chart:
        drawn = rainbow_chart(results, framework=state.framework, trust_name=trust.name, targets=levels)
        chart = render(drawn, "png", dpi=150)
    content = RoundContent(
        framework=state.framework,
        trust_name=trust.name,
        round_name=db_round.name,
        period_start=db_round.period_start,
        period_end=db_round.period_end,
        scores=results.scores,
        generated_at=utcnow(),
        comment_min_group_size=thresholds.comment_min_group_size,
        baseline_name=results.baseline.name if results.baseline else None,
        baseline_scores=results.baseline_scores,
        comparison=results.comparison,
        raw_answers=answers,
        rainbow_png=chart,
        targets=[TargetLine(arc, viewpoint, level) for (arc, viewpoint), level in levels.items()],
        actions=[
            ActionLine(
                title=a.title,
                arcs=tuple(a.arc_keys),
                outcomes=a.outcomes,
                timescale=a.timescale,
                due=a.due,
                lead_officer=a.lead_officer,
                resources=a.resources,
                status=str(a.status),
            )
            for a in plan
        ],
        support_needs=[SupportLine(n.arc, str(n.kind), n.description) for n in needs],
    )
    return content, _file_stem(trust.name, db_round.name)


def _file_stem(trust_name: str, round_name: str) -> str:
    """A file name safe on every system: letters, digits and hyphens only."""
    words = re.sub(r"[^A-Za-z0-9]+", "-", f"{trust_name} {round_name}").strip("-").lower()
    return words[:80] or "round"


def _download(body: bytes, media_type: str, filename: str) -> Response:
    return Response(
        body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.get(
    "/rounds/{round_id}/export.csv",
    response_class=Response,
    responses=_responses("text/csv"),
    dependencies=[Depends(known_query("baseline"))],
)
def export_csv(round_id: RoundId, staff: StaffUser, state: State, baseline: BaselineId = None) -> Response:
    """Members of the round's trust: the scores as CSV, a row per cell, arc and the round; suppressed cells
    have no figures; text that a spreadsheet would run as a formula is neutralised."""
    from app.exports.tabular import scores_csv  # see _EXPORTERS_LOAD_LATE

    content, stem = _content(state, staff, round_id, baseline, what="csv")
    # The byte order mark makes Excel read the file as UTF-8 (arc titles, names with accents).
    body = "\ufeff" + scores_csv(content)
    return _download(body.encode(), "text/csv; charset=utf-8", f"{stem}-scores.csv")


@router.get(
    "/rounds/{round_id}/export.xlsx",
    response_class=Response,
    responses=_responses(XLSX),
    dependencies=[Depends(known_query("baseline"))],
)
def export_xlsx(round_id: RoundId, staff: StaffUser, state: State, baseline: BaselineId = None) -> Response:
    """Members of the round's trust: the scores as a workbook, a sheet per view; for leads, also the raw
    anonymous answers of the cells large enough to show."""
    from app.exports.tabular import scores_xlsx  # see _EXPORTERS_LOAD_LATE

    content, stem = _content(state, staff, round_id, baseline, what="xlsx")
    return _download(scores_xlsx(content), XLSX, f"{stem}-scores.xlsx")


@router.get(
    "/rounds/{round_id}/report.pdf",
    response_class=Response,
    responses=_responses("application/pdf"),
    dependencies=[Depends(known_query("baseline"))],
)
def report_pdf(round_id: RoundId, staff: StaffUser, state: State, baseline: BaselineId = None) -> Response:
    """Members of the round's trust: the board pack as PDF (cover, the rainbow against the baseline, a page
    per arc, the method and the suppression rule), in real, searchable text."""
    from app.exports.board_pack import board_pack_pdf  # see _EXPORTERS_LOAD_LATE

    content, stem = _content(state, staff, round_id, baseline, what="pdf", with_chart=True)
    return _download(board_pack_pdf(content), "application/pdf", f"{stem}-board-report.pdf")
