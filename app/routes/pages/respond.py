"""The respondent's pages: joining a focus group by its code and answering, anonymously, on a tablet or phone.

``/join`` (`app.routes.pages.join`) takes the code and gives the browser a participant cookie. Then
``/respond`` (what we ask and how answers are kept) and an optional anonymous profile (here); the statements
(`app.routes.pages.questions`: children one per screen with faces, staff one page per arc); a review, submit
and a thank-you (`app.routes.pages.review`). This module's router includes those modules' routes. Everything
works without JavaScript; what every page shares is in `app.routes.pages.respondent`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ConfigDict
from starlette.concurrency import run_in_threadpool

from app.choices import AGE_BAND_LABELS, AGE_BANDS, ROLE_LEVEL_LABELS, ROLE_LEVELS, SECTORS
from app.routes.pages import join, questions, review
from app.routes.pages.respondent import (
    Respondent,
    RespondentPage,
    current_respondent,
    new_form_key,
    save_answers,
)
from app.schemas.responses import ProfileIn, ResponsesIn
from app.web.pages import InvalidForm, PageRoute, app_state, redirect_to, render_page, shows_form_again
from app.web.state import AppState, State
from framework.model import Arc, ScalePoint

router = APIRouter(include_in_schema=False, route_class=PageRoute)
CHILD_PROFILE = ("age_band", "assisted")
STAFF_PROFILE = ("sector", "role_level")
PROFILE_MESSAGES = {
    name: f"Choose one of the {name.replace('_', ' ')} options shown, or leave it blank."
    for name in (*CHILD_PROFILE, *STAFF_PROFILE)
}


class ProfileForm(ProfileIn):
    """The profile form: the API's model, as a browser sends it (with its form key besides)."""

    model_config = ConfigDict(extra="ignore")

    assisted: bool | None = None  # a ticked box sends "yes"; the API takes a JSON boolean only


@dataclass(frozen=True)
class PrivacyPage(RespondentPage):
    arcs: list[Arc]
    min_group: int  # the smallest group answers are reported for
    scale: list[ScalePoint]


@dataclass(frozen=True)
class ProfilePage(RespondentPage):
    form_key: str
    chosen: dict[str, Any]  # the profile as saved, or as chosen
    errors: dict[str, str]
    sectors: tuple[str, ...]
    role_levels: list[tuple[str, str]]  # value, words
    age_bands: list[tuple[str, str]]


# Joining and handing on come first, as they did when these were one module.
router.include_router(join.router)


@router.get("/respond", response_class=HTMLResponse, name="respond.privacy")
def privacy(request: Request, state: State) -> Response:
    """A participant: what we ask, how it stays anonymous, that they may skip or stop; then Start."""
    me = current_respondent(state, request)
    if isinstance(me, Response):
        return me
    page = PrivacyPage(
        me=me,
        idle_seconds=state.settings.respondent_idle_seconds,
        arcs=[state.framework.arc(key) for key in me.arcs],
        min_group=state.settings.min_group_size,
        scale=state.framework.scale,
    )
    return render_page(request, "respond/privacy.html", page)


@router.get("/respond/about-you", response_class=HTMLResponse, name="respond.profile_page")
def profile_page(request: Request, state: State) -> Response:
    """A participant: the optional anonymous profile (staff: sector and role; children: age band, help)."""
    me = current_respondent(state, request)
    if isinstance(me, Response):
        return me
    return _profile_page(request, state, me, chosen=me.profile)


def _show_profile_form(request: Request, invalid: InvalidForm) -> Response:
    state = app_state(request)
    me = current_respondent(state, request)
    if isinstance(me, Response):
        return me
    chosen: dict[str, Any] = {name: invalid.text(name) or None for name in (*CHILD_PROFILE, *STAFF_PROFILE)}
    errors = invalid.errors({}, messages=PROFILE_MESSAGES)
    return _profile_page(request, state, me, chosen=chosen, errors=errors, status=422)


@router.post("/respond/about-you", response_class=HTMLResponse, name="respond.save_profile")
@shows_form_again(_show_profile_form)
async def save_profile(request: Request, state: State, profile: Annotated[ProfileForm, Form()]) -> Response:
    """A participant: save the profile (whatever was chosen; nothing is required), then the questions.
    Only what the session's viewpoint asks is kept: children's age band and help, staff's sector and role."""
    me = await run_in_threadpool(current_respondent, state, request)
    if isinstance(me, Response):
        return me
    asked = set(CHILD_PROFILE if me.child else STAFF_PROFILE)
    body = ResponsesIn(profile=ProfileIn.model_validate(profile.model_dump(include=asked)))
    refused = await save_answers(request, state, await request.form(), body)
    if refused is not None:
        return refused
    return redirect_to(request, "respond.question_page", step=1)


# The statements, then the review, submit and thanks.
router.include_router(questions.router)
router.include_router(review.router)


def _profile_page(
    request: Request,
    state: AppState,
    me: Respondent,
    *,
    chosen: dict[str, Any],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    page = ProfilePage(
        me=me,
        idle_seconds=state.settings.respondent_idle_seconds,
        form_key=new_form_key(),
        chosen=chosen,
        errors=errors or {},
        sectors=SECTORS,
        role_levels=[(value, ROLE_LEVEL_LABELS.get(value, value.capitalize())) for value in ROLE_LEVELS],
        age_bands=[(value, AGE_BAND_LABELS.get(value, value)) for value in AGE_BANDS],
    )
    return render_page(request, "respond/profile.html", page, status=status)
