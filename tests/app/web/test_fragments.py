"""Polled fragments: their versions, the bounded cache, and what a poll is answered with."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from app.web.fragments import FragmentCache, Key, answer_poll, version_of


def _request(query: str = "") -> Request:
    return Request(
        {"type": "http", "method": "GET", "path": "/", "query_string": query.encode(), "headers": []}
    )


def test_a_version_is_the_same_for_the_same_key_in_any_process_and_differs_otherwise() -> None:
    assert version_of(("screen", 1, (2, 3))) == version_of(("screen", 1, (2, 3)))
    assert version_of(("screen", 1, (2, 3))) != version_of(("screen", 1, (3, 2)))
    assert len(version_of(("a",))) == 24


def test_the_cache_keeps_the_most_recently_used_fragments() -> None:
    cache = FragmentCache(max_entries=2)
    cache.put(("a",), b"A")
    cache.put(("b",), b"B")
    assert cache.get(("a",)) == b"A"  # now the most recent
    cache.put(("c",), b"C")
    assert (cache.get(("a",)), cache.get(("b",)), cache.get(("c",))) == (b"A", None, b"C")
    assert len(cache) == 2


def _poll(query: str, cache: FragmentCache, key: Key, key_now: Key | None = None) -> tuple[Response, int]:
    renders: list[str] = []

    def render(version: str) -> Response:
        renders.append(version)
        return HTMLResponse(f"<p>{version}</p>")

    response = answer_poll(
        _request(query), cache, key, render=render, key_now=lambda: key if key_now is None else key_now
    )
    return response, len(renders)


def test_a_poll_is_rendered_once_then_answered_from_the_cache_or_with_204() -> None:
    cache, key = FragmentCache(), ("progress", 1)
    version = version_of(key)

    first, first_renders = _poll("", cache, key)
    again, again_renders = _poll("v=stale", cache, key)
    unchanged, unchanged_renders = _poll(f"v={version}", cache, key)

    assert (first_renders, again_renders, unchanged_renders) == (1, 0, 0)
    assert first.body == again.body == f"<p>{version}</p>".encode()
    assert unchanged.status_code == 204 and unchanged.body == b""
    assert unchanged.headers["vary"] == again.headers["vary"] == "HX-Request"


def test_a_fragment_rendered_while_its_key_changed_is_not_kept() -> None:
    cache = FragmentCache()
    _, renders = _poll("", cache, ("screen", 1), key_now=("screen", 2))
    assert renders == 1 and cache.get(("screen", 1)) is None
    _, renders = _poll("", cache, ("screen", 1))
    assert renders == 1


def test_an_error_is_never_kept() -> None:
    cache = FragmentCache()
    answer_poll(
        _request(),
        cache,
        ("x",),
        render=lambda _: HTMLResponse("no", status_code=409),
        key_now=lambda: ("x",),
    )
    assert cache.get(("x",)) is None
