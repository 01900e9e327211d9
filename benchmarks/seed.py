"""A generated round for the benchmarks that read or publish one (P2, P3, P9): its focus sessions,
participants, answers and rollups, the same rows on SQLite and PostgreSQL.

One trust's round: 8 arcs x 5 viewpoints, 5 statements a cell (item codes ``<arc>.<viewpoint>.<n>``), focus
sessions of 10-40 participants with one viewpoint and two arcs, each participant answering one or both arcs,
ratings 1-5 around a per-cell level with some don't know and not applicable. So that publishing it runs every
check of design.md section 3a on real work, one session in 50 was typed in from paper by a member of staff
(the padding check reads their answers) and one in 200 had its room's results revealed (the ledger then holds
a reveal to check the round's figures against).

`write_answers` manages about 40,000 answers/s, several minutes for 10 million, so answers are written in bulk
(raw sqlite3, or COPY on PostgreSQL) and the rollup rows are counted in Python from the same generated
answers, as `write_answers` would move them. The builders check that shortcut (bench_scores).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from app.choices import Role, RoundStatus
from app.db.engine import write_session
from app.db.migrate import upgrade
from app.db.tables import FocusSession, Membership, Participant, Round, Trust, User
from app.services.disclosure.nestings import answers_of_sessions
from app.services.disclosure.publication import PublicationRules, publish
from app.store import disclosures
from app.store.disclosures import REVEAL, FigureRecord
from app.store.rollup_statements import CELL_COUNTERS
from app.store.rollups import ROLLUP_SHARDS
from app.store.staff_sessions import create_api_token
from framework.disclosure import Hidden, Shown
from framework.model import Framework
from framework.scoring import RATINGS

STATEMENTS_PER_CELL = 5
SESSION_SIZES = (10, 40)  # participants in one focus session, inclusive
VIEWPOINT_SHARES = {"child": 0.3, "practitioner": 0.3, "team": 0.15, "service": 0.15, "trust": 0.1}
DONT_KNOW, NOT_APPLICABLE, COMMENTED = 0.04, 0.02, 0.005
PAPER_SESSIONS = 0.02  # sessions whose answers a member of staff typed in from paper questionnaires
REVEAL_EVERY = 200  # one session in this many had its room's results revealed
BASE_TIME = datetime(2009, 3, 2, 9, 0)  # naive: stored as SQLAlchemy stores UTC timestamps
MIN_GROUP_SIZE = 5

SESSION_COLUMNS = (
    "id",
    "round_id",
    "trust_id",
    "facilitator_id",
    "viewpoint",
    "arcs",
    "title",
    "created_at",
    "state",
    "children_comments",
    "results_revealed",
)
PARTICIPANT_COLUMNS = (
    "id",
    "session_id",
    "token_hash",
    "joined_at",
    "last_seen_at",
    "submitted_at",
    "source",
    "entered_by_id",
)
ANSWER_COLUMNS = ("participant_id", "item_code", "rating", "kind", "comment", "updated_at")


@dataclass(frozen=True)
class Owner:
    """The trust, its lead (with an API token: throwaway benchmark data), a facilitator and the round."""

    trust_id: int
    round_id: int
    lead_id: int
    facilitator_id: int
    token: str


def prepare(engine: Engine, framework: Framework) -> Owner:
    """Migrate, then add the trust, its lead and a facilitator, and the round (taking answers), through the
    app's own code."""
    upgrade(engine)
    with write_session(engine) as db:
        trust = Trust(name="Benchmark Trust")
        # No usable passwords: the lead only ever calls the API with a token.
        lead = User(email="lead@benchmark.example.org", password_hash="!")
        facilitator = User(email="facilitator@benchmark.example.org", password_hash="!")
        db.add_all([trust, lead, facilitator])
        db.flush()
        assert trust.id is not None and lead.id is not None and facilitator.id is not None
        db.add(Membership(user_id=lead.id, trust_id=trust.id, role=Role.LEAD))
        db.add(Membership(user_id=facilitator.id, trust_id=trust.id, role=Role.FACILITATOR))
        db_round = Round(
            trust_id=trust.id,
            name="2009 baseline",
            framework_version=framework.version,
            status=RoundStatus.OPEN,
            created_by_id=lead.id,
        )
        db.add(db_round)
        token = create_api_token(db, user_id=lead.id)
        db.flush()
        assert db_round.id is not None
        return Owner(trust.id, db_round.id, lead.id, facilitator.id, token)


