"""The demo: a fictional Children's Trust with staff, an action plan, three rounds (a 2009 baseline, a 2010
re-assessment and a 2011 follow-up) and their answers.

``rainbow demo`` loads it so a new installation has something to look at. Everything is made up: the trust
(Riverside Children's Trust), its places, its people and every answer. The answers come from a seeded random
generator, so every load is the same, and follow patterns a reader can find in the reports: children and the
trust's leaders see some arcs differently; orange (common values and language) and green (integrated
working) improve clearly from 2009 to 2010 and a little more by 2011; violet (recruitment and retention)
slips in 2010 and starts to recover; the others stay about where they were. Each group's agreed rating comes
with evidence that fits it, and the action plan has a few actions for each arc that started lowest. One
children's group is smaller than five, so small-group suppression shows.

Everything is written in the caller's one transaction, with bulk inserts; nothing is written when the demo
trust, or any of its accounts, already exists.
"""

from __future__ import annotations

import random
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypedDict

from sqlalchemy import func, insert, select
from sqlmodel import Session, col

from app.choices import ROLE_LEVELS, SECTORS, AgeBand, Role, RoleLevel, Sector, SessionState
from app.db.tables import Consensus, FocusSession, Membership, Participant, Round, Trust, User
from app.errors import Conflict
from app.identity import Staff, secret_hash
from app.passwords import hash_password
from app.services.demo_evidence import evidence_for
from app.services.demo_plan import add_action_plan
from app.services.demo_story import (
    ARC_VIEWPOINT_LEAN,
    BASELINE,
    CHILD_GROUPS,
    DEMO_ACCOUNTS,
    DONT_KNOW,
    GROUP_SIZE,
    LOCALITIES,
    NOT_APPLICABLE,
    ROLE_WEIGHTS,
    ROUNDS,
    SECTOR_WEIGHTS,
    SESSION_ARCS,
    SKIPPED,
    SMALL_CHILD_GROUP,
    STAFF_COMMENT,
    STAFF_COMMENTS,
    STAFF_GROUPS,
    VIEWPOINT_LEAN,
    DemoAccount,
    arc_shift,
)
from app.services.disclosure.publication import PublicationRules, publish
from app.store import audit
from app.store.rollups import AnswerValue, write_answers
from framework.model import Framework
from framework.scoring import Kind
from surveys import CHILD_VIEWPOINT, SurveyBook

DEMO_TRUST_NAME = "Riverside Children's Trust"
SEED = 16  # of the first sixteen seeds, the one whose arc scores follow the patterns above most closely
SMALL_GROUP_SIZE = 3  # below the reports' minimum group size (5), so this group's cells are suppressed


@dataclass(frozen=True)
class DemoSummary:
    trust_id: int
    rounds: int
    sessions: int
    participants: int
    answers: int
    consensus: int
    accounts: tuple[DemoAccount, ...] = DEMO_ACCOUNTS


def any_trust_exists(db: Session) -> bool:
    return db.scalar(select(func.count()).select_from(Trust)) != 0


