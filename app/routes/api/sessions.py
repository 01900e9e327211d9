"""The focus-group JSON API: sessions (facilitators and leads), joining and answering (respondents)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response

from app.db.engine import read_session, write_session
from app.errors import BadRequest
from app.permissions import LEADS_AND_FACILITATORS
from app.schemas.responses import ImportResult, JoinOut, Progress, ResponsesIn, ResponsesOut
from app.schemas.sessions import JoinIn, SessionCreate, SessionPublic, StateChange
from app.services import imports, offline
from app.services.joining import join_by_code
from app.store import focus_sessions, participants, rounds
from app.store.responses import Submission
from app.web.auth import PARTICIPANT_COOKIE, StaffUser, bearer_token
from app.web.csrf import join_origin
from app.web.openapi import error_responses
from app.web.params import RoundId, SessionId
from app.web.state import State

router = APIRouter(prefix="/api", tags=["focus groups"])
_STAFF_ERRORS = error_responses(401, 403, 404)


@router.post(
    "/rounds/{round_id}/sessions",
    status_code=201,
    response_model=SessionPublic,
    responses=error_responses(401, 403, 404, 409),
)
def create_session(
    round_id: RoundId, session_in: SessionCreate, staff: StaffUser, state: State
) -> SessionPublic:
    """Leads and facilitators of the round's trust: a draft session with its join code."""
    with write_session(state.engine) as db:
        db_round = rounds.get_round_for_staff(
            db, staff=staff, round_id=round_id, roles=LEADS_AND_FACILITATORS
        )
        focus = focus_sessions.create_session(
            db, actor=staff, db_round=db_round, session_in=session_in, framework=state.framework
        )
        return SessionPublic.of(focus)


@router.get("/rounds/{round_id}/sessions", response_model=list[SessionPublic], responses=_STAFF_ERRORS)
def list_sessions(round_id: RoundId, staff: StaffUser, state: State) -> list[SessionPublic]:
    """Leads (all the round's sessions) and facilitators (their own)."""
    with read_session(state.engine) as db:
        rounds.get_round_for_staff(db, staff=staff, round_id=round_id, roles=LEADS_AND_FACILITATORS)
        found = focus_sessions.sessions_for_staff(db, staff=staff, round_id=round_id)
        return [SessionPublic.of(focus) for focus in found]


@router.get("/sessions/{session_id}", response_model=SessionPublic, responses=_STAFF_ERRORS)
def get_session(session_id: SessionId, staff: StaffUser, state: State) -> SessionPublic:
    """Its facilitator, and leads of its trust."""
    with read_session(state.engine) as db:
        return SessionPublic.of(focus_sessions.get_session_for_staff(db, staff=staff, session_id=session_id))


@router.post(
    "/sessions/{session_id}/state",
    response_model=SessionPublic,
    responses=error_responses(401, 403, 404, 409),
)
def change_state(session_id: SessionId, change: StateChange, staff: StaffUser, state: State) -> SessionPublic:
    """Its facilitator, and leads of its trust: open, lock or close the session."""
    with write_session(state.engine) as db:
        focus = focus_sessions.get_session_for_staff(db, staff=staff, session_id=session_id)
        focus_sessions.change_state(db, actor=staff, focus=focus, to=change.state)
        return SessionPublic.of(focus)


@router.get("/sessions/{session_id}/progress", response_model=Progress, responses=_STAFF_ERRORS)
def session_progress(session_id: SessionId, staff: StaffUser, state: State) -> Progress:
    """Its facilitator, and leads of its trust: how many joined, are answering, submitted; answers so far."""
    with read_session(state.engine) as db:
        focus_sessions.get_session_for_staff(db, staff=staff, session_id=session_id)
        return participants.progress(db, session_id=session_id, active_within=state.settings.active_window)


@router.post("/join", response_model=JoinOut, responses=error_responses(404, 409, 429))
def join(join_in: JoinIn, request: Request, response: Response, state: State) -> JoinOut:
    """Anyone with the code of an open session: a participant token (also set as a cookie) and the items."""
    joined = join_by_code(state.runtime, code=join_in.code, **join_origin(request))
    items = participants.session_items(state.framework, state.surveys, joined.focus)
    response.set_cookie(
        PARTICIPANT_COOKIE, joined.token, httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )
    child = joined.focus.viewpoint == "child"
    issued = offline.issue_pass(state.runtime, session_id=int(joined.focus.id or 0))
    return JoinOut(
        offline_pass=issued.value,
        offline_until=issued.expires_at,
        token=joined.token,
        session={"id": joined.focus.id, "viewpoint": joined.focus.viewpoint, "arcs": joined.focus.arc_keys},
        items=[
            {"code": item.code, "text": item.text, "child_text": item.child_text if child else None}
            for item in items
        ],
    )


@router.put("/responses", response_model=ResponsesOut, responses=error_responses(400, 401, 409, 410))
async def put_responses(
    body: ResponsesIn,
    request: Request,
    state: State,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    join_pass: Annotated[str | None, Header(alias=offline.PASS_HEADER, max_length=300)] = None,
    outbox_waiting: Annotated[str | None, Header(alias=offline.WAITING_HEADER, max_length=12)] = None,
) -> ResponsesOut:
    """A participant (token as Bearer or cookie): save answers, and profile; `submit` marks them finished.

    The `Idempotency-Key` header is required: a retry with the same key and body gets the same reply and
    changes nothing; the same key with another body is refused (422). The reply comes once the answers are
    committed (with others that arrived at the same time: see `app.services.submissions`).

    From a tablet's offline outbox: `Join-Pass` (from joining) admits a participant the tablet made while
    offline, within the session's life and join rules; `Outbox-Waiting` says how many other answers the
    tablet still holds. A closed session answers 410 with `Outbox-Action: drop`: those answers are never
    taken, so the tablet drops them.
    """
    if not idempotency_key:
        raise BadRequest("The Idempotency-Key header is required: a new random value for each submission.")
    token = bearer_token(request) or request.cookies.get(PARTICIPANT_COOKIE)
    verified = offline.read_pass(state.runtime, join_pass)
    submission = Submission(
        token=token,
        key=idempotency_key,
        body=body,
        outbox=offline.waiting_report(verified, outbox_waiting),
    )
    return await offline.save_from_tablet(state.submissions, state.runtime, submission, verified)


async def csv_body(request: Request) -> bytes:
    return await request.body()


@router.post(
    "/rounds/{round_id}/answers/import",
    response_model=ImportResult,
    responses=error_responses(401, 403, 404, 409, 413),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "respondent,viewpoint,item,rating[,sector,role_level,comment] with a header row",
        }
    },
)
def import_answers(
    round_id: RoundId, staff: StaffUser, content: Annotated[bytes, Depends(csv_body)], state: State
) -> ImportResult:
    """Leads of the round's trust: import answers from CSV, all or nothing; bad rows are listed (422)."""
    return imports.import_answers(
        state.runtime,
        actor=staff,
        round_id=round_id,
        content=content,
        framework=state.framework,
        surveys=state.surveys,
    )
