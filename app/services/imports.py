"""Importing answers from CSV without stalling the room: the file is checked whole, then stored a batch at a
time, each batch its own short transaction, with a pause between them.

One transaction for a 100,000-line file held SQLite's single writer for seconds, and every tablet's save
waited behind it. A batch of `BATCH_ANSWERS` answers holds the writer for tens of milliseconds; the pause
after each commit, as long as the batch took, lets the writers queued meanwhile (a room's group commits)
go first. The import stays all
or nothing for everyone who reads it: its focus groups are locked until the last batch is in, so the round
cannot be published with part of a file, and a failure half-way takes back what was stored.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy.exc import SQLAlchemyError

from app.db.engine import read_session, write_session
from app.identity import Staff
from app.permissions import LEADS
from app.schemas.responses import ImportResult
from app.services.runtime import Runtime
from app.store import answer_import, import_writes, rounds
from app.store.answer_import import Respondent
from framework.model import Framework
from surveys import SurveyBook

log = logging.getLogger("rainbow.imports")

#: The most answers written per transaction: tens of milliseconds of held writer on SQLite. Batches shrink
#: (to `MIN_BATCH_ANSWERS`) while they hold the writer longer than `TARGET_HOLD_SECONDS`.
BATCH_ANSWERS = 500
MIN_BATCH_ANSWERS = 50
TARGET_HOLD_SECONDS = 0.1
#: After each batch's commit the import waits as long as the batch held the writer (and at least this), so
#: the writers queued behind it (a room's group commits) get their turn: an import takes at most half the
#: writer's time, however busy the machine.
MIN_PAUSE_SECONDS = 0.01
#: Checking a big file is seconds of CPU; every few hundred rows it stops this long, so the process's other
#: threads (the event loop above all) are not kept waiting for the interpreter lock.
PARSE_PAUSE_SECONDS = 0.002


def import_answers(
    runtime: Runtime,
    *,
    actor: Staff,
    round_id: int,
    content: bytes,
    framework: Framework,
    surveys: SurveyBook,
    batch_answers: int = BATCH_ANSWERS,
) -> ImportResult:
    """Check the whole file, then store it in batches (see the module docstring).

    :raises NotFound: for a round the lead may not see; :raises Conflict: when the round is published;
    :raises Invalid: listing every bad row (nothing is stored).
    """
    with read_session(runtime.engine) as db:
        answer_import.refuse_if_published(
            rounds.get_round_for_staff(db, staff=actor, round_id=round_id, roles=LEADS)
        )
    parsed = answer_import.parse_import(content, framework=framework, surveys=surveys, pause=_let_others_run)
    with write_session(runtime.engine) as db:
        db_round = rounds.get_round_for_staff(db, staff=actor, round_id=round_id, roles=LEADS)
        answer_import.refuse_if_published(db_round)  # it may have been published while the file was read
        sessions = import_writes.open_import_sessions(
            db, actor=actor, db_round=db_round, parsed=parsed, framework=framework
        )
    try:
        held = _store_batches(runtime, actor, round_id, sessions, parsed.respondents, batch_answers)
        with write_session(runtime.engine) as db:
            db_round = rounds.get_round_for_staff(db, staff=actor, round_id=round_id, roles=LEADS)
            result = import_writes.close_import(
                db, actor=actor, db_round=db_round, sessions=sessions, parsed=parsed
            )
    except BaseException:
        _undo(runtime, round_id, sessions)
        raise
    log.info(
        "import into round %s: %d rows in %d batches, the writer held at most %.0f ms at a time",
        round_id,
        parsed.rows,
        len(held),
        max(held, default=0) * 1000,
    )
    return result


def _let_others_run() -> None:
    time.sleep(PARSE_PAUSE_SECONDS)  # releases the GIL: the event loop and the tablets' writes go on


def _store_batches(
    runtime: Runtime,
    actor: Staff,
    round_id: int,
    sessions: dict[str, int],
    people: list[Respondent],
    batch_answers: int,
) -> list[float]:
    """Every respondent, a batch at a time; how long each batch held the writer, in seconds.

    A batch that held the writer longer than `TARGET_HOLD_SECONDS` (a slow or busy machine) halves the next
    one, down to `MIN_BATCH_ANSWERS`; a quick one doubles it, up to `batch_answers`.
    """
    held: list[float] = []
    size, start = batch_answers, 0
    smallest = min(MIN_BATCH_ANSWERS, batch_answers)
    while start < len(people):
        end = import_writes.batch_end(people, start, max_answers=size)
        held.append(_write_batch(runtime, actor, round_id, sessions, people[start:end]))
        start = end
        if held[-1] > TARGET_HOLD_SECONDS:
            size = max(smallest, size // 2)
        elif held[-1] < TARGET_HOLD_SECONDS / 2:
            size = min(batch_answers, size * 2)
    return held


def _write_batch(
    runtime: Runtime, actor: Staff, round_id: int, sessions: dict[str, int], people: list[Respondent]
) -> float:
    """One batch in its own transaction, then the pause; returns how long the writer was held, in seconds."""
    started = time.perf_counter()
    with write_session(runtime.engine) as db:
        import_writes.write_import_batch(db, actor=actor, round_id=round_id, sessions=sessions, people=people)
    held = time.perf_counter() - started
    time.sleep(max(MIN_PAUSE_SECONDS, held))
    return held


def _undo(runtime: Runtime, round_id: int, sessions: dict[str, int]) -> None:
    try:
        with write_session(runtime.engine) as db:
            import_writes.undo_import(db, round_id=round_id, sessions=sessions)
    except SQLAlchemyError:
        # The groups stay locked, so the round cannot be published with part of the file, and their titles
        # say they are imports: the log names the round for whoever looks after the database.
        log.exception("an unfinished import of round %s could not be taken back", round_id)
