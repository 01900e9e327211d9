"""The framework and questionnaires as the service shows them: public shapes and lookups that answer 404."""

from __future__ import annotations

from app.errors import NotFound
from app.schemas.catalogue import FrameworkPublic, ItemPublic, SurveyPublic
from framework.model import Arc, Framework, Viewpoint
from surveys import CHILD_VIEWPOINT, Item, SurveyBook


def framework_public(framework: Framework) -> FrameworkPublic:
    return FrameworkPublic.model_validate(framework.model_dump())


def find_arc(framework: Framework, key: str) -> Arc:
    """The arc with this key.

    :raises NotFound: naming the arcs there are.
    """
    try:
        return framework.arc(key)
    except KeyError:
        known = ", ".join(framework.arc_keys)
        raise NotFound(f"There is no arc '{key}'. The arcs are: {known}.") from None


def find_viewpoint(framework: Framework, key: str) -> Viewpoint:
    """The viewpoint with this key.

    :raises NotFound: naming the viewpoints there are.
    """
    try:
        return framework.viewpoint(key)
    except KeyError:
        known = ", ".join(framework.viewpoint_keys)
        raise NotFound(f"There is no viewpoint '{key}'. The viewpoints are: {known}.") from None


def survey_items(framework: Framework, surveys: SurveyBook, *, arc: str, viewpoint: str) -> tuple[Item, ...]:
    """The statements for an arc and viewpoint.

    :raises NotFound: for an unknown arc or viewpoint.
    """
    find_arc(framework, arc)
    find_viewpoint(framework, viewpoint)
    return surveys.items(arc, viewpoint)


def survey_public(framework: Framework, surveys: SurveyBook, *, arc: str, viewpoint: str) -> SurveyPublic:
    items = survey_items(framework, surveys, arc=arc, viewpoint=viewpoint)
    return SurveyPublic(
        arc=arc,
        viewpoint=viewpoint,
        framework_version=framework.version,
        items=[
            ItemPublic(
                code=item.code,
                text=item.text,
                child_text=item.child_text if viewpoint == CHILD_VIEWPOINT else None,
            )
            for item in items
        ],
    )
