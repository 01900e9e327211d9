"""The rooms being polled, watched: who polls each room and its fragment's key, read for all of them at once
at most every RAINBOW_ROOM_WATCH_SECONDS (0.5 s), instead of once a poll.

On a national day hundreds of projector screens and facilitator pages poll their room. A poll that finds
nothing changed (`app.routes.pages.room_polls`) needs two facts: who asks, and its fragment's key. Read at
every poll, those two reads were most of what polling cost. The watch keeps them per *poller* (a credential
polling one fragment of one room) and, when they are older than the setting, reads every poller's again in
one go (`RoomWatch.refresh`): a poll answered from the watch reads nothing.

What this trades, by design: a poll's answer may be that old.

- A screen polling every second follows the facilitator within 1.5 s.
- A session ended or changed in another process (signed out, expired, an account disabled, a role changed)
  stops its polls within the same half second. Signing out in this process forgets its polls at once.
- A poller the watch does not hold is read at its poll, as before. That covers a first poll, a session due to
  be marked seen, and one dropped because its credential or its room no longer checks out. The route then
  answers it with every check it makes.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from typing import Literal

from starlette.concurrency import run_in_threadpool

from app.identity import Staff
from app.web.fragments import Key

#: A request's credential (`app.web.auth.credential_of`): a personal API token, or a session cookie's secret.
Credential = tuple[Literal["token", "session"], str]


@dataclass(frozen=True)
class Poller:
    """A credential polling one fragment (the screen, or the room page's progress) of one room."""

    credential: Credential
    session_id: int
    screen: bool
    base_url: str  # the screen draws its join link with it


@dataclass(frozen=True)
class Watched:
    """What the watch knows of a poller: who it is and its fragment's key."""

    staff: Staff
    key: Key


@dataclass(frozen=True)
class _Entry:
    watched: Watched
    read_at: float  # when the read it came from began
    polled_at: float


# Reading again at 80% of the allowed age leaves a tenth of a second (at 0.5 s) for the read: polls seldom
# wait for it, and it runs little more often than the age allows.
_READ_AHEAD_AT = 0.8

#: Reads what the watch knows of pollers, in one read transaction; a poller left out is no longer watched.
Read = Callable[[Collection[Poller]], Mapping[Poller, Watched]]


class RoomWatch:
    """The pollers of this process, with what they were last read to be. `every` is how old an answer may be
    (0 turns the watch off); a poller not polled for `forget_after` seconds is dropped at the next read."""

    def __init__(
        self,
        *,
        every: float,
        forget_after: float = 30.0,
        max_pollers: int = 20_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.every = every
        self.forget_after = forget_after
        self.max_pollers = max_pollers
        self.clock = clock
        self._entries: dict[Poller, _Entry] = {}
        self._lock = threading.Lock()
        self._generation = 0  # moves on whenever pollers are forgotten: a read begun before then is not kept
        self._refreshing: asyncio.Future[None] | None = None

    @property
    def enabled(self) -> bool:
        return self.every > 0

    @property
    def generation(self) -> int:
        """Pass to `put`: a read begun before pollers were forgotten must not bring them back."""
        return self._generation

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, poller: Poller) -> Watched | None:
        """What `poller` was read to be, when that read began at most `every` seconds ago; noted as polled."""
        now = self.clock()
        with self._lock:
            entry = self._entries.get(poller)
            if entry is None or now - entry.read_at > self.every:
                return None
            self._entries[poller] = replace(entry, polled_at=now)
            return entry.watched

    def holds(self, poller: Poller) -> bool:
        """Whether `poller` is watched, fresh or not (when not, `refresh` reads it again)."""
        return poller in self._entries

    def ageing(self, poller: Poller) -> bool:
        """Whether `poller`'s read is nearly as old as an answer may be: time to `read_ahead`."""
        entry = self._entries.get(poller)
        return entry is not None and self.clock() - entry.read_at > self.every * _READ_AHEAD_AT

    def put(self, poller: Poller, watched: Watched, *, read_at: float, generation: int) -> None:
        """Watch `poller`, read (beginning at `read_at`, by `clock`) to be `watched`."""
        with self._lock:
            if generation != self._generation:
                return
            if poller not in self._entries and len(self._entries) >= self.max_pollers:
                return  # the poller is read at each poll, as without the watch
            self._entries[poller] = _Entry(watched, read_at, polled_at=self.clock())

    def forget(self, credential: Credential) -> None:
        """Stop answering `credential`'s polls from the watch (it has just signed out)."""
        with self._lock:
            self._generation += 1
            for poller in [poller for poller in self._entries if poller.credential == credential]:
                del self._entries[poller]

    async def refresh(self, read: Read) -> None:
        """Read every poller polled within `forget_after` again, with `read` in a worker thread, and drop the
        rest. Polls that arrive meanwhile wait for this read rather than start another.

        :raises Exception: whatever `read` raised (the pollers stay as they were)."""
        await asyncio.shield(self._reading(read))

    def read_ahead(self, read: Read) -> None:
        """Start `refresh` unless it is under way, without waiting for it. Polls arriving all the time start
        it before any answer is too old, so none of them waits for a read."""
        self._reading(read)

    def _reading(self, read: Read) -> asyncio.Future[None]:
        if self._refreshing is None:
            task = asyncio.ensure_future(self._read_again(read))
            task.add_done_callback(self._refreshed)
            self._refreshing = task
        return self._refreshing

    def _refreshed(self, task: asyncio.Future[None]) -> None:
        if self._refreshing is task:
            self._refreshing = None
        if not task.cancelled():
            task.exception()  # retrieved here too, for when every poll that waited for it has gone

    async def _read_again(self, read: Read) -> None:
        began, generation = self.clock(), self._generation
        with self._lock:
            pollers = [
                p for p, entry in self._entries.items() if began - entry.polled_at <= self.forget_after
            ]
        found = await run_in_threadpool(read, pollers) if pollers else {}
        with self._lock:
            if generation != self._generation:
                return  # someone signed out meanwhile: what was read may hold them; read at the next poll
            for poller in list(self._entries):
                entry = self._entries[poller]
                if poller in found:
                    self._entries[poller] = _Entry(found[poller], began, entry.polled_at)
                elif entry.read_at < began:  # not put afresh while the read ran
                    del self._entries[poller]
