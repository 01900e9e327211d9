"""The page plumbing: paths from route names, errors as sentences, forms shown again when their model
refuses them, and the naming of page routes."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

import pytest
from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.config import Settings
from app.main import create_app
from app.schemas.staff import RoundCreate
from app.web.pages import (
    InvalidForm,
    PageRoute,
    field_errors,
    path_for,
    redirect_to,
    shows_form_again,
)
from tests.conftest import TEST_SECRET

# --- paths from route names -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_app(
        Settings(_env_file=None, database_url="sqlite://", secret_key=TEST_SECRET)  # type: ignore[call-arg]
    )


def request_to(app: FastAPI) -> Request:
    return Request({"type": "http", "app": app, "method": "GET", "path": "/", "headers": []})


def test_a_path_is_built_from_the_route_name_and_its_ids(app: FastAPI) -> None:
    request = request_to(app)
    assert path_for(request, "facilitate.room_page", session_id=3) == "/facilitate/sessions/3"
    assert path_for(request, "static", path="css/rainbow.css") == "/static/css/rainbow.css"


def test_a_query_and_a_fragment_follow_the_path(app: FastAPI) -> None:
    request = request_to(app)
    path = path_for(
        request, "facilitate.room_page", session_id=3, query={"saved": "orange.child.1"}, fragment="item-1"
    )
    assert path == "/facilitate/sessions/3?saved=orange.child.1#item-1"
    assert path_for(request, "admin.overview", query={"added": "trust"}) == "/admin?added=trust"


def test_a_redirect_after_a_form_is_303_to_the_path(app: FastAPI) -> None:
    response = redirect_to(request_to(app), "trust.trust_page", trust_id=7, query={"deleted": 1})
    assert response.status_code == 303
    assert response.headers["location"] == "/trust/7?deleted=1"


def test_every_page_route_is_a_page_route_named_for_its_area_and_handler(app: FastAPI) -> None:
    pages = [
        context
        for context in iter_route_contexts(app.routes)
        if context.methods and not str(context.path).startswith(("/api/", "/healthz"))
    ]
    assert len(pages) >= 50
    for context in pages:
        endpoint = context.endpoint
        assert endpoint is not None
        area, _, handler = str(context.name).partition(".")
        assert endpoint.__module__.startswith("app.routes.pages."), context.name
        assert area and handler == endpoint.__name__, context.name
        assert isinstance(context.original_route, PageRoute), context.name


def test_route_names_are_unique_so_a_name_means_one_path(app: FastAPI) -> None:
    names = Counter(context.name for context in iter_route_contexts(app.routes))
    assert [name for name, count in names.items() if count > 1] == []


# --- errors as sentences ----------------------------------------------------------------------------------

NOUNS = {"name": "the name of the round", "period_start": "the start of the period"}


def problems_of(data: dict[str, object]) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        RoundCreate.model_validate(data)
    return caught.value


def test_each_field_gets_one_sentence_naming_it() -> None:
    errors = field_errors(problems_of({"name": "", "period_start": "soon"}), NOUNS)
    assert errors == {
        "name": "Enter the name of the round.",
        "period_start": "The start of the period must be a date, such as 2010-04-01.",
    }


def test_a_field_may_have_one_sentence_whatever_is_wrong() -> None:
    errors = field_errors(problems_of({"period_start": "soon"}), NOUNS, messages={"name": "Name the round."})
    assert errors["name"] == "Name the round."


def test_a_pattern_is_explained_by_its_format() -> None:
    errors = field_errors(problems_of({"name": "\u202e"}), NOUNS, {"name": "must be plain text"})
    assert errors == {"name": "The name of the round must be plain text."}


def test_the_locations_of_a_request_body_are_read_as_the_field() -> None:
    problems = [{"type": "missing", "loc": ("body", "name"), "msg": "Field required"}]
    assert field_errors(problems, NOUNS) == {"name": "Enter the name of the round."}


# --- a form shown again -----------------------------------------------------------------------------------


class Things(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: Annotated[str, Field(min_length=1, max_length=5)]
    colours: list[str] = Field(min_length=1)


def show_things_again(request: Request, invalid: InvalidForm) -> Response:
    errors = invalid.errors({"name": "the name"}, messages={"colours": "Choose a colour."})
    typed = {"name": invalid.text("name"), "colours": invalid.texts("colours")}
    return JSONResponse({"errors": errors, "typed": typed}, status_code=422)


def things_app() -> TestClient:
    router = APIRouter(route_class=PageRoute)

    @router.post("/things/{number}", name="things.add")
    @shows_form_again(show_things_again)
    def add(number: int, things: Annotated[Things, Form()]) -> dict[str, object]:
        return {"number": number, **things.model_dump()}

    @router.post("/plain", name="things.plain")
    def plain(things: Annotated[Things, Form()]) -> dict[str, object]:
        return things.model_dump()

    app = FastAPI()
    app.include_router(router)
    return TestClient(app)


def test_a_valid_form_reaches_the_handler_as_its_model_with_every_ticked_box() -> None:
    response = things_app().post("/things/1", data={"name": "pens", "colours": ["red", "blue"], "x": "y"})
    assert response.json() == {"number": 1, "name": "pens", "colours": ["red", "blue"]}


def test_a_refused_form_is_shown_again_with_its_errors_and_what_was_typed() -> None:
    response = things_app().post("/things/1", data={"name": "pencils", "csrf_token": "t"})
    assert response.status_code == 422
    assert response.json() == {
        "errors": {"name": "The name must be at most 5 characters long.", "colours": "Choose a colour."},
        "typed": {"name": "pencils", "colours": []},
    }


def test_a_bad_id_in_the_path_is_an_error_not_the_form_again() -> None:
    response = things_app().post("/things/one", data={"name": "pens", "colours": "red"})
    assert response.status_code == 422
    assert "errors" not in response.json()


def test_a_handler_not_marked_answers_fastapis_own_422() -> None:
    response = things_app().post("/plain", data={"name": ""})
    assert response.status_code == 422
    assert "detail" in response.json()
