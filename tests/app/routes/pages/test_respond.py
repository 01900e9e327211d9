"""The respondent's pages, used as a browser would: read each page's form or button, submit it.

Joining by code, the privacy screen, the optional profile, a child's one-statement screens with faces, a
member of staff's arc pages, review and submit, answers kept across revisits and re-posts, and handing a
shared tablet on (by the button or by leaving it idle).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, inspect, select

from app.db.engine import read_session
from app.db.tables import Answer, IdempotentRequest, Participant
from app.main import create_app
from app.web.auth import PARTICIPANT_COOKIE
from tests.factories import World, app_state
from tests.pages import find_form, form_data, get_page, location, parse, submit, text_of

pytestmark = pytest.mark.database

DONT_KNOW = "Don\u2019t know"  # as the pages write it, with a typographic apostrophe
CHILD_WORDS = ["Never", "Not often", "Sometimes", "Mostly", "Always"]
STAFF_WORDS = ["Fragmented", "Emerging", "Developing", "Established", "Integrated"]


# --- helpers ---------------------------------------------------------------------------------------------


def staff_headers(world: World, role: str = "lead_a") -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[role]}"}


def open_child_session(
    client: TestClient, world: World, *, arcs: tuple[str, ...] = ("orange", "green"), comments: bool = False
) -> tuple[int, str]:
    """A children's session made and opened by lead A through the API: (id, join code)."""
    made = client.post(
        f"/api/rounds/{world.round_a}/sessions",
        json={"viewpoint": "child", "arcs": list(arcs), "title": "Year 6", "children_comments": comments},
        headers=staff_headers(world),
    )
    assert made.status_code == 201, made.text
    session_id, code = made.json()["id"], made.json()["join_code"]
    opened = client.post(
        f"/api/sessions/{session_id}/state", json={"state": "open"}, headers=staff_headers(world)
    )
    assert opened.status_code == 200, opened.text
    return session_id, code


def join(client: TestClient, code: str) -> Response:
    """Open /join as a fresh browser and submit its form with `code` typed in."""
    client.cookies.clear()
    return submit(client, find_form(get_page(client, "/join"), "/join"), code=code)


def joined(client: TestClient, code: str) -> None:
    assert location(join(client, code)) == "/respond"


def statement_count(client: TestClient, viewpoint: str, arcs: tuple[str, ...]) -> int:
    surveys = app_state(client).surveys
    return sum(len(surveys.items(arc, viewpoint)) for arc in arcs)


def child_texts(client: TestClient, arcs: tuple[str, ...]) -> list[str]:
    surveys = app_state(client).surveys
    return [str(item.child_text) for arc in arcs for item in surveys.items(arc, "child")]


def face_buttons(soup: BeautifulSoup) -> list[Tag]:
    return soup.select('form.child-form button[name="rating"]')


def chosen_button(soup: BeautifulSoup) -> str | None:
    pressed = [b for b in face_buttons(soup) if b.get("aria-pressed") == "true"]
    assert len(pressed) <= 1
    return str(pressed[0]["value"]) if pressed else None


def counts(client: TestClient) -> tuple[int, int]:
    """(answers, idempotency records) in the whole database."""
    with read_session(app_state(client).engine) as db:
        answers = db.scalar(select(func.count()).select_from(Answer))
        keys = db.scalar(select(func.count()).select_from(IdempotentRequest))
        return int(answers or 0), int(keys or 0)


def saved_answers(client: TestClient) -> dict[str, tuple[str, int | None, str | None]]:
    with read_session(app_state(client).engine) as db:
        return {a.item_code: (a.kind, a.rating, a.comment) for a in db.scalars(select(Answer))}


def send_answers(client: TestClient) -> None:
    """Submit from the review page, as the Submit button does."""
    review = get_page(client, "/respond/review")
    assert location(submit(client, find_form(review, "/respond/submit"))) == "/respond/thanks"


def participant(client: TestClient) -> Participant:
    with read_session(app_state(client).engine) as db:
        rows = list(db.scalars(select(Participant)))
    assert len(rows) == 1
    return rows[0]


# --- joining ---------------------------------------------------------------------------------------------


