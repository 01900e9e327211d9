"""The respondent's pages: joining a focus group by its code and answering, anonymously, on a tablet or phone.

``/join`` takes the code on the facilitator's screen and gives the browser a participant cookie. Then
``/respond`` (what we ask and how answers are kept), an optional anonymous profile, the statements (children:
one per screen with faces; staff: one page per arc), a review and a thank-you. Every answer is saved as it is
given, through `app.store.responses.save_responses`, with an idempotency key from a hidden field of the form,
so a double tap or a re-posted form stores nothing twice. "Finish and hand on" (and an idle page, after
``respondent_idle_seconds``) clears the cookie and the browser's data for the next person. Everything works
without JavaScript.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from app.choices import AGE_BAND_LABELS, AGE_BANDS, ROLE_LEVEL_LABELS, ROLE_LEVELS, SECTORS, SessionState
from app.db.engine import read_session
from app.errors import BadRequest, Conflict, Invalid, NotAuthenticated, NotFound, TooManyRequests
from app.schemas.responses import AnswerIn, ProfileIn, ResponsesIn
from app.services.joining import join_by_code
from app.store import responses
from app.store.responses import Submission
from app.web.auth import PARTICIPANT_COOKIE
from app.web.pages import PageRoute, render
from app.web.state import AppState, get_state
from surveys import CHILD_VIEWPOINT, Item

router = APIRouter(include_in_schema=False, route_class=PageRoute)
State = Annotated[AppState, Depends(get_state)]
Step = Annotated[int, Path(ge=1, le=200, description="A page of the questionnaire, from 1")]

CLEAR_SITE_DATA = '"cache", "cookies", "storage"'
KEY_FIELD = "key"
RATINGS = ("1", "2", "3", "4", "5")
MAX_COMMENT = 2000
DEFAULT_MIN_GROUP_SIZE = 5


# --- what a respondent page knows --------------------------------------------------------------------------


@dataclass(frozen=True)
class Saved:
    """One saved answer, as the pages show it: the form value ("1".."5", "dk", "na") and the comment."""

    value: str
    comment: str


@dataclass(frozen=True)
class Respondent:
    """A participant and their session, read once per request, as plain data for the templates."""

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

    @property
    def child(self) -> bool:
        return self.viewpoint == CHILD_VIEWPOINT

    @property
    def steps(self) -> list[list[Item]]:
        """The pages of questions: one statement each for children, one arc each for staff."""
        if self.child:
            return [[item] for item in self.items]
        return [[item for item in self.items if item.code.split(".")[0] == arc] for arc in self.arcs]

    def step_of(self, code: str) -> int:
        for number, group in enumerate(self.steps, start=1):
            if any(item.code == code for item in group):
                return number
        return 1


def _respondent(state: AppState, request: Request) -> Respondent | Response:
    """The participant this browser is, or the page to send it to instead (join, or "session finished")."""
    token = request.cookies.get(PARTICIPANT_COOKIE)
    with read_session(state.engine) as db:
        try:
            participant, focus = responses.participant_for_token(db, token=token)
        except NotAuthenticated:
            return _not_answering(request, state, token)
        assert participant.id is not None and focus.id is not None
        saved = {
            code: Saved(
                value=str(answer.rating) if answer.kind == "rating" else answer.kind,
                comment=answer.comment or "",
            )
            for code, answer in responses.answers_of(db, participant_id=participant.id).items()
        }
        return Respondent(
            session_id=focus.id,
            title=focus.title,
            viewpoint=focus.viewpoint,
            arcs=focus.arc_keys,
            join_code=focus.join_code,
            children_comments=focus.children_comments,
            items=responses.session_items(state.framework, state.surveys, focus),
            submitted=participant.submitted_at is not None,
            profile={
                "sector": participant.sector,
                "role_level": participant.role_level,
                "age_band": participant.age_band,
                "assisted": participant.assisted,
            },
            saved=saved,
        )


def _not_answering(request: Request, state: AppState, token: str | None) -> Response:
    """No participant, or their session no longer takes answers: a finished session says so kindly."""
    with read_session(state.engine) as db:
        focus = responses.session_of_token(db, token=token)
        finished = focus is not None and focus.state == SessionState.CLOSED
    if not finished:
        response: Response = RedirectResponse("/join", status_code=303)
    else:
        response = render(request, "respond/finished.html")
    if token:
        _forget_participant(response, request)
    return response


def _forget_participant(response: Response, request: Request) -> None:
    response.delete_cookie(
        PARTICIPANT_COOKIE, httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )


def _page(
    request: Request, state: AppState, name: str, me: Respondent, *, status: int = 200, **context: Any
) -> Response:
    """A respondent page: the idle timer, a fresh idempotency key for its form, the session."""
    return render(
        request,
        name,
        status=status,
        me=me,
        form_key=secrets.token_urlsafe(18),
        idle_seconds=state.settings.respondent_idle_seconds,
        scale=state.framework.scale,
        **context,
    )


async def _save(request: Request, state: AppState, form: FormData, body: ResponsesIn) -> Response | None:
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
        return await run_in_threadpool(_not_answering, request, state, token)
    return None


# --- joining -----------------------------------------------------------------------------------------------


@router.get("/join", response_class=HTMLResponse, name="respond.join_page")
def join_page(request: Request, code: Annotated[str, Query(max_length=40)] = "") -> Response:
    """Anyone: the code field (filled in from ?code=, e.g. a QR code) and a Join button."""
    return render(request, "respond/join.html", code=code.strip().upper(), error=None)


@router.post("/join", response_class=HTMLResponse, name="respond.join")
def join(request: Request, state: State, code: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Anyone with the code of an open session: a participant cookie, then the questions."""
    if not code.strip():
        return render(
            request, "respond/join.html", code="", error="Enter the code on the screen.", status=422
        )
    try:
        joined = join_by_code(state, request, code=code[:40])
    except (NotFound, Conflict, TooManyRequests) as error:
        page = render(
            request,
            "respond/join.html",
            code=code.strip().upper()[:40],
            error=error.detail,
            status=error.status,
        )
        page.headers.update(error.headers)
        return page
    response = RedirectResponse("/respond", status_code=303)
    response.set_cookie(
        PARTICIPANT_COOKIE, joined.token, httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )
    return response


