"""Respondents: joining a session by its code, and saving answers, idempotently.

A participant is anonymous: joining gives a random token (256 bits) that their browser keeps in a cookie
(or an API client sends as ``Authorization: Bearer``); only its hash is stored. Answers are saved as they
are given, one per participant and statement (a new answer replaces the old). A submission carries an
``Idempotency-Key``: the same key with the same body gets the same reply and stores nothing twice; the same
key with another body is refused.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.dialects import postgresql
from sqlmodel import Session

from app.choices import SessionState
from app.db.columns import utcnow
from app.db.core import table
from app.db.engine import find_rows_by_key
from app.db.tables import FocusSession, IdempotentRequest, Participant
from app.errors import AppError, Invalid, NotAuthenticated, SessionClosed
from app.identity import secret_hash
from app.schemas.responses import AnswerIn, ProfileIn, ResponsesIn, ResponsesOut
from app.store.participants import session_items
from app.store.rollups import AnswerValue, prepare_answers, random_shard
from app.store.tablet_outboxes import OutboxReport
from framework.model import Framework
from surveys import CHILD_VIEWPOINT, SurveyBook


@dataclass(frozen=True)
class Answering:
    """Who is saving answers, and to which session: what a submission needs, read in one query."""

    participant_id: int
    session_id: int
    round_id: int
    viewpoint: str
    arcs: str
    children_comments: bool

    @property
    def arc_keys(self) -> list[str]:
        return self.arcs.split(",") if self.arcs else []


@dataclass(frozen=True)
class Submission:
    """One save of a participant's answers: their token, the idempotency key, and what they sent."""

    token: str | None
    key: str
    body: ResponsesIn
    outbox: OutboxReport | None = None  # what the tablet said it still holds, if it said


#: What a submission comes to: its reply, or the error to answer it with.
Outcome = ResponsesOut | AppError


def body_fingerprint(body: ResponsesIn) -> str:
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def save_submissions(
    db: Session, *, submissions: Sequence[Submission], framework: Framework, surveys: SurveyBook
) -> list[Outcome]:
    """Apply submissions in the caller's transaction, each once per idempotency key (see the module
    docstring); the outcomes come in the order of the submissions.

    Many submissions are written together (group commit: see `app.services.submissions`), so the work is done
    for all of them at once: one query finds every participant, one finds earlier replies, and the answers and
    rollup moves of all of them go in a few statements. A participant's second submission in the same call is
    applied after their first, as if it had come in a transaction of its own.

    Outcomes that are errors: `NotAuthenticated` for a missing or unknown token, `SessionClosed` (410) for a
    closed session;
    `Invalid` for an item not in the session, a comment where none is allowed, a profile field that does not
    fit the viewpoint, or a key already used with another body. They store nothing; the participant is only
    marked as seen.
    """
    outcomes: list[Outcome | None] = [None] * len(submissions)
    find_rows_by_key(db.connection())
    who = _answering_all(db, [submission.token for submission in submissions])
    waves: list[list[tuple[int, Answering]]] = []  # the n-th submission of each participant in waves[n - 1]
    seen: Counter[int] = Counter()
    for index, submission in enumerate(submissions):
        answering = who[submission.token or ""]
        if isinstance(answering, AppError):
            outcomes[index] = answering
            continue
        nth = seen[answering.participant_id]  # from 0
        seen[answering.participant_id] += 1
        if nth == len(waves):
            waves.append([])
        waves[nth].append((index, answering))
    now = utcnow()
    # Copies of one request (a double tap, a retry during failover) wait here for the first to commit, then
    # find its key below and replay its reply, instead of racing it to the unique key.
    submitted = _lock_and_touch(db, sorted(seen), now)
    replies = _earlier_replies(
        db,
        ((answering.participant_id, submissions[index].key) for wave in waves for index, answering in wave),
    )
    batch = _Batch(submissions, outcomes, replies, submitted, now, framework, surveys)
    for wave in waves:
        _save_wave(db, wave, batch)
    return [outcome for outcome in outcomes if outcome is not None]