def test_the_join_page_has_one_big_code_field_that_a_qr_code_can_fill_in(client: TestClient) -> None:
    soup = get_page(client, "/join?code=abcdefg")

    form = find_form(soup, "/join")
    field = form.select_one("input#field-code")
    assert field is not None and field["name"] == "code" and field["value"] == "ABCDEFG"
    label = soup.select_one('label[for="field-code"]')
    assert label is not None and text_of(label) == "Code on the screen"
    assert (field["autocomplete"], field["autocapitalize"], field["spellcheck"]) == (
        "off",
        "characters",
        "false",
    )
    assert [b.get_text(strip=True) for b in form.select("button")] == ["Join"]
    assert len(form.select("input:not([type=hidden])")) == 1


def test_joining_with_the_code_in_small_letters_and_spaces_sets_the_participant_cookie(
    client: TestClient, world: World
) -> None:
    response = join(client, "  abc defg ")

    assert location(response) == "/respond"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(PARTICIPANT_COOKIE))
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert client.get("/respond", follow_redirects=False).status_code == 200


def test_a_wrong_code_shows_the_form_again_with_the_message_and_404(client: TestClient, world: World) -> None:
    response = join(client, "ZZZZZZZ")

    assert response.status_code == 404
    soup = parse(response)
    assert "No session has that code" in text_of(soup.select_one("#error-code"))
    field = soup.select_one("#field-code")
    assert field is not None and field["value"] == "ZZZZZZZ" and field["aria-invalid"] == "true"
    assert PARTICIPANT_COOKIE not in client.cookies


def test_an_empty_code_asks_for_the_code_with_422(client: TestClient, world: World) -> None:
    response = join(client, "   ")

    assert response.status_code == 422
    assert "Enter the code on the screen" in text_of(parse(response).select_one("#error-code"))


def test_a_locked_session_shows_the_form_again_with_its_message_and_409(
    client: TestClient, world: World
) -> None:
    locked = client.post(
        f"/api/sessions/{world.session_a}/state", json={"state": "locked"}, headers=staff_headers(world)
    )
    assert locked.status_code == 200

    response = join(client, world.session_a_code)

    assert response.status_code == 409
    assert "not taking anyone new" in text_of(parse(response).select_one("#error-code"))
    assert PARTICIPANT_COOKIE not in client.cookies


def test_too_many_wrong_codes_show_the_form_with_429_and_retry_after(migrated: Any, world: World) -> None:
    settings = migrated.model_copy(update={"join_failure_limit": 2})
    with TestClient(create_app(settings)) as throttled:
        throttled.get("/join")
        form = find_form(get_page(throttled, "/join"), "/join")
        statuses = [submit(throttled, form, code="ZZZZZZZ").status_code for _ in range(2)]
        response = submit(throttled, form, code=world.session_a_code)

    assert statuses[0] == 404
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert "Too many wrong codes" in text_of(parse(response).select_one("#error-code"))


# --- before the questions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/respond", "/respond/about-you", "/respond/questions/1", "/respond/review", "/respond/thanks"],
)
def test_respondent_pages_without_a_participant_cookie_go_to_join(client: TestClient, path: str) -> None:
    assert location(client.get(path, follow_redirects=False)) == "/join"


def test_an_invalid_participant_cookie_goes_to_join(client: TestClient) -> None:
    client.cookies.set(PARTICIPANT_COOKIE, "not-a-real-token")

    assert location(client.get("/respond/questions/1", follow_redirects=False)) == "/join"


def test_a_child_first_sees_in_child_words_that_no_one_will_know_and_they_can_skip_or_stop(
    client: TestClient, world: World
) -> None:
    _, code = open_child_session(client, world)
    joined(client, code)

    soup = get_page(client, "/respond")

    words = text_of(soup.select_one("main"))
    assert "No one will know which answers are yours" in words
    assert "We never ask your name" in words
    assert "skip" in words and "I " + DONT_KNOW.lower() in words
    assert "stop at any time" in words
    assert f"There are {statement_count(client, 'child', ('orange', 'green'))} sentences" in words
    assert soup.select_one('main a.button[href="/respond/about-you"]').get_text(strip=True) == "Start"


def test_staff_first_see_that_answers_are_anonymous_and_only_reported_for_groups_of_five(
    client: TestClient, world: World
) -> None:
    joined(client, world.session_a_code)

    words = text_of(get_page(client, "/respond").select_one("main"))

    assert "We do not ask for your name or email address" in words
    assert "groups of 5 or more" in words
    assert "Start" in words


