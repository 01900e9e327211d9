"""The statements of a questionnaire (/respond/questions/{step}): a child's one statement per screen, with
faces; a member of staff's one arc per page, with the scale, "don't know", "not applicable" and a comment.
Each page's answers are saved when it is left (forward, or back).

Its router is included by `app.routes.pages.respond`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from app.errors import Invalid
from app.routes.pages.respondent import (
    Respondent,
    RespondentPage,
    Saved,
    current_respondent,
    form_text,
    new_form_key,
    save_answers,
)
from app.schemas.responses import AnswerIn, ResponsesIn
from app.web.pages import PageRoute, path_for, redirect_to, render_page
from app.web.state import AppState, State
from framework.model import Arc, ScalePoint
from surveys import Item

router = APIRouter(include_in_schema=False, route_class=PageRoute)
Step = Annotated[int, Path(ge=1, le=200, description="A page of the questionnaire, from 1")]
RATINGS = ("1", "2", "3", "4", "5")
MAX_COMMENT = 2000


@dataclass(frozen=True)
class QuestionPage(RespondentPage):
    """A child's statement (respond/child_question.html), or a member of staff's arc (staff_arc.html)."""

    form_key: str
    scale: list[ScalePoint]
    step: int
    steps: int
    group: list[Item]  # the statements of this page
    arc: Arc
    chosen: dict[str, Saved]  # the answers as saved, or as given when shown again
    errors: dict[str, str]
    answered: int  # statements answered so far, of all the session's
    back: str  # the page before


@router.get("/respond/questions/{step}", response_class=HTMLResponse, name="respond.question_page")
def question_page(step: Step, request: Request, state: State) -> Response:
    """A participant: one statement (children) or one arc's statements (staff), with saved answers shown."""
    me = current_respondent(state, request)
    if isinstance(me, Response):
        return me
    if step > len(me.steps):
        return redirect_to(request, "respond.review_page")
    return _question_page(request, state, me, step)


@router.post("/respond/questions/{step}", response_class=HTMLResponse, name="respond.answer")
async def answer(step: Step, request: Request, state: State) -> Response:
    """A participant: save this page's answers, then the next page (or Back: the page before).

    A field per statement (``rating-<code>``, ``comment-<code>``), so the form is read here rather than into
    one model; the answers then go through the API's `ResponsesIn`.
    """
    me = await run_in_threadpool(current_respondent, state, request)
    if isinstance(me, Response):
        return me
    if step > len(me.steps):
        return redirect_to(request, "respond.review_page")
    form = await request.form()
    group = me.steps[step - 1]
    chosen = _chosen(form, group, me)
    try:
        body = ResponsesIn(answers=(_child_answers if me.child else _staff_answers)(chosen, group))
    except Invalid as error:
        errors = {error.field: error.message}
        return _question_page(request, state, me, step, chosen=chosen, errors=errors, status=422)
    try:
        refused = await save_answers(request, state, form, body)
    except Invalid as error:
        if error.field != "Idempotency-Key":
            raise
        return await _tapped_twice(request, state, step)
    if refused is not None:
        return refused
    if _offer_words(me, form, chosen[group[0].code]):  # the face is saved; now they may say more
        return redirect_to(request, "respond.question_page", step=step, fragment="field-comment")
    return _onwards(request, me, step, form_text(form, "go"))


def _offer_words(me: Respondent, form: FormData, chosen: Saved) -> bool:
    """Whether a child just tapped an answer on a page whose comment box was not yet offered: the box comes
    after the face, so the page shows it next (with the face chosen)."""
    return me.child and me.children_comments and "comment" not in form and chosen.value not in ("", "skip")


async def _tapped_twice(request: Request, state: AppState, step: int) -> Response:
    """Two taps on different answers before the page changed: the first was saved; show it again."""
    fresh = await run_in_threadpool(current_respondent, state, request)
    if isinstance(fresh, Response):
        return fresh
    message = "We saved your first tap. Check the answer shown, and tap again to change it."
    return _question_page(request, state, fresh, step, errors={"twice": message}, status=409)


def _onwards(request: Request, me: Respondent, step: int, go: str) -> Response:
    if go == "back":
        return RedirectResponse(_back_from(request, step), status_code=303)
    if step >= len(me.steps) or go == "review":
        return redirect_to(request, "respond.review_page")
    return redirect_to(request, "respond.question_page", step=step + 1)


def _back_from(request: Request, step: int) -> str:
    if step <= 1:
        return path_for(request, "respond.profile_page")
    return path_for(request, "respond.question_page", step=step - 1)


def _chosen(form: FormData, group: list[Item], me: Respondent) -> dict[str, Saved]:
    """What the form says for each statement of the page (kept to show the page again after a mistake)."""
    if me.child:
        comment = form_text(form, "comment") if me.children_comments else ""
        return {group[0].code: Saved(value=form_text(form, "rating"), comment=comment)}
    return {
        item.code: Saved(
            value=form_text(form, f"rating-{item.code}"), comment=form_text(form, f"comment-{item.code}")
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
    if "\x00" in comment:
        raise Invalid(name, f"{noun} has a NUL character (code 0) in it, which cannot be kept; take it out.")


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
    page = QuestionPage(
        me=me,
        idle_seconds=state.settings.respondent_idle_seconds,
        form_key=new_form_key(),
        scale=state.framework.scale,
        step=step,
        steps=len(me.steps),
        group=group,
        arc=state.framework.arc(group[0].arc),
        chosen=chosen if chosen is not None else me.saved,
        errors=errors or {},
        answered=sum(1 for item in me.items if item.code in me.saved),
        back=_back_from(request, step),
    )
    template = "respond/child_question.html" if me.child else "respond/staff_arc.html"
    return render_page(request, template, page, status=status)
