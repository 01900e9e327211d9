"""The watch of polled rooms on its own: how old an answer may be, when it reads again, what it drops."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Collection, Mapping

import pytest

from app.identity import Staff
from app.web.room_watch import Poller, RoomWatch, Watched

EVERY = 0.5
STAFF = Staff(user_id=1, email="f@example.org", is_admin=False, roles={}, via="session", mfa=False)


def _poller(session_id: int = 1, *, secret: str = "secret") -> Poller:
    return Poller(("session", secret), session_id, True, "http://testserver/")


def _watched(version: int) -> Watched:
    return Watched(STAFF, ("screen", version))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Reads:
    """A read that finds every poller at `version`, counting its calls."""

    def __init__(self, version: int = 2) -> None:
        self.version = version
        self.calls: list[list[Poller]] = []

    def __call__(self, pollers: Collection[Poller]) -> Mapping[Poller, Watched]:
        self.calls.append(list(pollers))
        return {poller: _watched(self.version) for poller in pollers}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def watch(clock: Clock) -> RoomWatch:
    return RoomWatch(every=EVERY, forget_after=30, clock=clock)


def test_an_answer_is_given_while_its_read_is_at_most_the_setting_old(watch: RoomWatch, clock: Clock) -> None:
    watch.put(_poller(), _watched(1), read_at=clock.now, generation=watch.generation)

    clock.now += EVERY
    fresh = watch.get(_poller())
    clock.now += 0.01
    stale = watch.get(_poller())

    assert fresh == _watched(1)
    assert stale is None and watch.holds(_poller())


def test_a_refresh_reads_every_poller_again_in_one_read(watch: RoomWatch, clock: Clock) -> None:
    for session_id in (1, 2, 3):
        watch.put(_poller(session_id), _watched(1), read_at=clock.now, generation=watch.generation)
    clock.now += 1
    reads = Reads()

    asyncio.run(watch.refresh(reads))

    assert len(reads.calls) == 1 and sorted(p.session_id for p in reads.calls[0]) == [1, 2, 3]
    assert [watch.get(_poller(session_id)) for session_id in (1, 2, 3)] == [_watched(2)] * 3


def test_polls_arriving_during_a_refresh_wait_for_it_rather_than_read_again(
    watch: RoomWatch, clock: Clock
) -> None:
    watch.put(_poller(), _watched(1), read_at=clock.now, generation=watch.generation)
    clock.now += 1
    release, calls = threading.Event(), []

    def slow_read(pollers: Collection[Poller]) -> Mapping[Poller, Watched]:
        calls.append(1)
        release.wait(5)
        return {poller: _watched(2) for poller in pollers}

    async def three_polls() -> None:
        polls = [asyncio.ensure_future(watch.refresh(slow_read)) for _ in range(3)]
        await asyncio.sleep(0.05)
        release.set()
        await asyncio.gather(*polls)

    asyncio.run(three_polls())

    assert calls == [1] and watch.get(_poller()) == _watched(2)


def test_a_poller_the_read_leaves_out_is_no_longer_watched(watch: RoomWatch, clock: Clock) -> None:
    watch.put(_poller(1), _watched(1), read_at=clock.now, generation=watch.generation)
    watch.put(_poller(2), _watched(1), read_at=clock.now, generation=watch.generation)
    clock.now += 1

    asyncio.run(watch.refresh(lambda pollers: {p: _watched(2) for p in pollers if p.session_id == 1}))

    assert watch.holds(_poller(1)) and not watch.holds(_poller(2))


def test_a_poller_not_polled_for_a_while_is_dropped_at_the_next_read(watch: RoomWatch, clock: Clock) -> None:
    watch.put(_poller(1), _watched(1), read_at=clock.now, generation=watch.generation)
    clock.now += 20
    watch.put(_poller(2), _watched(1), read_at=clock.now, generation=watch.generation)
    clock.now += 11  # poller 1 last polled 31 s ago, poller 2 11 s ago
    reads = Reads()

    asyncio.run(watch.refresh(reads))

    assert [p.session_id for p in reads.calls[0]] == [2]
    assert not watch.holds(_poller(1)) and watch.holds(_poller(2))


def test_a_failed_read_raises_and_the_next_refresh_reads_again(watch: RoomWatch, clock: Clock) -> None:
    watch.put(_poller(), _watched(1), read_at=clock.now, generation=watch.generation)
    clock.now += 1

    def failing(pollers: Collection[Poller]) -> Mapping[Poller, Watched]:
        raise OSError("database gone")

    with pytest.raises(OSError, match="database gone"):
        asyncio.run(watch.refresh(failing))
    asyncio.run(watch.refresh(Reads()))

    assert watch.get(_poller()) == _watched(2)


def test_forgetting_a_credential_drops_its_pollers_only(watch: RoomWatch, clock: Clock) -> None:
    watch.put(_poller(secret="gone"), _watched(1), read_at=clock.now, generation=watch.generation)
    watch.put(_poller(secret="stays"), _watched(1), read_at=clock.now, generation=watch.generation)

    watch.forget(("session", "gone"))

    assert not watch.holds(_poller(secret="gone")) and watch.get(_poller(secret="stays")) == _watched(1)


def test_a_read_begun_before_a_sign_out_does_not_bring_its_poller_back(
    watch: RoomWatch, clock: Clock
) -> None:
    generation = watch.generation  # a poll starts its own read

    watch.forget(("session", "secret"))  # meanwhile, the browser signs out
    watch.put(_poller(), _watched(1), read_at=clock.now, generation=generation)

    assert not watch.holds(_poller())


def test_a_refresh_during_a_sign_out_keeps_nothing_it_read(watch: RoomWatch, clock: Clock) -> None:
    watch.put(_poller(secret="other"), _watched(1), read_at=clock.now, generation=watch.generation)
    clock.now += 1

    def read_while_signing_out(pollers: Collection[Poller]) -> Mapping[Poller, Watched]:
        watch.forget(("session", "secret"))
        return {poller: _watched(2) for poller in pollers}

    asyncio.run(watch.refresh(read_while_signing_out))

    assert watch.get(_poller(secret="other")) is None  # still the old read: the next poll reads again


def test_no_more_pollers_than_the_limit_are_watched(clock: Clock) -> None:
    watch = RoomWatch(every=EVERY, max_pollers=2, clock=clock)

    for session_id in (1, 2, 3):
        watch.put(_poller(session_id), _watched(1), read_at=clock.now, generation=watch.generation)

    assert len(watch) == 2 and not watch.holds(_poller(3))


def test_an_answer_nearly_too_old_starts_the_next_read_without_waiting_for_it(
    watch: RoomWatch, clock: Clock
) -> None:
    watch.put(_poller(), _watched(1), read_at=clock.now, generation=watch.generation)
    reads = Reads()

    async def poll_at(age: float) -> tuple[Watched | None, bool]:
        clock.now = 100.0 + age
        answered, ageing = watch.get(_poller()), watch.ageing(_poller())
        if ageing:
            watch.read_ahead(reads)
        return answered, ageing

    async def polls() -> list[tuple[Watched | None, bool]]:
        young = await poll_at(0.3)
        old = await poll_at(0.45)  # answered from the last read while the next one starts
        started = len(reads.calls)
        await watch.refresh(reads)  # waits for the read under way, and starts none
        return [young, old, (watch.get(_poller()), started == 0 and len(reads.calls) == 1)]

    young, old, after = asyncio.run(polls())

    assert young == (_watched(1), False)
    assert old == (_watched(1), True)
    assert after == (_watched(2), True)