def test_a_closed_session_shows_a_friendly_finished_page(client: TestClient, world: World) -> None:
    joined(client, world.session_a_code)
    closed = client.post(
        f"/api/sessions/{world.session_a}/state", json={"state": "closed"}, headers=staff_headers(world)
    )
    assert closed.status_code == 200

    response = client.get("/respond/questions/1", follow_redirects=False)

    assert response.status_code == 200
    assert text_of(parse(response).h1) == "This session has finished"
    assert PARTICIPANT_COOKIE not in client.cookies


# --- the profile -----------------------------------------------------------------------------------------


def test_a_child_may_give_an_age_band_and_that_a_grown_up_helped(client: TestClient, world: World) -> None:
    _, code = open_child_session(client, world)
    joined(client, code)
    soup = get_page(client, "/respond/about-you")
    form = find_form(soup, "/respond/about-you")
    assert form.select('input[name="sector"]') == [] and form.select('input[name="role_level"]') == []

    response = submit(client, form, age_band="8-10", assisted="yes")

    assert location(response) == "/respond/questions/1"
    saved = participant(client)
    assert (saved.age_band, saved.assisted, saved.sector) == ("8-10", True, None)
    again = find_form(get_page(client, "/respond/about-you"), "/respond/about-you")
    assert again.select_one('input[name="age_band"][checked]')["value"] == "8-10"


def test_staff_may_give_sector_and_role_level_or_skip_them(client: TestClient, world: World) -> None:
    joined(client, world.session_a_code)
    soup = get_page(client, "/respond/about-you")
    form = find_form(soup, "/respond/about-you")
    assert form.select('input[name="age_band"]') == []
    assert soup.select_one('main a[href="/respond/questions/1"]').get_text(strip=True) == "Skip"

    response = submit(client, form, sector="health", role_level="manager")

    assert location(response) == "/respond/questions/1"
    saved = participant(client)
    assert (saved.sector, saved.role_level, saved.age_band) == ("health", "manager", None)


def test_a_profile_value_not_offered_is_refused_with_422_and_nothing_saved(
    client: TestClient, world: World
) -> None:
    joined(client, world.session_a_code)
    form = find_form(get_page(client, "/respond/about-you"), "/respond/about-you")

    response = submit(client, form, sector="astronauts")

    assert response.status_code == 422
    assert "sector" in text_of(parse(response).select_one(".error-summary"))
    assert participant(client).sector is None


# --- a child answers -------------------------------------------------------------------------------------


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


