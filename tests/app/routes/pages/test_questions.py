"""Answering the statements, used as a browser would: a child's one statement per screen with faces, a
member of staff's arc pages, answers kept across revisits, and a quick second tap."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.routes.pages.questions import QuestionPage
from tests.app.routes.pages.respondents import (
    CHILD_WORDS,
    DONT_KNOW,
    STAFF_WORDS,
    child_texts,
    chosen_button,
    face_buttons,
    joined,
    open_child_session,
    saved_answers,
    send_answers,
    staff_headers,
)
from tests.factories import World, app_state
from tests.pages import find_form, form_data, get_page, location, parse, rendered_with, submit, text_of

pytestmark = pytest.mark.database


def test_a_child_answers_one_statement_per_screen_skips_one_says_i_dont_know_reviews_and_submits(
    client: TestClient, world: World
) -> None:
    arcs = ("orange", "green")
    session_id, code = open_child_session(client, world, arcs=arcs)
    joined(client, code)
    texts = child_texts(client, arcs)
    total = len(texts)
    path = "/respond/questions/1"
    for number, text in enumerate(texts, start=1):
        soup = get_page(client, path)
        assert text_of(soup.select_one("h1.statement")) == text
        assert text_of(soup.select_one(".progress-text")) == f"{number} of {total}"
        assert soup.select_one("progress")["value"] == str(number)
        faces = face_buttons(soup)[:5]
        assert [text_of(b.select_one(".face-word")) for b in faces] == CHILD_WORDS
        assert [b.img["src"] for b in faces] == [f"/static/img/face-{n}.svg" for n in range(1, 6)]
        assert soup.select_one("a.back-link") is not None
        assert soup.select("textarea") == []
        choice = {1: "dk", 2: "skip"}.get(number, str(1 + number % 5))
        path = location(
            submit(client, find_form(soup, f"/respond/questions/{number}"), button=("rating", choice))
        )
    assert path == "/respond/review"

    review = get_page(client, "/respond/review")
    answers = [text_of(li.select_one(".review-answer")) for li in review.select(".review-item")]
    assert len(answers) == total
    assert answers[0].endswith("I " + DONT_KNOW.lower()) and answers[1].endswith("Skipped")
    assert answers[2].endswith(CHILD_WORDS[(1 + 3 % 5) - 1])
    thanks = location(submit(client, find_form(review, "/respond/submit")))
    assert thanks == "/respond/thanks"
    assert text_of(get_page(client, thanks).h1) == "Thank you!"

    progress = client.get(f"/api/sessions/{session_id}/progress", headers=staff_headers(world)).json()
    assert (progress["joined"], progress["submitted"], progress["answers"]) == (1, 1, total - 1)
    saved = saved_answers(client)
    assert saved[f"{arcs[0]}.child.1"] == ("dk", None, None) and f"{arcs[0]}.child.2" not in saved


def test_a_child_is_offered_the_comment_box_after_tapping_a_face_with_its_limit_shown(
    client: TestClient, world: World
) -> None:
    _, code = open_child_session(client, world, arcs=("orange",), comments=True)
    joined(client, code)
    soup = get_page(client, "/respond/questions/1")
    assert soup.select_one('textarea[name="comment"]') is None

    tapped = submit(client, find_form(soup, "/respond/questions/1"), button=("rating", "4"))

    assert location(tapped) == "/respond/questions/1#field-comment"
    again = get_page(client, "/respond/questions/1")
    box = again.select_one('textarea[name="comment"]')
    assert box is not None and box["maxlength"] == "2000"
    assert "up to 2,000 letters and spaces" in text_of(again.select_one("#comment-limit"))
    response = submit(
        client, find_form(again, "/respond/questions/1"), button=("rating", "4"), comment="They listen to me."
    )
    assert location(response) == "/respond/questions/2"
    assert saved_answers(client)["orange.child.1"] == ("rating", 4, "They listen to me.")


def test_a_comment_sent_to_a_childrens_session_without_comments_is_not_stored(
    client: TestClient, world: World
) -> None:
    _, code = open_child_session(client, world, arcs=("orange",))
    joined(client, code)
    data = form_data(find_form(get_page(client, "/respond/questions/1"), "/respond/questions/1"))

    response = client.post(
        "/respond/questions/1", data={**data, "rating": "4", "comment": "hi"}, follow_redirects=False
    )

    assert (
        location(response) == "/respond/questions/2"
    )  # the page offers no box, so a sent comment is not read
    assert saved_answers(client)["orange.child.1"] == ("rating", 4, None)


def test_revisiting_a_childs_statement_shows_the_face_they_chose(client: TestClient, world: World) -> None:
    _, code = open_child_session(client, world, arcs=("orange",))
    joined(client, code)
    form = find_form(get_page(client, "/respond/questions/2"), "/respond/questions/2")
    location(submit(client, form, button=("rating", "3")))

    soup = get_page(client, "/respond/questions/2")

    assert chosen_button(soup) == "3"
    assert "Your answer" in text_of(soup.select_one('button[value="3"]'))
    assert chosen_button(get_page(client, "/respond/questions/1")) is None


def test_the_back_link_goes_to_the_statement_before(client: TestClient, world: World) -> None:
    _, code = open_child_session(client, world, arcs=("orange",))
    joined(client, code)

    assert (
        get_page(client, "/respond/questions/3").select_one("a.back-link")["href"] == "/respond/questions/2"
    )
    assert get_page(client, "/respond/questions/1").select_one("a.back-link")["href"] == "/respond/about-you"


def test_childrens_pages_load_nothing_from_another_site(client: TestClient, world: World) -> None:
    _, code = open_child_session(client, world, arcs=("orange",))
    joined(client, code)
    send_answers(client)
    pages = ["/respond", "/respond/about-you", "/respond/questions/1", "/respond/review", "/respond/thanks"]
    for path in pages:
        soup = get_page(client, path)
        for element in soup.select("[src], link[href], img, script, iframe, object, embed"):
            for attribute in ("src", "href", "data", "srcset"):
                url = str(element.get(attribute, ""))
                if url:
                    assert url.startswith("/") and not url.startswith("//"), (path, url)
        assert not re.search(r"https?://", str(soup.head)), path


def test_staff_answer_one_arc_per_page_with_the_scale_dont_know_not_applicable_and_comments(
    client: TestClient, world: World
) -> None:
    joined(client, world.session_a_code)
    soup = get_page(client, "/respond/questions/1")
    orange = app_state(client).framework.arc("orange")
    items = app_state(client).surveys.items("orange", "practitioner")
    assert text_of(soup.h1) == orange.title
    assert orange.about.strip()[:60] in text_of(soup.select_one(".arc-about"))
    assert text_of(soup.select_one(".progress-text")).startswith("Page 1 of 2")
    cards = soup.select("fieldset.statement-card")
    assert [text_of(c.legend) for c in cards] == [
        f"{n}. {item.text}" for n, item in enumerate(items, start=1)
    ]
    radios = cards[0].select("input[type=radio]")
    assert [r["value"] for r in radios] == ["1", "2", "3", "4", "5", "dk", "na"]
    labels = [text_of(r.parent) for r in radios]
    assert labels == [f"{n} {word}" for n, word in enumerate(STAFF_WORDS, start=1)] + [
        DONT_KNOW,
        "Not applicable",
    ]
    assert cards[0].select_one(f'textarea[name="comment-{items[0].code}"]') is not None

    values = {
        f"rating-{items[0].code}": "4",
        f"comment-{items[0].code}": "We share a glossary.",
        f"rating-{items[1].code}": "dk",
        f"rating-{items[2].code}": "na",
    }
    response = submit(client, find_form(soup, "/respond/questions/1"), button=("go", "next"), **values)

    assert location(response) == "/respond/questions/2"
    assert saved_answers(client) == {
        items[0].code: ("rating", 4, "We share a glossary."),
        items[1].code: ("dk", None, None),
        items[2].code: ("na", None, None),
    }
    second = get_page(client, "/respond/questions/2")
    assert text_of(second.h1) == app_state(client).framework.arc("green").title


def test_a_staff_comment_without_a_rating_is_refused_naming_the_statement(
    client: TestClient, world: World
) -> None:
    joined(client, world.session_a_code)
    items = app_state(client).surveys.items("orange", "practitioner")
    form = find_form(get_page(client, "/respond/questions/1"), "/respond/questions/1")

    response = submit(client, form, button=("go", "next"), **{f"comment-{items[1].code}": "Some thoughts"})

    assert response.status_code == 422
    soup = parse(response)
    assert "Statement 2" in text_of(soup.select_one(".error-summary"))
    assert soup.select_one(f'textarea[name="comment-{items[1].code}"]').get_text() == "Some thoughts"
    assert saved_answers(client) == {}


def test_revisiting_an_arc_page_shows_the_saved_ratings_and_comments(
    client: TestClient, world: World
) -> None:
    joined(client, world.session_a_code)
    code = app_state(client).surveys.items("orange", "practitioner")[0].code
    form = find_form(get_page(client, "/respond/questions/1"), "/respond/questions/1")
    location(submit(client, form, **{f"rating-{code}": "2", f"comment-{code}": "Patchy"}))

    soup = get_page(client, "/respond/questions/1")

    assert soup.select_one(f'input[name="rating-{code}"][checked]')["value"] == "2"
    assert soup.select_one(f'textarea[name="comment-{code}"]').get_text() == "Patchy"


def test_save_and_go_back_saves_the_page_and_goes_to_the_page_before(
    client: TestClient, world: World
) -> None:
    joined(client, world.session_a_code)
    code = app_state(client).surveys.items("green", "practitioner")[0].code
    form = find_form(get_page(client, "/respond/questions/2"), "/respond/questions/2")

    response = submit(client, form, button=("go", "back"), **{f"rating-{code}": "5"})

    assert location(response) == "/respond/questions/1"
    assert saved_answers(client)[code] == ("rating", 5, None)


def test_a_second_quick_tap_on_another_face_keeps_the_first_and_says_so(
    client: TestClient, world: World
) -> None:
    _, code = open_child_session(client, world, arcs=("orange",))
    joined(client, code)
    form = find_form(get_page(client, "/respond/questions/1"), "/respond/questions/1")
    location(submit(client, form, button=("rating", "5")))

    response = submit(client, form, button=("rating", "1"))

    assert response.status_code == 409
    soup = parse(response)
    assert "We saved your first tap" in text_of(soup.select_one(".child-error"))
    assert chosen_button(soup) == "5"
    assert saved_answers(client)["orange.child.1"] == ("rating", 5, None)


def test_a_question_page_gets_exactly_its_page_context(client: TestClient, world: World) -> None:
    joined(client, world.session_a_code)
    context = rendered_with(client.get("/respond/questions/1"), "respond/staff_arc.html", QuestionPage)
    assert (context["step"], context["back"], context["answered"]) == (1, "/respond/about-you", 0)
    _, code = open_child_session(client, world)
    joined(client, code)
    child = rendered_with(client.get("/respond/questions/2"), "respond/child_question.html", QuestionPage)
    assert child["back"] == "/respond/questions/1" and len(child["group"]) == 1


def test_a_childs_page_hands_on_from_a_small_control_at_the_end_that_asks_first_and_has_no_adult_footer(
    client: TestClient, world: World
) -> None:
    _, code = open_child_session(client, world, arcs=("orange",))
    joined(client, code)

    soup = get_page(client, "/respond/questions/1")

    assert soup.select_one('header form[action="/respond/finish"]') is None
    assert soup.select_one("footer") is None
    ask = soup.select("main details.hand-on-child")
    assert len(ask) == 1 and text_of(ask[0].summary) == "Finished? Hand on"
    assert [text_of(b) for b in ask[0].select('form[action="/respond/finish"] button')] == ["Yes, hand on"]
    assert soup.select("main form")[-1].parent is ask[0]  # the last thing on the page