def load_demo(
    db: Session, *, framework: Framework, surveys: SurveyBook, seed: int = SEED, min_group_size: int = 5
) -> DemoSummary:
    """Create the demo trust, its accounts, its two rounds and their closed focus groups with answers, each
    round published by the trust lead under the rules of disclosure for `min_group_size`.

    :raises Conflict: when the demo trust or one of its accounts already exists (then nothing is written).
    """
    _refuse_if_there(db)
    rng = random.Random(seed)
    trust = Trust(name=DEMO_TRUST_NAME, created_at=datetime(2009, 3, 2, 9, 0, tzinfo=UTC))
    db.add(trust)
    db.flush()
    assert trust.id is not None
    users = _accounts(db, trust_id=trust.id)
    lead, facilitators = (
        users["lead@riverside.example.org"],
        [users[account.email] for account in DEMO_ACCOUNTS if account.role == Role.FACILITATOR],
    )
    item_lean = {
        item.code: rng.gauss(0, 0.25)
        for arc in framework.arc_keys
        for viewpoint in framework.viewpoint_keys
        for item in surveys.items(arc, viewpoint)
    }
    totals: Counter[str] = Counter()
    # The demo lead publishes each round as its focus groups closed, so the trust's figures can be seen.
    lead_staff = Staff(
        user_id=lead, email="lead@riverside.example.org", is_admin=False, roles={trust.id: Role.LEAD}
    )
    for index, spec in enumerate(ROUNDS):
        db_round = Round(
            trust_id=trust.id,
            name=spec.name,
            period_start=spec.period_start,
            period_end=spec.period_end,
            framework_version=framework.version,
            created_by_id=lead,
            created_at=datetime.combine(spec.period_start, datetime.min.time(), UTC) + timedelta(hours=10),
        )
        db.add(db_round)
        db.flush()
        plan = _RoundPlan(db_round, index, framework, surveys, facilitators, item_lean)
        totals.update(_round_sessions(db, rng=rng, plan=plan))
        publish(db, actor=lead_staff, db_round=db_round, rules=PublicationRules(min_group_size, len(ROUNDS)))
    add_action_plan(db, trust_id=trust.id)
    detail = f"command line: {len(DEMO_ACCOUNTS)} accounts, {len(ROUNDS)} rounds"
    audit.record(db, action="demo.create", trust_id=trust.id, target=f"trust {trust.id}", detail=detail)
    return DemoSummary(
        trust_id=trust.id,
        rounds=len(ROUNDS),
        sessions=totals["sessions"],
        participants=totals["participants"],
        answers=totals["answers"],
        consensus=totals["consensus"],
    )


def _refuse_if_there(db: Session) -> None:
    if db.scalar(select(col(Trust.id)).where(col(Trust.name) == DEMO_TRUST_NAME)) is not None:
        raise Conflict(f"The demo trust, {DEMO_TRUST_NAME}, already exists; nothing was changed.")
    emails = [account.email for account in DEMO_ACCOUNTS]
    taken = db.scalars(select(col(User.email)).where(col(User.email).in_(emails))).all()
    if taken:
        raise Conflict(f"There is already an account for {taken[0]}; the demo needs its own accounts.")


def _accounts(db: Session, *, trust_id: int) -> dict[str, int]:
    users = [
        User(
            email=account.email,
            password_hash=hash_password(account.password),
            is_admin=account.role is None,
            created_at=datetime(2009, 3, 2, 9, 5, tzinfo=UTC),
        )
        for account in DEMO_ACCOUNTS
    ]
    db.add_all(users)
    db.flush()
    ids = {user.email: user.id for user in users if user.id is not None}
    db.add_all(
        Membership(user_id=ids[account.email], trust_id=trust_id, role=account.role)
        for account in DEMO_ACCOUNTS
        if account.role is not None
    )
    db.flush()
    return ids


@dataclass
class _Planned:
    focus: FocusSession
    size: int
    age_bands: tuple[AgeBand, ...] = ()


@dataclass(frozen=True)
class _RoundPlan:
    """What the sessions of one round are made from."""

    db_round: Round
    round_index: int
    framework: Framework
    surveys: SurveyBook
    facilitators: list[int]
    item_lean: dict[str, float]


def _round_sessions(db: Session, *, rng: random.Random, plan: _RoundPlan) -> dict[str, int]:
    """The round's closed focus groups, their participants, answers and agreed ratings."""
    planned = _plan_sessions(rng, plan)
    db.add_all(session.focus for session in planned)
    db.flush()
    participants = _participants(rng, planned)
    db.add_all(person for _, person in participants)
    db.flush()
    answers, ratings, answer_count = _answers(rng, plan, planned, participants)
    assert plan.db_round.id is not None
    for viewpoint, changes in answers.items():
        write_answers(
            db, round_id=plan.db_round.id, viewpoint=viewpoint, changes=changes, new_participants=True
        )
    notes = _consensus(planned, ratings, plan.round_index, plan.surveys)
    if notes:
        db.execute(insert(Consensus), notes)
    return {
        "sessions": len(planned),
        "participants": len(participants),
        "answers": answer_count,
        "consensus": len(notes),
    }


