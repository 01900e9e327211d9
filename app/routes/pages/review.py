"""The end of a questionnaire: every statement with the answer given (or "skipped") and a link to change it,
submitting, and the thank-you page with "Finish and hand on".

Its router is included by `app.routes.pages.respond`.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.routes.pages.respondent import RespondentPage, current_respondent, new_form_key, save_answers
from app.schemas.responses import ResponsesIn
from app.web.pages import PageRoute, redirect_to, render_page
from app.web.state import State
from framework.model import ScalePoint

router = APIRouter(include_in_schema=False, route_class=PageRoute)


@dataclass(frozen=True)
class ReviewPage(RespondentPage):
    form_key: str
    scale: list[ScalePoint]
    arc_titles: dict[str, str]  # arc key -> title, for the headings of a member of staff's review


@dataclass(frozen=True)
class ThanksPage(RespondentPage):
    pass


@router.get("/respond/review", response_class=HTMLResponse, name="respond.review_page")
def review_page(request: Request, state: State) -> Response:
    """A participant: every statement with the answer given (or "skipped"), links to change, and Submit."""
    me = current_respondent(state, request)
    if isinstance(me, Response):
        return me
    page = ReviewPage(
        me=me,
        idle_seconds=state.settings.respondent_idle_seconds,
        form_key=new_form_key(),
        scale=state.framework.scale,
        arc_titles={key: state.framework.arc(key).title for key in me.arcs},
    )
    return render_page(request, "respond/review.html", page)


@router.post("/respond/submit", response_class=HTMLResponse, name="respond.submit")
async def submit(request: Request, state: State) -> Response:
    """A participant: mark their answers as finished, then the thank-you page."""
    refused = await save_answers(request, state, await request.form(), ResponsesIn(submit=True))
    if refused is not None:
        return refused
    return redirect_to(request, "respond.thanks_page")


@router.get("/respond/thanks", response_class=HTMLResponse, name="respond.thanks_page")
def thanks_page(request: Request, state: State) -> Response:
    """A participant who has submitted: thank you, and "Finish and hand on" (others: the review page)."""
    me = current_respondent(state, request)
    if isinstance(me, Response):
        return me
    if not me.submitted and not me.offline_copy:
        return redirect_to(request, "respond.review_page")
    page = ThanksPage(me=me, idle_seconds=state.settings.respondent_idle_seconds)
    return render_page(request, "respond/thanks.html", page)