# --- answering ---------------------------------------------------------------------------------------------


@router.get("/respond", response_class=HTMLResponse, name="respond.privacy")
def privacy(request: Request, state: State) -> Response:
    """A participant: what we ask, how it stays anonymous, that they may skip or stop; then Start."""
    me = _respondent(state, request)
    if isinstance(me, Response):
        return me
    min_group = int(getattr(state.settings, "min_group_size", DEFAULT_MIN_GROUP_SIZE))
    arcs = [state.framework.arc(key) for key in me.arcs]
    return _page(request, state, "respond/privacy.html", me, arcs=arcs, min_group=min_group)


@router.get("/respond/about-you", response_class=HTMLResponse, name="respond.profile_page")
def profile_page(request: Request, state: State) -> Response:
    """A participant: the optional anonymous profile (staff: sector and role; children: age band, help)."""
    me = _respondent(state, request)
    if isinstance(me, Response):
        return me
    return _profile_page(request, state, me, chosen=me.profile)


@router.post("/respond/about-you", response_class=HTMLResponse, name="respond.save_profile")
async def save_profile(request: Request, state: State) -> Response:
    """A participant: save the profile (whatever was chosen; nothing is required), then the questions."""
    me = await run_in_threadpool(_respondent, state, request)
    if isinstance(me, Response):
        return me
    form = await request.form()
    fields = ("age_band",) if me.child else ("sector", "role_level")
    chosen: dict[str, Any] = {name: _text(form, name) or None for name in fields}
    if me.child:
        chosen["assisted"] = True if _text(form, "assisted") else None
    try:
        profile = ProfileIn.model_validate(chosen)
    except ValidationError as error:
        name = str(error.errors()[0]["loc"][0])
        message = f"Choose one of the {name.replace('_', ' ')} options shown, or leave it blank."
        return _profile_page(request, state, me, chosen=chosen, errors={name: message}, status=422)
    refused = await _save(request, state, form, ResponsesIn(profile=profile))
    if refused is not None:
        return refused
    return RedirectResponse("/respond/questions/1", status_code=303)