def _plan_sessions(rng: random.Random, plan: _RoundPlan) -> list[_Planned]:
    db_round = plan.db_round
    assert db_round.id is not None and db_round.period_start is not None
    planned: list[_Planned] = []
    for viewpoint in plan.framework.viewpoint_keys:
        for number, arcs in enumerate(SESSION_ARCS[viewpoint]):
            # In the re-assessment the last children's group was a small one: its scores are suppressed.
            small = (
                viewpoint == CHILD_VIEWPOINT
                and plan.round_index == 1
                and number == len(SESSION_ARCS[viewpoint]) - 1
            )
            title, place, bands = _describe(viewpoint, number, small)
            day = db_round.period_start + timedelta(days=rng.randrange(20, 330))
            hour = 16 if viewpoint == CHILD_VIEWPOINT else rng.choice((10, 14))
            starts_at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=hour)
            focus = FocusSession(
                round_id=db_round.id,
                trust_id=db_round.trust_id,
                facilitator_id=plan.facilitators[len(planned) % len(plan.facilitators)],
                viewpoint=viewpoint,
                arcs=",".join(arc for arc in plan.framework.arc_keys if arc in arcs),
                title=title,
                place=place,
                starts_at=starts_at,
                state=SessionState.CLOSED,
                join_code=None,
                created_at=starts_at - timedelta(days=rng.randrange(7, 21)),
            )
            size = SMALL_GROUP_SIZE if small else rng.randint(*GROUP_SIZE[viewpoint])
            planned.append(_Planned(focus=focus, size=size, age_bands=bands))
    return planned


def _participants(rng: random.Random, planned: list[_Planned]) -> list[tuple[_Planned, Participant]]:
    participants: list[tuple[_Planned, Participant]] = []
    for plan in planned:
        assert plan.focus.starts_at is not None and plan.focus.id is not None
        for _ in range(plan.size):
            joined = plan.focus.starts_at + timedelta(minutes=rng.randrange(0, 10), seconds=rng.randrange(60))
            submitted = joined + timedelta(minutes=rng.randrange(6, 25), seconds=rng.randrange(60))
            person = Participant(
                session_id=plan.focus.id,
                token_hash=secret_hash(secrets.token_urlsafe(32)),
                joined_at=joined,
                last_seen_at=submitted,
                submitted_at=submitted,
                **_profile(rng, plan),
            )
            participants.append((plan, person))
    return participants


#: viewpoint -> participant id -> statement code -> answer
_Answers = dict[str, dict[int, dict[str, AnswerValue | None]]]


def _answers(
    rng: random.Random,
    plan: _RoundPlan,
    planned: list[_Planned],
    participants: list[tuple[_Planned, Participant]],
) -> tuple[_Answers, dict[tuple[int, str], list[int]], int]:
    """Everyone's answers, each session's ratings per statement (for the agreed ratings), and the count."""
    answers: _Answers = defaultdict(dict)
    ratings: dict[tuple[int, str], list[int]] = defaultdict(list)
    answer_count = 0
    session_lean = {id(session): rng.gauss(0, 0.1) for session in planned}
    for session, person in participants:
        viewpoint = session.focus.viewpoint
        person_lean = rng.gauss(0, 0.35)
        assert person.submitted_at is not None and session.focus.id is not None and person.id is not None
        given = answers[viewpoint].setdefault(person.id, {})
        for arc in session.focus.arc_keys:
            centre = (
                BASELINE[arc]
                + arc_shift(arc, plan.round_index)
                + ARC_VIEWPOINT_LEAN.get((arc, viewpoint), VIEWPOINT_LEAN[viewpoint])
                + session_lean[id(session)]
                + person_lean
            )
            for item in plan.surveys.items(arc, viewpoint):
                answer = _answer(rng, viewpoint, arc, centre + plan.item_lean[item.code], person.submitted_at)
                if answer is None:
                    continue
                if answer.rating is not None:
                    ratings[(session.focus.id, item.code)].append(answer.rating)
                given[item.code] = answer
                answer_count += 1
    return answers, ratings, answer_count