@dataclass
class Rollups:
    """The rollup rows of the generated answers, counted as `write_answers` would move them."""

    # Keyed as the rows are. The app writes each transaction to a random shard; here a participant's shard is
    # their id modulo the count, which fills every shard as real traffic does.
    scores: Counter[tuple[str, str, int, int, int]] = field(default_factory=Counter)
    statements: dict[tuple[str, str, str, int], list[int]] = field(default_factory=dict)

    def count_answer(self, participant_id: int, arc: str, viewpoint: str, code: str, counter: int) -> None:
        key = (arc, viewpoint, code, participant_id % ROLLUP_SHARDS)
        vector = self.statements.get(key)
        if vector is None:
            vector = self.statements[key] = [0] * len(CELL_COUNTERS)
        vector[counter] += 1

    def count_arc_score(
        self, participant_id: int, arc: str, viewpoint: str, total: int, ratings: int
    ) -> None:
        shard = participant_id % ROLLUP_SHARDS  # kept as (sum of ratings, number of ratings), unreduced
        self.scores[(arc, viewpoint, shard, total, ratings)] += 1

    def score_rows(self, round_id: int) -> list[tuple[Any, ...]]:
        """(round_id, arc, viewpoint, shard, score_num, score_den, participants)"""
        return [(round_id, *key, count) for key, count in sorted(self.scores.items())]

    def statement_rows(self, round_id: int) -> list[tuple[Any, ...]]:
        """(round_id, arc, viewpoint, item_code, shard, *CELL_COUNTERS)"""
        return [(round_id, *key, *vector) for key, vector in sorted(self.statements.items())]


SCORE_ROLLUP_COLUMNS = ("round_id", "arc", "viewpoint", "shard", "score_num", "score_den", "participants")
STATEMENT_ROLLUP_COLUMNS = ("round_id", "arc", "viewpoint", "item_code", "shard", *CELL_COUNTERS)


@dataclass
class Batch:
    sessions: list[tuple[Any, ...]] = field(default_factory=list)
    participants: list[tuple[Any, ...]] = field(default_factory=list)
    answers: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass(frozen=True)
class _Session:
    id: int
    viewpoint: str
    arcs: tuple[str, ...]
    stamp: datetime
    source: str
    entered_by_id: int | None


class Generator:
    """Focus sessions, participants and answers, deterministic for a seed, with their rollups counted.

    Rows are tuples in the order of SESSION_COLUMNS, PARTICIPANT_COLUMNS and ANSWER_COLUMNS; times are naive
    UTC datetimes (`stamp` turns them into SQLite's text).
    """

    def __init__(self, framework: Framework, owner: Owner, *, first_session: int, first_participant: int):
        if set(VIEWPOINT_SHARES) != set(framework.viewpoint_keys):
            raise SystemExit(f"VIEWPOINT_SHARES must name the viewpoints {framework.viewpoint_keys}")
        self.rng = random.Random(2009)
        self.owner = owner
        self.arcs = framework.arc_keys
        self.viewpoints = list(VIEWPOINT_SHARES)
        self.shares = list(VIEWPOINT_SHARES.values())
        # Each cell has its own typical rating, so the rainbow and the cells differ as real ones do.
        self.levels = {
            (arc, viewpoint): self.rng.uniform(1.8, 4.4) for arc in self.arcs for viewpoint in self.viewpoints
        }
        numbers = range(1, STATEMENTS_PER_CELL + 1)
        self.codes = {(a, v): tuple(f"{a}.{v}.{n}" for n in numbers) for a, v in self.levels}
        self.next_session = first_session
        self.next_participant = first_participant
        self.session: _Session | None = None
        self.left_in_session = 0
        self.rollups = Rollups()
        self.sessions = self.participants = self.entered = 0
        self.revealed: list[int] = []

    def batch(self, participants: int, answer_budget: int) -> Batch:
        batch = Batch()
        for _ in range(participants):
            if len(batch.answers) >= answer_budget:
                break
            self._participant(batch, answer_budget - len(batch.answers))
        return batch

    def _new_session(self, batch: Batch) -> None:
        rng = self.rng
        session_id = self.next_session
        self.next_session += 1
        self.sessions += 1
        viewpoint = rng.choices(self.viewpoints, self.shares)[0]
        first = rng.randrange(len(self.arcs))
        second = (first + rng.randrange(1, len(self.arcs))) % len(self.arcs)
        chosen = (self.arcs[first], self.arcs[second])
        arcs = tuple(arc for arc in self.arcs if arc in chosen)  # in framework order, as sessions keep them
        stamp = BASE_TIME + timedelta(minutes=10 * session_id)
        paper = rng.random() < PAPER_SESSIONS
        revealed = not paper and self.sessions % REVEAL_EVERY == 1
        if revealed:
            self.revealed.append(session_id)
        owner = self.owner
        batch.sessions.append(
            (
                session_id,
                owner.round_id,
                owner.trust_id,
                owner.facilitator_id,
                viewpoint,
                ",".join(arcs),
                f"Benchmark focus group {session_id}",
                stamp,
                "closed",
                False,
                revealed,
            )
        )
        self.session = _Session(
            session_id,
            viewpoint,
            arcs,
            stamp,
            "paper" if paper else "device",
            owner.facilitator_id if paper else None,
        )
        self.left_in_session = rng.randint(*SESSION_SIZES)

    def _participant(self, batch: Batch, budget: int) -> None:
        if self.left_in_session == 0:
            self._new_session(batch)
        session = self.session
        assert session is not None
        self.left_in_session -= 1
        rng = self.rng
        participant_id = self.next_participant
        self.next_participant += 1
        self.participants += 1
        self.entered += session.entered_by_id is not None
        stamp = session.stamp
        batch.participants.append(
            (
                participant_id,
                session.id,
                f"{rng.getrandbits(256):064x}",
                stamp,
                stamp,
                stamp,
                session.source,
                session.entered_by_id,
            )
        )
        which = rng.random()
        arcs = session.arcs if which >= 0.5 else session.arcs[:1] if which < 0.25 else session.arcs[1:]
        for arc in arcs:
            budget -= self._answer_arc(batch, participant_id, arc, session.viewpoint, stamp, budget)
            if budget <= 0:
                return

    def _answer_arc(
        self, batch: Batch, participant_id: int, arc: str, viewpoint: str, stamp: datetime, budget: int
    ) -> int:
        rng, rollups = self.rng, self.rollups
        level = self.levels[(arc, viewpoint)] + rng.gauss(0, 0.6)  # this participant's view of the arc
        total = ratings = written = 0
        for code in self.codes[(arc, viewpoint)][:budget]:
            roll = rng.random()
            if roll < DONT_KNOW:
                batch.answers.append((participant_id, code, None, "dk", None, stamp))
                rollups.count_answer(participant_id, arc, viewpoint, code, 5)
            elif roll < DONT_KNOW + NOT_APPLICABLE:
                batch.answers.append((participant_id, code, None, "na", None, stamp))
                rollups.count_answer(participant_id, arc, viewpoint, code, 6)
            else:
                rating = min(5, max(1, round(level + rng.gauss(0, 0.7))))
                comment = "Benchmark comment." if rng.random() < COMMENTED else None
                batch.answers.append((participant_id, code, rating, "rating", comment, stamp))
                rollups.count_answer(participant_id, arc, viewpoint, code, rating - 1)
                total += rating
                ratings += 1
            written += 1
        if ratings:
            rollups.count_arc_score(participant_id, arc, viewpoint, total, ratings)
        return written