@router.get("/respond/questions/{step}", response_class=HTMLResponse, name="respond.question_page")
def question_page(step: Step, request: Request, state: State) -> Response:
    """A participant: one statement (children) or one arc's statements (staff), with saved answers shown."""
    me = _respondent(state, request)
    if isinstance(me, Response):
        return me
    if step > len(me.steps):
        return RedirectResponse("/respond/review", status_code=303)
    return _question_page(request, state, me, step)


@router.post("/respond/questions/{step}", response_class=HTMLResponse, name="respond.answer")
async def answer(step: Step, request: Request, state: State) -> Response:
    """A participant: save this page's answers, then the next page (or Back: the page before)."""
    me = await run_in_threadpool(_respondent, state, request)
    if isinstance(me, Response):
        return me
    if step > len(me.steps):
        return RedirectResponse("/respond/review", status_code=303)
    form = await request.form()
    group = me.steps[step - 1]
    chosen = _chosen(form, group, me)
    try:
        body = ResponsesIn(answers=(_child_answers if me.child else _staff_answers)(chosen, group))
    except Invalid as error:
        errors = {error.field: error.message}
        return _question_page(request, state, me, step, chosen=chosen, errors=errors, status=422)
    try:
        refused = await _save(request, state, form, body)
    except Invalid as error:
        if error.field != "Idempotency-Key":
            raise
        # Two taps on different answers before the page changed: the first was saved; show it again.
        fresh = await run_in_threadpool(_respondent, state, request)
        if isinstance(fresh, Response):
            return fresh
        message = "We saved your first tap. Check the answer shown, and tap again to change it."
        return _question_page(request, state, fresh, step, errors={"twice": message}, status=409)
    if refused is not None:
        return refused
    if _text(form, "go") == "back":
        return RedirectResponse(_back_from(step), status_code=303)
    if step >= len(me.steps) or _text(form, "go") == "review":
        return RedirectResponse("/respond/review", status_code=303)
    return RedirectResponse(f"/respond/questions/{step + 1}", status_code=303)


@router.get("/respond/review", response_class=HTMLResponse, name="respond.review_page")
def review_page(request: Request, state: State) -> Response:
    """A participant: every statement with the answer given (or "skipped"), links to change, and Submit."""
    me = _respondent(state, request)
    if isinstance(me, Response):
        return me
    return _page(request, state, "respond/review.html", me, arc_titles=_arc_titles(state, me))


@router.post("/respond/submit", response_class=HTMLResponse, name="respond.submit")
async def submit(request: Request, state: State) -> Response:
    """A participant: mark their answers as finished, then the thank-you page."""
    form = await request.form()
    refused = await _save(request, state, form, ResponsesIn(submit=True))
    if refused is not None:
        return refused
    return RedirectResponse("/respond/thanks", status_code=303)


@router.get("/respond/thanks", response_class=HTMLResponse, name="respond.thanks_page")
def thanks_page(request: Request, state: State) -> Response:
    """A participant who has submitted: thank you, and "Finish and hand on" (others: the review page)."""
    me = _respondent(state, request)
    if isinstance(me, Response):
        return me
    if not me.submitted:
        return RedirectResponse("/respond/review", status_code=303)
    return _page(request, state, "respond/thanks.html", me)


# --- handing on --------------------------------------------------------------------------------------------


@router.post("/respond/finish", name="respond.finish")
def finish(request: Request, state: State) -> Response:
    """Anyone: forget this browser's participant (answers stay saved) and start again for the next person."""
    return _hand_on(request, state)


@router.get("/respond/idle", name="respond.idle")
def idle(request: Request, state: State) -> Response:
    """Anyone (a respondent page left untouched): as Finish and hand on, so an idle tablet starts again."""
    return _hand_on(request, state)


def _hand_on(request: Request, state: AppState) -> Response:
    token = request.cookies.get(PARTICIPANT_COOKIE)
    with read_session(state.engine) as db:
        focus = responses.session_of_token(db, token=token)
        code = focus.join_code if focus is not None and focus.state != SessionState.CLOSED else None
    response = RedirectResponse(f"/join?code={code}" if code else "/join", status_code=303)
    _forget_participant(response, request)
    response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


