"""Downloads of a round for trust staff: the scores as CSV and XLSX, and the PDF board pack.

Built by `app.services.exports` from the scores after suppression; leads' workbooks add the raw anonymous
answers of the cells shown. Every download is recorded in the audit log.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from app.exports.rows import CsvHeaders
from app.identity import Staff
from app.services.exports import XLSX_MEDIA_TYPE, Format, round_download
from app.web.auth import StaffUser
from app.web.openapi import error_responses
from app.web.params import MAX_ID, RoundId, known_query
from app.web.state import AppState, State

router = APIRouter(prefix="/api", tags=["exports"])
BaselineId = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="A round of the same trust to compare with")
]


def _responses(media_type: str) -> dict[int | str, dict[str, object]]:
    the_file = {"content": {media_type: {}}, "description": "The file"}
    return {**error_responses(401, 403, 404, 409), 200: the_file}


CsvHeadersQuery = Annotated[
    CsvHeaders,
    Query(description="words (the default): column headings for people; codes: short names for scripts"),
]


def _download(
    state: AppState,
    staff: Staff,
    round_id: int,
    baseline: int | None,
    fmt: Format,
    csv_headers: CsvHeaders = "words",
) -> Response:
    found = round_download(
        state.engine,
        staff=staff,
        round_id=round_id,
        baseline_id=baseline,
        fmt=fmt,
        context=state.report_context,
        csv_headers=csv_headers,
    )
    return Response(
        found.body,
        media_type=found.media_type,
        headers={"Content-Disposition": f'attachment; filename="{found.filename}"'},
    )


@router.get(
    "/rounds/{round_id}/export.csv",
    response_class=Response,
    responses=_responses("text/csv"),
    dependencies=[Depends(known_query("baseline", "headers"))],
)
def export_csv(
    round_id: RoundId,
    staff: StaffUser,
    state: State,
    baseline: BaselineId = None,
    headers: CsvHeadersQuery = "words",
) -> Response:
    """Members of the round's trust: the scores as CSV, a row per cell, arc and the round, headed in words
    (``?headers=codes``: by short codes, for scripts); changes and gaps signed; suppressed cells have no
    figures; text that a spreadsheet would run as a formula is neutralised."""
    return _download(state, staff, round_id, baseline, "csv", headers)


@router.get(
    "/rounds/{round_id}/export.xlsx",
    response_class=Response,
    responses=_responses(XLSX_MEDIA_TYPE),
    dependencies=[Depends(known_query("baseline"))],
)
def export_xlsx(round_id: RoundId, staff: StaffUser, state: State, baseline: BaselineId = None) -> Response:
    """Members of the round's trust: the scores as a workbook, a sheet per view; for leads, also the raw
    anonymous answers of the cells large enough to show."""
    return _download(state, staff, round_id, baseline, "xlsx")


@router.get(
    "/rounds/{round_id}/report.pdf",
    response_class=Response,
    responses=_responses("application/pdf"),
    dependencies=[Depends(known_query("baseline"))],
)
def report_pdf(round_id: RoundId, staff: StaffUser, state: State, baseline: BaselineId = None) -> Response:
    """Members of the round's trust: the board pack as PDF (cover, the rainbow against the baseline, a page
    per arc, the method and the suppression rule), in real, searchable text."""
    return _download(state, staff, round_id, baseline, "pdf")
