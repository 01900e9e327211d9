"""The end of a questionnaire: the review, submitting, and the thank-you page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.routes.pages.review import ReviewPage, ThanksPage
from tests.app.routes.pages.respondents import (
    joined,
    participant,
    send_answers,
)
from tests.factories import World, app_state
from tests.pages import find_form, get_page, location, rendered_with, submit, text_of

pytestmark = pytest.mark.database


def test_the_thank_you_page_waits_for_the_answers_to_be_sent(client: TestClient, world: World) -> None:
    joined(client, world.session_a_code)

    assert location(client.get("/respond/thanks", follow_redirects=False)) == "/respond/review"


def test_the_last_arc_page_leads_to_the_review_and_staff_submit_there(
    client: TestClient, world: World
) -> None:
    joined(client, world.session_a_code)
    code = app_state(client).surveys.items("green", "practitioner")[0].code
    form = find_form(get_page(client, "/respond/questions/2"), "/respond/questions/2")
    assert location(submit(client, form, **{f"rating-{code}": "3"})) == "/respond/review"
    review = get_page(client, "/respond/review")
    assert "3 Partly true" in text_of(review.find(id=f"review-{code}"))

    assert location(submit(client, find_form(review, "/respond/submit"))) == "/respond/thanks"

    assert participant(client).submitted_at is not None


def test_the_review_and_thanks_pages_get_exactly_their_page_contexts(
    client: TestClient, world: World
) -> None:
    joined(client, world.session_a_code)
    review = rendered_with(client.get("/respond/review"), "respond/review.html", ReviewPage)
    assert set(review["arc_titles"]) == set(review["me"].arcs)
    send_answers(client)
    rendered_with(client.get("/respond/thanks"), "respond/thanks.html", ThanksPage)
