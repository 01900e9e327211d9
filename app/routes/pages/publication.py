"""Publishing a round, as pages: before its first publication a round's page shows its progress towards it
(the coverage of each arc and viewpoint, and the focus groups not yet closed), and a lead publishes it from
there; a published round can be reopened for late answers and published again."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.choices import RoundStatus
from app.db.engine import read_session, write_session
from app.errors import Conflict, TooManyRequests
from app.identity import Staff
from app.permissions import LEADS, can
from app.routes.api.publication import publication_rules
from app.routes.pages.targets import CoveragePage
from app.services.disclosure.coverage import (
    PlannedSession,
    cells_short,
    coverage_by_cell,
    open_sessions,
)
from app.services.disclosure.publication import publish, reopen
from app.store import disclosures, rounds
from app.web.auth import StaffUser
from app.web.pages import PageRoute, redirect_to, render_page
from app.web.params import RoundId
from app.web.state import AppState, State

router = APIRouter(prefix="/trust", include_in_schema=False, route_class=PageRoute)


@dataclass(frozen=True)
class ProgressPage(CoveragePage):
    """A round on its way to publication (or to publication again): what has been heard (its coverage),
    what is to come."""

    still_open: list[PlannedSession]
    publication: int  # the latest publication's number; 0 before the first
    can_publish: bool  # a lead, and no focus group left open
    is_lead: bool
    error: str | None


def progress_page(
    request: Request,
    state: AppState,
    staff: Staff,
    round_id: int,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    threshold = state.settings.min_group_size
    with read_session(state.engine) as db:
        db_round, trust = rounds.get_round_with_trust(db, staff=staff, round_id=round_id)
        cells = coverage_by_cell(db, round_id=round_id, framework=state.framework, threshold=threshold)
        still_open = [planned for _, planned in open_sessions(db, round_id=round_id)]
        latest = disclosures.latest_publication(db, round_id=round_id)
    is_lead = can(staff, db_round.trust_id, LEADS)
    page = ProgressPage(
        round=db_round,
        trust=trust,
        cells=cells,
        short=cells_short(cells),
        threshold=threshold,
        still_open=still_open,
        publication=0 if latest is None else latest.number or 0,
        can_publish=is_lead and not still_open and db_round.status == RoundStatus.OPEN,
        is_lead=is_lead,
        error=error,
    )
    return render_page(request, "results/progress.html", page, status=status)


@router.get("/rounds/{round_id}/progress", response_class=HTMLResponse, name="publication.progress")
def progress(round_id: RoundId, request: Request, staff: StaffUser, state: State) -> Response:
    """Members of the round's trust: how close the round is to publication."""
    return progress_page(request, state, staff, round_id)


@router.post("/rounds/{round_id}/publish", response_class=HTMLResponse, name="publication.publish_round")
def publish_round(round_id: RoundId, request: Request, staff: StaffUser, state: State) -> Response:
    """Leads of the round's trust: publish it (again), then its dashboard; a refusal is said on the
    progress page."""
    try:
        with write_session(state.engine) as db:
            db_round = rounds.get_round_for_staff(db, staff=staff, round_id=round_id, roles=LEADS)
            publish(db, actor=staff, db_round=db_round, rules=publication_rules(state))
    except (Conflict, TooManyRequests) as error:
        page = progress_page(request, state, staff, round_id, error=error.detail, status=error.status)
        page.headers.update(error.headers)
        return page
    return redirect_to(request, "results.round_dashboard", round_id=round_id, query={"published": 1})


@router.post("/rounds/{round_id}/reopen", response_class=HTMLResponse, name="publication.reopen_round")
def reopen_round(round_id: RoundId, request: Request, staff: StaffUser, state: State) -> Response:
    """Leads of the round's trust: let the published round take late answers; its dashboard goes on showing
    its last publication until it is published again."""
    try:
        with write_session(state.engine) as db:
            db_round = rounds.get_round_for_staff(db, staff=staff, round_id=round_id, roles=LEADS)
            reopen(db, actor=staff, db_round=db_round)
    except Conflict as error:
        return progress_page(request, state, staff, round_id, error=error.detail, status=error.status)
    return redirect_to(request, "publication.progress", round_id=round_id)
