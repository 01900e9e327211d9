"""Group commit for participants' answers: submissions that arrive together are written in one transaction.

A room of tablets saving at once would otherwise pay a transaction each: on SQLite a durable commit (an
fsync) each, one after another, and a dozen statements each. Instead each process keeps a queue. A request
puts its submission in and waits; one writer at a time takes everything queued, writes it in one transaction
(`app.store.responses.save_submissions`), commits, and only then answers each request, so an acknowledged
answer is exactly as durable as before. When the service is quiet a batch is one submission and costs what
it always did; under load a batch grows by itself to whatever arrived during the last commit.

When a batch's transaction fails (the database's trouble, not a bad submission: those come back as their
own errors and change nothing), each of its submissions is tried again alone, so none can sink the others
and each gets its own outcome.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import anyio.to_thread
from sqlalchemy import Engine

from app.db.engine import write_session
from app.schemas.responses import ResponsesOut
from app.store.responses import Submission, save_submissions
from app.store.tablet_outboxes import record_waiting
from framework.model import Framework
from surveys import SurveyBook

log = logging.getLogger("rainbow.submissions")

#: The most submissions written in one transaction: a bound on how long one commit keeps the rest waiting.
MAX_BATCH = 100


@dataclass(frozen=True)
class _Waiting:
    submission: Submission
    reply: asyncio.Future[ResponsesOut]


class SubmissionWriter:
    """The process's queue of submissions and the one writer that drains it; see the module docstring."""

    def __init__(self, engine: Engine, framework: Framework, surveys: SurveyBook) -> None:
        self._engine = engine
        self._framework = framework
        self._surveys = surveys
        # One queue per event loop, while it has work: a server runs one loop, but a test client may run
        # each request in a loop of its own, and a future can only be answered in its own loop.
        self._queues: dict[asyncio.AbstractEventLoop, list[_Waiting]] = {}
        self._writers: set[asyncio.Task[None]] = set()

    async def save(self, submission: Submission) -> ResponsesOut:
        """Queue a submission and wait until it is committed.

        :raises AppError: the submission's own error (see `save_submissions`); a database error as raised.
        """
        loop = asyncio.get_running_loop()
        waiting = _Waiting(submission, loop.create_future())
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = []
            writer = loop.create_task(self._drain(loop, queue))
            self._writers.add(writer)  # the loop itself keeps only a weak reference
            writer.add_done_callback(self._writers.discard)
        queue.append(waiting)
        return await waiting.reply

    async def _drain(self, loop: asyncio.AbstractEventLoop, queue: list[_Waiting]) -> None:
        """Write what is queued, batch after batch, until the queue is empty; then the queue goes, in the
        same step as the last look at it, so a submission is never left behind."""
        try:
            while queue:
                batch = [waiting for waiting in queue[:MAX_BATCH] if not waiting.reply.done()]
                del queue[:MAX_BATCH]  # a request whose client went away no longer waits
                if batch:
                    await self._write_batch(batch)
        except BaseException:  # the loop is shutting down: nobody will be answered
            for waiting in queue:
                waiting.reply.cancel()
            raise
        finally:
            del self._queues[loop]

    async def _write_batch(self, batch: list[_Waiting]) -> None:
        try:
            outcomes = await anyio.to_thread.run_sync(self._write, [w.submission for w in batch])
        except BaseException:
            for waiting in batch:
                waiting.reply.cancel()
            raise
        for waiting, outcome in zip(batch, outcomes, strict=True):
            if waiting.reply.done():
                continue
            if isinstance(outcome, BaseException):
                waiting.reply.set_exception(outcome)
            else:
                waiting.reply.set_result(outcome)

    def _write(self, submissions: Sequence[Submission]) -> list[ResponsesOut | BaseException]:
        """Write a batch in one transaction or, if that fails, each submission in a transaction of its own."""
        try:
            return list(self._transaction(submissions))
        except Exception as error:
            if len(submissions) == 1:
                return [error]
            log.warning("batch of %d failed (%s); writing them one by one", len(submissions), error)
        outcomes: list[ResponsesOut | BaseException] = []
        for submission in submissions:
            try:
                outcomes.extend(self._transaction([submission]))
            except Exception as error:
                outcomes.append(error)
        return outcomes

    def _transaction(self, submissions: Sequence[Submission]) -> list[ResponsesOut | BaseException]:
        with write_session(self._engine) as db:
            outcomes = save_submissions(
                db, submissions=submissions, framework=self._framework, surveys=self._surveys
            )
            record_waiting(db, reports=[s.outbox for s in submissions if s.outbox is not None])
            return list(outcomes)