# --- helpers -----------------------------------------------------------------------------------------------


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _back_from(step: int) -> str:
    return "/respond/about-you" if step <= 1 else f"/respond/questions/{step - 1}"


def _chosen(form: FormData, group: list[Item], me: Respondent) -> dict[str, Saved]:
    """What the form says for each statement of the page (kept to show the page again after a mistake)."""
    if me.child:
        comment = _text(form, "comment") if me.children_comments else ""
        return {group[0].code: Saved(value=_text(form, "rating"), comment=comment)}
    return {
        item.code: Saved(
            value=_text(form, f"rating-{item.code}"), comment=_text(form, f"comment-{item.code}")
        )
        for item in group
    }


def _child_answers(chosen: dict[str, Saved], group: list[Item]) -> list[AnswerIn]:
    """A child's tap: a face (1-5), "dk" (I don't know) or "skip" (which saves nothing)."""
    item = group[0]
    value, comment = chosen[item.code].value, chosen[item.code].comment
    _check_length(comment, "comment", "Your words")
    if value in ("", "skip"):
        if comment:
            raise Invalid("comment", "To keep your words, tap a face or \u201cI don\u2019t know\u201d.")
        return []
    if value not in (*RATINGS, "dk"):
        raise Invalid("rating", "Tap one of the faces, \u201cI don\u2019t know\u201d or \u201cSkip\u201d.")
    rating: Any = int(value) if value in RATINGS else value
    return [AnswerIn(item=item.code, rating=rating, comment=comment or None)]


def _check_length(comment: str, name: str, noun: str) -> None:
    if len(comment) > MAX_COMMENT:
        raise Invalid(name, f"{noun} can be at most {MAX_COMMENT:,} characters long ({len(comment):,} now).")


def _staff_answers(chosen: dict[str, Saved], group: list[Item]) -> list[AnswerIn]:
    """One arc's statements: each a rating 1-5, "dk" or "na", or left blank; each with an optional comment."""
    answers: list[AnswerIn] = []
    for number, item in enumerate(group, start=1):
        value, comment = chosen[item.code].value, chosen[item.code].comment
        _check_length(comment, f"comment-{item.code}", f"The comment on statement {number}")
        if not value:
            if comment:
                raise Invalid(
                    f"rating-{item.code}",
                    f"Statement {number}: choose a rating, \u201cDon\u2019t know\u201d or "
                    "\u201cNot applicable\u201d to save your comment.",
                )
            continue
        if value not in (*RATINGS, "dk", "na"):
            raise Invalid(f"rating-{item.code}", f"Statement {number}: choose one of the options shown.")
        rating: Any = int(value) if value in RATINGS else value
        answers.append(AnswerIn(item=item.code, rating=rating, comment=comment or None))
    return answers


def _question_page(
    request: Request,
    state: AppState,
    me: Respondent,
    step: int,
    *,
    chosen: dict[str, Saved] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    group = me.steps[step - 1]
    arc = state.framework.arc(group[0].code.split(".")[0])
    answered = sum(1 for item in me.items if item.code in me.saved)
    return _page(
        request,
        state,
        "respond/child_question.html" if me.child else "respond/staff_arc.html",
        me,
        status=status,
        step=step,
        steps=len(me.steps),
        group=group,
        arc=arc,
        chosen=chosen if chosen is not None else me.saved,
        errors=errors or {},
        answered=answered,
        back=_back_from(step),
    )


def _profile_page(
    request: Request,
    state: AppState,
    me: Respondent,
    *,
    chosen: dict[str, Any],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    return _page(
        request,
        state,
        "respond/profile.html",
        me,
        status=status,
        chosen=chosen,
        errors=errors or {},
        sectors=SECTORS,
        role_levels=[(value, ROLE_LEVEL_LABELS.get(value, value.capitalize())) for value in ROLE_LEVELS],
        age_bands=[(value, AGE_BAND_LABELS.get(value, value)) for value in AGE_BANDS],
    )


def _arc_titles(state: AppState, me: Respondent) -> dict[str, str]:
    return {key: state.framework.arc(key).title for key in me.arcs}
