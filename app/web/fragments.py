"""Polls answered cheaply: htmx pages that poll a fragment (the room screen, a room's progress) mostly find
that nothing has changed since their last poll.

A poll's route works out a *key*: everything that decides what its fragment shows, read with a few small
queries (never the fragment's own work: no disclosure check, no chart, no template). The key's digest is the
fragment's *version*; the fragment carries it in a hidden input that the polling element sends back
(``hx-include``) as ``v``. Then:

- the client already shows this version: 204 No Content, which htmx does not swap;
- another poll (any page, any session with the same key) rendered it in this process: the same bytes again;
- otherwise the route renders the fragment as before (so the rules of disclosure decide what is in it), and
  the bytes are kept under the key when the key read again afterwards is the same (nothing changed while it
  was rendered, so the fragment is exactly the key's).

The cache is per process and bounded; any process can answer, as every key is read from the database.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

#: The query parameter a poll sends its fragment's version in.
VERSION_PARAM = "v"
_VARY = {"Vary": "HX-Request"}

Key = tuple[Hashable, ...]


def version_of(key: Key) -> str:
    """The fragment's version: a digest of its key (the same in every process)."""
    return hashlib.blake2b(repr(key).encode(), digest_size=12).hexdigest()


class FragmentCache:
    """Rendered fragments by their key, the least recently used dropped first."""

    def __init__(self, *, max_entries: int = 4096) -> None:
        self._entries: OrderedDict[Key, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def get(self, key: Key) -> bytes | None:
        with self._lock:
            body = self._entries.get(key)
            if body is not None:
                self._entries.move_to_end(key)
            return body

    def put(self, key: Key, body: bytes) -> None:
        with self._lock:
            self._entries[key] = body
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


def cached_answer(request: Request, cache: FragmentCache, key: Key) -> Response | None:
    """The answer to a poll whose fragment's key is `key` when it needs no rendering: 204 when the client
    shows that version already, the bytes when this process has them; else None."""
    if request.query_params.get(VERSION_PARAM) == version_of(key):
        return Response(status_code=204, headers=_VARY)
    body = cache.get(key)
    return None if body is None else HTMLResponse(body, headers=_VARY)


def answer_poll(
    request: Request,
    cache: FragmentCache,
    key: Key,
    *,
    render: Callable[[str], Response],
    key_now: Callable[[], Key],
) -> Response:
    """The answer to a poll whose fragment's key is `key`: `cached_answer` when it has one, else
    `render(version)` (kept when `key_now()` is still `key`)."""
    cached = cached_answer(request, cache, key)
    if cached is not None:
        return cached
    response = render(version_of(key))
    if response.status_code == 200 and key_now() == key:
        cache.put(key, bytes(response.body))
    return response