def _answer(rng: random.Random, viewpoint: str, arc: str, centre: float, at: datetime) -> AnswerValue | None:
    """One person's answer to one statement around `centre`; None for a statement left unanswered."""
    draw = rng.random()
    if draw < SKIPPED:
        return None
    rating: int | None = None
    kind: Kind
    if draw < SKIPPED + DONT_KNOW[viewpoint]:
        kind = "dk"
    elif draw < SKIPPED + DONT_KNOW[viewpoint] + NOT_APPLICABLE:
        # Children are never offered "not applicable": a child here did not know.
        kind = "na" if viewpoint != CHILD_VIEWPOINT else "dk"
    else:
        kind = "rating"
        rating = min(5, max(1, round(centre + rng.gauss(0, 0.6))))
    comment = None
    if viewpoint != CHILD_VIEWPOINT and rng.random() < STAFF_COMMENT:
        comment = rng.choice(STAFF_COMMENTS[arc])
    return AnswerValue(kind=kind, rating=rating, comment=comment, at=at)


def _describe(viewpoint: str, number: int, small: bool) -> tuple[str, str, tuple[AgeBand, ...]]:
    """A session's title, place and (for children) the age bands of those who come."""
    if viewpoint == CHILD_VIEWPOINT:
        title, place, bands = SMALL_CHILD_GROUP if small else CHILD_GROUPS[number % len(CHILD_GROUPS)]
        return title, place, bands
    title, place = STAFF_GROUPS[viewpoint]
    locality = LOCALITIES[number % len(LOCALITIES)]
    return title.format(place=locality, part=number + 1), place.format(place=locality), ()


class _Profile(TypedDict, total=False):
    """The profile columns of a participant, as far as they gave them."""

    sector: Sector
    role_level: RoleLevel
    age_band: AgeBand
    assisted: bool


def _profile(rng: random.Random, plan: _Planned) -> _Profile:
    """An optional, anonymous profile: most people give one, a few skip it."""
    if rng.random() < 0.1:
        return {}
    if plan.focus.viewpoint == CHILD_VIEWPOINT:
        band = rng.choice(plan.age_bands)
        young = band in ("under 8", "8-10")
        return {"age_band": band, "assisted": rng.random() < (0.4 if young else 0.1)}
    weights = ROLE_WEIGHTS[plan.focus.viewpoint]
    return {
        "sector": rng.choices(SECTORS, weights=SECTOR_WEIGHTS)[0],
        "role_level": rng.choices(ROLE_LEVELS, weights=weights)[0],
    }


def _consensus(
    planned: list[_Planned],
    ratings: dict[tuple[int, str], list[int]],
    round_index: int,
    surveys: SurveyBook,
) -> list[dict[str, object]]:
    """Agreed ratings with evidence: one statement per arc, in two sessions out of three (not small ones)."""
    rng = random.Random(f"consensus {round_index}")  # its own generator: the answers do not depend on it
    notes: list[dict[str, object]] = []
    for number, plan in enumerate(planned):
        focus = plan.focus
        if number % 3 == 2 or plan.size < 5:
            continue
        assert focus.id is not None and focus.starts_at is not None
        for arc in focus.arc_keys:
            item = rng.choice(surveys.items(arc, focus.viewpoint))
            given = ratings.get((focus.id, item.code))
            agreed = min(5, max(1, round(sum(given) / len(given)))) if given else 3
            text = evidence_for(arc, focus.viewpoint, agreed, number)
            notes.append(
                {
                    "session_id": focus.id,
                    "item_code": item.code,
                    "rating": agreed,
                    "notes": text,
                    "updated_by_id": focus.facilitator_id,
                    "updated_at": focus.starts_at + timedelta(minutes=50),
                }
            )
    return notes