def test_children_see_no_comment_box_unless_the_session_takes_their_words(
    client: TestClient, world: World
) -> None:
    _, code = open_child_session(client, world, arcs=("orange",), comments=True)
    joined(client, code)
    soup = get_page(client, "/respond/questions/1")
    assert soup.select_one('textarea[name="comment"]') is not None

    response = submit(
        client, find_form(soup, "/respond/questions/1"), button=("rating", "4"), comment="They listen to me."
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


def test_the_thank_you_page_waits_for_the_answers_to_be_sent(client: TestClient, world: World) -> None:
    joined(client, world.session_a_code)

    assert location(client.get("/respond/thanks", follow_redirects=False)) == "/respond/review"


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


# --- a member of staff answers ---------------------------------------------------------------------------


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


def test_the_last_arc_page_leads_to_the_review_and_staff_submit_there(
    client: TestClient, world: World
) -> None:
    joined(client, world.session_a_code)
    code = app_state(client).surveys.items("green", "practitioner")[0].code
    form = find_form(get_page(client, "/respond/questions/2"), "/respond/questions/2")
    assert location(submit(client, form, **{f"rating-{code}": "3"})) == "/respond/review"
    review = get_page(client, "/respond/review")
    assert "3 Developing" in text_of(review.find(id=f"review-{code}"))

    assert location(submit(client, find_form(review, "/respond/submit"))) == "/respond/thanks"

    assert participant(client).submitted_at is not None


# --- saving exactly once ---------------------------------------------------------------------------------


def test_a_re_posted_form_with_the_same_hidden_key_stores_nothing_twice(
    client: TestClient, world: World
) -> None:
    joined(client, world.session_a_code)
    code = app_state(client).surveys.items("orange", "practitioner")[0].code
    form = find_form(get_page(client, "/respond/questions/1"), "/respond/questions/1")
    first = submit(client, form, **{f"rating-{code}": "4"})
    before = counts(client)
    with read_session(app_state(client).engine) as db:
        stamp = db.scalar(select(Answer.updated_at))

    again = submit(client, form, **{f"rating-{code}": "4"})

    assert location(first) == location(again) == "/respond/questions/2"
    assert counts(client) == before == (1, 1)
    with read_session(app_state(client).engine) as db:
        assert db.scalar(select(Answer.updated_at)) == stamp


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


def test_every_form_gets_a_new_hidden_key(client: TestClient, world: World) -> None:
    joined(client, world.session_a_code)

    keys = {
        str(
            find_form(get_page(client, "/respond/questions/1"), "/respond/questions/1").select_one(
                '[name="key"]'
            )["value"]
        )
        for _ in range(3)
    }

    assert len(keys) == 3 and all(len(key) >= 20 for key in keys)


# --- handing on ------------------------------------------------------------------------------------------


def test_finish_and_hand_on_forgets_the_participant_clears_site_data_and_starts_the_session_again(
    client: TestClient, world: World
) -> None:
    joined(client, world.session_a_code)
    send_answers(client)
    thanks = get_page(client, "/respond/thanks")
    assert [text_of(b) for b in find_form(thanks, "/respond/finish").select("button")] == [
        "Finish and hand on"
    ]

    response = submit(client, find_form(thanks, "/respond/finish"))

    assert location(response) == f"/join?code={world.session_a_code}"
    assert response.headers["clear-site-data"] == '"cache", "cookies", "storage"'
    assert PARTICIPANT_COOKIE not in client.cookies
    assert location(client.get("/respond/questions/1", follow_redirects=False)) == "/join"
    field = get_page(client, location(response)).select_one("#field-code")
    assert field is not None and field["value"] == world.session_a_code


def test_every_respondent_page_offers_finish_and_returns_to_the_start_when_idle(
    client: TestClient, world: World
) -> None:
    joined(client, world.session_a_code)
    send_answers(client)
    idle = app_state(client).settings.respondent_idle_seconds
    for path in [
        "/respond",
        "/respond/about-you",
        "/respond/questions/1",
        "/respond/review",
        "/respond/thanks",
    ]:
        soup = get_page(client, path)
        # Without JavaScript the page refreshes to the start; with it, respond.js warns first (same time).
        refresh = soup.select_one('head noscript meta[http-equiv="refresh"]')
        assert refresh is not None and refresh["content"] == f"{idle};url=/respond/idle", path
        assert soup.select_one('meta[name="respondent-idle-seconds"]')["content"] == str(idle), path
        assert soup.select_one("#idle-warning[hidden][role=alertdialog]") is not None, path
        assert soup.select_one('header form[action="/respond/finish"]') is not None, path


def test_the_idle_page_forgets_the_participant_but_keeps_their_answers(
    client: TestClient, world: World
) -> None:
    joined(client, world.session_a_code)
    code = app_state(client).surveys.items("orange", "practitioner")[0].code
    form = find_form(get_page(client, "/respond/questions/1"), "/respond/questions/1")
    location(submit(client, form, **{f"rating-{code}": "4"}))

    response = client.get("/respond/idle", follow_redirects=False)

    assert location(response) == f"/join?code={world.session_a_code}"
    assert response.headers["clear-site-data"] == '"cache", "cookies", "storage"'
    assert PARTICIPANT_COOKIE not in client.cookies
    assert location(client.get("/respond", follow_redirects=False)) == "/join"
    assert saved_answers(client) == {code: ("rating", 4, None)}


# --- anonymity -------------------------------------------------------------------------------------------


def test_a_participant_row_holds_nothing_that_identifies_the_respondent(
    client: TestClient, world: World
) -> None:
    joined(client, world.session_a_code)
    form = find_form(get_page(client, "/respond/about-you"), "/respond/about-you")
    location(submit(client, form, sector="youth", role_level="frontline"))

    columns = {column["name"] for column in inspect(app_state(client).engine).get_columns("participants")}
    row = participant(client)

    assert columns == {
        "id",
        "session_id",
        "token_hash",
        "joined_at",
        "last_seen_at",
        "submitted_at",
        "sector",
        "role_level",
        "age_band",
        "assisted",
        "source",
    }
    token = client.cookies[PARTICIPANT_COOKIE]
    stored = " ".join(str(getattr(row, name)) for name in columns)
    assert token not in stored and "testclient" not in stored and "python-httpx" not in stored