def save_responses(
    db: Session, *, submission: Submission, framework: Framework, surveys: SurveyBook
) -> ResponsesOut:
    """One submission on its own; see `save_submissions`. :raises AppError: its error, if it has one."""
    (outcome,) = save_submissions(db, submissions=[submission], framework=framework, surveys=surveys)
    if isinstance(outcome, AppError):
        raise outcome
    return outcome


_CLOSED = "This session is closed: it takes no more answers."
_KEY_REUSED = "this key was already used with a different body; use a new key"
#: (participant id, idempotency key) -> (body fingerprint, reply as JSON)
_Replies = dict[tuple[int, str], tuple[str, str]]


def _answering_all(db: Session, tokens: Sequence[str | None]) -> dict[str, Answering | AppError]:
    """Who each token is, or why it may not save answers, keyed by token."""
    found: dict[str, Answering | AppError] = {}
    by_hash = {secret_hash(token): token for token in set(tokens) if token}
    if by_hash:
        for row in db.connection().execute(_ANSWERING, {"hashes": list(by_hash)}):
            token_hash, *fields, session_state = row
            if session_state in (SessionState.CLOSED, SessionState.DRAFT):
                found[by_hash[token_hash]] = SessionClosed(_CLOSED)
            else:
                found[by_hash[token_hash]] = Answering(*fields)
    missing = NotAuthenticated("That participant token is not valid. Join the session again with its code.")
    for token in tokens:
        if token and token not in found:
            found[token] = missing
    found[""] = NotAuthenticated("Join a session with its code first.")
    return found


def _lock_and_touch(db: Session, participant_ids: list[int], now: datetime) -> dict[int, datetime | None]:
    """Lock the participants' rows (in id order, so that writers never deadlock) and mark them seen now, in
    one statement; returns when each submitted, as it stands once their row is ours."""
    if not participant_ids:
        return {}
    rows = db.connection().execute(_LOCK_AND_TOUCH, {"ids": participant_ids, "seen_at": now})
    return {participant_id: submitted_at for participant_id, submitted_at in rows}


def _earlier_replies(db: Session, pairs: Iterable[tuple[int, str]]) -> _Replies:
    """The replies already given to these (participant id, idempotency key) pairs."""
    wanted = sorted(set(pairs))
    if not wanted:
        return {}
    connection = db.connection()
    if connection.dialect.name == "postgresql":
        # The pairs as two arrays joined to the table: one statement, planned alike whatever their number.
        pids, keys = zip(*wanted, strict=True)
        rows = connection.execute(_EARLIER_REPLIES_BY_ARRAYS, {"pids": list(pids), "keys": list(keys)})
    else:
        # One probe of the unique index per pair (a row-value IN is a full scan on SQLite).
        replies = _REPLIES.c
        matching = or_(*(and_(replies.participant_id == pid, replies.key == key) for pid, key in wanted))
        rows = connection.execute(_EARLIER_REPLIES.where(matching))
    return {(pid, key): (body_hash, reply) for pid, key, body_hash, reply in rows}


@dataclass
class _Batch:
    """What the waves of one call of `save_submissions` share."""

    submissions: Sequence[Submission]
    outcomes: list[Outcome | None]
    replies: _Replies
    submitted: dict[int, datetime | None]  # participant id -> when they submitted, as it now stands
    now: datetime
    framework: Framework
    surveys: SurveyBook


@dataclass(frozen=True)
class _Accepted:
    """A submission that passed its checks: where it sits in the batch, and what its reply needs."""

    index: int
    answering: Answering
    fingerprint: str
    total: int  # statements in the session


