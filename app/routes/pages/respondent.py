"""What every respondent page knows and does: who the participant is (from the cookie they got on joining),
saving their answers once per form, and what their pages all show.

A participant is anonymous: an opaque token in a cookie, a session, their answers. Every answer is saved as
it is given, through the same writer as the API (`app.services.submissions`), with an idempotency key from a
hidden field of the form, so a double tap or a re-posted form stores nothing twice. A browser that is not (or
no longer) a participant of a session taking answers is sent to join, or told kindly that its session has
finished.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from app.choices import SessionState
from app.db.columns import utcnow
from app.db.engine import read_session, write_session
from app.errors import BadRequest, NotAuthenticated
from app.schemas.responses import ResponsesIn
from app.services import offline
from app.store import participants
from app.store.responses import Submission
from app.web.auth import PARTICIPANT_COOKIE
from app.web.pages import redirect_to, render_page
from app.web.state import AppState
from surveys import CHILD_VIEWPOINT, Item

KEY_FIELD = "key"
SEEN_EVERY = timedelta(seconds=15)  # how often a page view notes that its participant is still there


@dataclass(frozen=True)
class Saved:
    """One saved answer, as the pages show it: the form value ("1".."5", "dk", "na") and the comment."""

    value: str
    comment: str


@dataclass(frozen=True)
class Respondent:
    """A participant and their session, read once per request, as plain data for the templates."""

    participant_id: int | None  # None in a blank offline copy: no one's
    session_id: int
    title: str
    viewpoint: str
    arcs: list[str]
    join_code: str | None
    children_comments: bool
    items: list[Item]
    submitted: bool
    profile: dict[str, Any]
    saved: dict[str, Saved] = field(default_factory=dict)
    #: A blank copy of the session's pages for a tablet to keep offline (no one's answers in it).
    offline_copy: bool = False

    @property
    def child(self) -> bool:
        return self.viewpoint == CHILD_VIEWPOINT

    @property
    def steps(self) -> list[list[Item]]:
        """The pages of questions: one statement each for children, one arc each for staff."""
        if self.child:
            return [[item] for item in self.items]
        return [[item for item in self.items if item.arc == arc] for arc in self.arcs]


@dataclass(frozen=True)
class RespondentPage:
    """What every respondent page's layout shows: the session, and the idle timer that hands it on."""

    me: Respondent
    idle_seconds: int


@dataclass(frozen=True)
class FinishedPage:
    """The page saying a session has finished: nothing of the session, only what was kept of this person's
    own answers, and whether the page they had just sent came too late."""

    kept: int  # answers this person had saved before the session closed
    too_late: bool  # they had just sent a page, which arrived after the session closed


def new_form_key() -> str:
    """A fresh idempotency key for a form: posting it twice stores its answers once."""
    return secrets.token_urlsafe(18)


def current_respondent(state: AppState, request: Request) -> Respondent | Response:
    """The participant this browser is, or the page to send it to instead (join, or "session finished").

    A tablet's service worker asking with its join pass (``Join-Pass``) gets the blank copy it keeps offline.
    """
    if request.method == "GET" and offline.PASS_HEADER.lower() in request.headers:
        return offline_copy(state, request)
    token = request.cookies.get(PARTICIPANT_COOKIE)
    with read_session(state.engine) as db:
        try:
            participant, focus = participants.participant_for_token(db, token=token)
        except NotAuthenticated:
            return not_answering(request, state, token, sent=request.method == "POST")
        assert participant.id is not None and focus.id is not None
        stale = utcnow() - participant.last_seen_at > SEEN_EVERY
        saved = {
            code: Saved(
                value=str(answer.rating) if answer.kind == "rating" else answer.kind,
                comment=answer.comment or "",
            )
            for code, answer in participants.answers_of(db, participant_id=participant.id).items()
        }
        me = Respondent(
            participant_id=participant.id,
            session_id=focus.id,
            title=focus.title,
            viewpoint=focus.viewpoint,
            arcs=focus.arc_keys,
            join_code=focus.join_code,
            children_comments=focus.children_comments,
            items=participants.session_items(state.framework, state.surveys, focus),
            submitted=participant.submitted_at is not None,
            profile={
                "sector": participant.sector,
                "role_level": participant.role_level,
                "age_band": participant.age_band,
                "assisted": participant.assisted,
            },
            saved=saved,
        )
    if stale and me.participant_id is not None:  # still here: the room counts them as answering for a while
        with write_session(state.engine) as db:
            participants.seen(db, participant_id=me.participant_id, at=utcnow(), every=SEEN_EVERY)
    return me


def offline_copy(state: AppState, request: Request) -> Respondent | Response:
    """The session of a valid join pass as a respondent with no answers and no profile: the pages a tablet
    keeps so that the next person can answer while it is offline. Nothing in them is anyone's."""
    verified = offline.read_pass(state.runtime, request.headers.get(offline.PASS_HEADER))
    with read_session(state.engine) as db:
        focus = participants.live_session(db, session_id=verified.session_id) if verified else None
        if focus is None or focus.id is None:
            return redirect_to(request, "respond.join_page")
        return Respondent(
            participant_id=None,
            session_id=focus.id,
            title=focus.title,
            viewpoint=focus.viewpoint,
            arcs=focus.arc_keys,
            join_code=focus.join_code,
            children_comments=focus.children_comments,
            items=participants.session_items(state.framework, state.surveys, focus),
            submitted=False,
            profile={"sector": None, "role_level": None, "age_band": None, "assisted": None},
            offline_copy=True,
        )


def not_answering(request: Request, state: AppState, token: str | None, *, sent: bool = False) -> Response:
    """No participant, or their session no longer takes answers: a finished session says so kindly, and
    says what was kept of their answers (and, when `sent`, that the page just sent was not)."""
    with read_session(state.engine) as db:
        focus = participants.session_of_token(db, token=token)
        finished = focus is not None and focus.state == SessionState.CLOSED
        kept = participants.saved_count(db, token=token) if finished else 0
    if finished:
        page = FinishedPage(kept=kept, too_late=sent)
        response = render_page(request, "respond/finished.html", page)
    else:
        response = redirect_to(request, "respond.join_page")
    if token:
        forget_participant(response, request)
    return response


def forget_participant(response: Response, request: Request) -> None:
    response.delete_cookie(
        PARTICIPANT_COOKIE, httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )


async def save_answers(
    request: Request, state: AppState, form: FormData, body: ResponsesIn
) -> Response | None:
    """Save as the API does (`app.services.submissions`), once per form key; a page (join, or finished)
    when not answering.

    :raises Invalid: for a bad answer or a key reused with another body; :raises BadRequest: no key.
    """
    key = form.get(KEY_FIELD)
    if not isinstance(key, str) or not key.strip():
        raise BadRequest("This form is missing its key. Go back, reload the page and try again.")
    token = request.cookies.get(PARTICIPANT_COOKIE)
    try:
        await state.submissions.save(Submission(token=token, key=key.strip()[:200], body=body))
    except NotAuthenticated:
        return await run_in_threadpool(partial(not_answering, request, state, token, sent=True))
    return None


def form_text(form: FormData, name: str) -> str:
    """Field `name` of `form`, trimmed ("" when absent)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""