def stamp(moment: datetime) -> str:
    """A naive UTC datetime as SQLAlchemy stores it on SQLite."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def record_reveals(engine: Engine, owner: Owner, session_ids: Iterable[int]) -> int:
    """A room's reveal of each of these (closed) sessions, recorded in the ledger as the room records one:
    each statement's counts and who answered what, shown when at least k answered. Returns the reveals."""
    session_ids = list(session_ids)
    if not session_ids:
        return 0
    with write_session(engine) as db:
        answers = answers_of_sessions(db, session_ids)
        sessions = db.execute(
            select(col(FocusSession.id), col(FocusSession.viewpoint)).where(
                col(FocusSession.id).in_(session_ids)
            )
        ).all()
        per_session: dict[int, dict[str, dict[int, str]]] = defaultdict(lambda: defaultdict(dict))
        participants = _participant_sessions(db, session_ids)
        for (pid, item), category in answers.items():
            per_session[participants[pid]][item][pid] = category
        for session_id, viewpoint in sessions:
            figures = [
                _reveal_figure(viewpoint, item, contributions)
                for item, contributions in sorted(per_session[session_id].items())
            ]
            disclosures.record(
                db,
                round_id=owner.round_id,
                session_id=session_id,
                kind=REVEAL,
                actor=None,
                figures=figures,
                at=(BASE_TIME + timedelta(minutes=10 * session_id + 5)).replace(tzinfo=UTC),
            )
    return len(session_ids)


def _participant_sessions(db: Session, session_ids: list[int]) -> dict[int, int]:
    rows = db.execute(
        select(col(Participant.id), col(Participant.session_id)).where(
            col(Participant.session_id).in_(session_ids)
        )
    )
    return {pid: session_id for pid, session_id in rows}


def _reveal_figure(viewpoint: str, item: str, contributions: dict[int, str]) -> FigureRecord:
    counts = Counter(contributions.values())
    raters = sum(counts[str(rating)] for rating in RATINGS)
    hidden = FigureRecord(
        scope="statement",
        arc=item.split(".", 1)[0],
        viewpoint=viewpoint,
        item=item,
        raters=raters,
        outcome=str(Hidden.TOO_FEW),
    )
    if raters < MIN_GROUP_SIZE:
        return hidden
    vector = (*(counts[str(rating)] for rating in RATINGS), counts["dk"], counts["na"])
    return FigureRecord(
        scope="statement",
        arc=hidden.arc,
        viewpoint=viewpoint,
        item=item,
        raters=raters,
        outcome=str(Shown.NEW),
        counts=vector,
        contributions=contributions,
    )


def publish_round(engine: Engine, owner: Owner, *, max_per_day: int = 3, now: datetime | None = None) -> None:
    """Publish the round through the app's publishing service (`actor` None: as the command line does)."""
    with write_session(engine) as db:
        db_round = db.get(Round, owner.round_id)
        assert db_round is not None
        publish(
            db, actor=None, db_round=db_round, rules=PublicationRules(MIN_GROUP_SIZE, max_per_day), now=now
        )