def _save_wave(db: Session, wave: list[tuple[int, Answering]], batch: _Batch) -> None:
    """Apply submissions of distinct participants together, filling in the batch's outcomes, replies and
    submission times."""
    writes, accepted = _accept(wave, batch)
    if not accepted:
        return
    prepared = [
        prepare_answers(db, round_id=round_id, viewpoint=viewpoint, changes=changes, locked=True)
        for (round_id, viewpoint), changes in sorted(writes.items())
    ]
    answered = {pid: count for write in prepared for pid, count in write.answered.items()}
    updates, new_replies = _replies(accepted, answered, batch)
    connection = db.connection()
    for rows in updates.values():
        connection.execute(_UPDATE_PARTICIPANT, rows)
    connection.execute(_REPLIES.insert(), new_replies)
    shard = random_shard()  # one shard for the whole wave: its rollup rows are few, and locked late
    for write in prepared:
        write.apply(db, shard=shard)


#: (round id, viewpoint) -> participant id -> statement code -> the new answer (None: taken back)
_Writes = dict[tuple[int, str], dict[int, dict[str, AnswerValue | None]]]


def _accept(wave: list[tuple[int, Answering]], batch: _Batch) -> tuple[_Writes, list[_Accepted]]:
    """The answers to write and the submissions that pass; a replay gets its earlier reply and a submission
    that fails a check gets its error, as their outcomes."""
    writes: _Writes = defaultdict(dict)
    accepted: list[_Accepted] = []
    for index, answering in wave:
        submission = batch.submissions[index]
        fingerprint = body_fingerprint(submission.body)
        earlier = batch.replies.get((answering.participant_id, submission.key))
        if earlier is not None:
            body_hash, reply = earlier
            batch.outcomes[index] = (
                ResponsesOut.model_validate_json(reply)
                if body_hash == fingerprint
                else Invalid("Idempotency-Key", _KEY_REUSED)
            )
            continue
        items = session_items(batch.framework, batch.surveys, answering)
        try:
            _check_answers(submission.body, answering, {item.code for item in items})
            _check_profile(submission.body.profile, answering)
        except Invalid as error:
            batch.outcomes[index] = error
            continue
        answers = {answer.item: _answer_value(answer) for answer in submission.body.answers}
        writes[(answering.round_id, answering.viewpoint)][answering.participant_id] = answers
        accepted.append(_Accepted(index, answering, fingerprint, len(items)))
    return writes, accepted


def _replies(
    accepted: list[_Accepted], answered: dict[int, int], batch: _Batch
) -> tuple[dict[frozenset[str], list[dict[str, object]]], list[dict[str, object]]]:
    """Each accepted submission's reply (kept for replays) and the participant columns it changes, grouped
    by which columns change so each group is one statement."""
    updates: dict[frozenset[str], list[dict[str, object]]] = defaultdict(list)
    new_replies: list[dict[str, object]] = []
    for done in accepted:
        submission, participant_id = batch.submissions[done.index], done.answering.participant_id
        changes: dict[str, object] = {}
        if submission.body.profile is not None:
            changes.update(submission.body.profile.model_dump(exclude_none=True))
        submitted_at = batch.submitted[participant_id]
        if submitted_at is None and submission.body.submit:
            submitted_at = batch.submitted[participant_id] = batch.now
            changes["submitted_at"] = batch.now
        if changes:  # being seen was written when the row was locked
            updates[frozenset(changes)].append({"pid": participant_id, **changes})
        out = ResponsesOut(
            saved=len(submission.body.answers),
            answered=answered[participant_id],
            total=done.total,
            submitted=submitted_at is not None,
        )
        batch.outcomes[done.index] = out
        reply = out.model_dump_json()
        batch.replies[(participant_id, submission.key)] = (done.fingerprint, reply)
        new_replies.append(
            {
                "participant_id": participant_id,
                "key": submission.key,
                "body_hash": done.fingerprint,
                "response": reply,
                "created_at": batch.now,
            }
        )
    return updates, new_replies


