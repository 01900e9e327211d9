"""The framework and its questionnaires, as JSON: public, read-only."""

from __future__ import annotations

from fastapi import APIRouter

from app.schemas.catalogue import FrameworkPublic, SurveyPublic
from app.services.catalogue import framework_public, survey_public
from app.web.state import State

router = APIRouter(prefix="/api", tags=["framework"])


@router.get("/framework", response_model=FrameworkPublic)
def get_framework(state: State) -> FrameworkPublic:
    """The framework: version, the journey scale, the five viewpoints and every arc."""
    return framework_public(state.framework)


@router.get(
    "/surveys/{arc}/{viewpoint}",
    response_model=SurveyPublic,
    responses={404: {"description": "No such arc or viewpoint"}},
)
def get_survey(arc: str, viewpoint: str, state: State) -> SurveyPublic:
    """The statements of one arc's questionnaire for one viewpoint, with child wording for children."""
    return survey_public(state.framework, state.surveys, arc=arc, viewpoint=viewpoint)