# Core statements on the tables, built once: every batch of answers runs them, and building a statement costs
# more than running it; the batch's rows go as parameters, many rows to one statement.
_PARTICIPANTS, _REPLIES, _SESSIONS = table(Participant), table(IdempotentRequest), table(FocusSession)
# No values: the columns to set are the keys of the parameters it is run with.
_UPDATE_PARTICIPANT = _PARTICIPANTS.update().where(_PARTICIPANTS.c.id == bindparam("pid"))
_ANSWERING = (
    select(
        _PARTICIPANTS.c.token_hash,
        _PARTICIPANTS.c.id,
        _SESSIONS.c.id,
        _SESSIONS.c.round_id,
        _SESSIONS.c.viewpoint,
        _SESSIONS.c.arcs,
        _SESSIONS.c.children_comments,
        _SESSIONS.c.state,
    )
    .join(_SESSIONS, _SESSIONS.c.id == _PARTICIPANTS.c.session_id)
    .where(_PARTICIPANTS.c.token_hash.in_(bindparam("hashes", expanding=True)))
)
_LOCK_AND_TOUCH = (
    _PARTICIPANTS.update()
    .where(
        _PARTICIPANTS.c.id.in_(
            select(_PARTICIPANTS.c.id)
            .where(_PARTICIPANTS.c.id.in_(bindparam("ids", expanding=True)))
            .order_by(_PARTICIPANTS.c.id)
            .with_for_update()
        )
    )
    .values(last_seen_at=bindparam("seen_at"))
    .returning(_PARTICIPANTS.c.id, _PARTICIPANTS.c.submitted_at)
)
_EARLIER_REPLIES = select(
    _REPLIES.c.participant_id, _REPLIES.c.key, _REPLIES.c.body_hash, _REPLIES.c.response
)
_WANTED = (
    func.unnest(
        bindparam("pids", type_=postgresql.ARRAY(_REPLIES.c.participant_id.type)),
        bindparam("keys", type_=postgresql.ARRAY(_REPLIES.c.key.type)),
    )
    .table_valued("pid", "key")
    .render_derived(name="wanted")
)
_EARLIER_REPLIES_BY_ARRAYS = _EARLIER_REPLIES.join_from(
    _REPLIES, _WANTED, and_(_REPLIES.c.participant_id == _WANTED.c.pid, _REPLIES.c.key == _WANTED.c.key)
)


def _check_answers(body: ResponsesIn, focus: Answering, codes: set[str]) -> None:
    seen: set[str] = set()
    for index, answer in enumerate(body.answers):
        if answer.item not in codes:
            raise Invalid(f"answers[{index}].item", f"'{answer.item}' is not a statement of this session")
        if answer.item in seen:
            raise Invalid(f"answers[{index}].item", f"'{answer.item}' is answered twice in one request")
        seen.add(answer.item)
        if answer.rating is None and answer.comment:
            raise Invalid(
                f"answers[{index}].comment", "a comment goes with an answer; this one takes it back"
            )
        if answer.comment and focus.viewpoint == CHILD_VIEWPOINT and not focus.children_comments:
            raise Invalid(f"answers[{index}].comment", "this session does not take comments from children")


def _check_profile(profile: ProfileIn | None, focus: Answering) -> None:
    if profile is None:
        return
    given = profile.model_dump(exclude_none=True)
    allowed = {"age_band", "assisted"} if focus.viewpoint == CHILD_VIEWPOINT else {"sector", "role_level"}
    for field in given:
        if field not in allowed:
            who = "children" if focus.viewpoint == CHILD_VIEWPOINT else "staff"
            raise Invalid(f"profile.{field}", f"is not asked of {who}")


def _answer_value(answer: AnswerIn) -> AnswerValue | None:
    if answer.rating is None:
        return None  # the respondent took their answer back
    if isinstance(answer.rating, int):
        return AnswerValue(kind="rating", rating=answer.rating, comment=answer.comment)
    return AnswerValue(kind=answer.rating, comment=answer.comment)
