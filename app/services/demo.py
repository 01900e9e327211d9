"""The demo: a fictional Children's Trust with staff, a 2009 baseline, a 2010 re-assessment and their answers.

``rainbow demo`` loads it so a new installation has something to look at. Everything is made up: the trust
(Riverside Children's Trust), its places, its people and every answer. The answers come from a seeded random
generator, so every load is the same, and follow patterns a reader can find in the reports: children and the
trust's leaders see some arcs differently; orange (common values and language) and green (integrated
working) improve clearly from 2009 to 2010; violet (recruitment and retention) slips a little; the others
stay about where they were. One children's group is smaller than five, so small-group suppression shows.

Everything is written in the caller's one transaction, with bulk inserts; nothing is written when the demo
trust, or any of its accounts, already exists.
"""

from __future__ import annotations

import random
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, insert, select
from sqlmodel import Session

from app.choices import AGE_BANDS, ROLE_LEVELS, SECTORS, Role, SessionState
from app.db.tables import Consensus, FocusSession, Membership, Participant, Round, Trust, User
from app.errors import Conflict
from app.identity import secret_hash
from app.passwords import hash_password
from app.store import audit
from app.store.rollups import AnswerValue, write_answers
from framework.model import Framework
from surveys import CHILD_VIEWPOINT, SurveyBook

DEMO_TRUST_NAME = "Riverside Children's Trust"
LOGIN_URL = "http://127.0.0.1:8000/login"
SEED = 16  # of the first sixteen seeds, the one whose arc scores follow the patterns above most closely
SMALL_GROUP_SIZE = 3  # below the reports' minimum group size (5), so this group's cells are suppressed


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    role: Role | None  # None: a site administrator, in no trust
    name: str  # what the account is for, as printed


DEMO_ACCOUNTS = (
    DemoAccount("admin@riverside.example.org", "rainbow-demo-admin", None, "site administrator"),
    DemoAccount("lead@riverside.example.org", "rainbow-demo-lead", Role.LEAD, "trust lead"),
    DemoAccount(
        "facilitator1@riverside.example.org", "rainbow-demo-facilitator1", Role.FACILITATOR, "facilitator"
    ),
    DemoAccount(
        "facilitator2@riverside.example.org", "rainbow-demo-facilitator2", Role.FACILITATOR, "facilitator"
    ),
    DemoAccount("viewer@riverside.example.org", "rainbow-demo-viewer", Role.VIEWER, "viewer"),
)


@dataclass(frozen=True)
class DemoRound:
    name: str
    period_start: date
    period_end: date


ROUNDS = (
    DemoRound("2009 baseline", date(2009, 4, 1), date(2010, 3, 31)),
    DemoRound("2010 re-assessment", date(2010, 4, 1), date(2011, 3, 31)),
)

# --- the patterns in the answers ---------------------------------------------------------------------------

# Where each arc starts in 2009 (on the 1-5 journey scale), and how far it moves by 2010.
BASELINE = {
    "red": 3.0,
    "orange": 2.3,
    "yellow": 2.8,
    "green": 2.2,
    "blue": 2.9,
    "indigo": 2.6,
    "violet": 2.7,
    "pink": 2.1,
}
CHANGE_BY_2010 = {
    "red": 0.05,
    "orange": 0.8,
    "yellow": 0.1,
    "green": 0.85,
    "blue": 0.2,
    "indigo": 0.0,
    "violet": -0.3,
    "pink": 0.3,
}
# Leaders tend to see things a little rosier than the front line ...
VIEWPOINT_LEAN = {"child": 0.0, "practitioner": 0.0, "team": 0.1, "service": 0.2, "trust": 0.35}
# ... and on some arcs children and the trust see things quite differently.
ARC_VIEWPOINT_LEAN = {
    ("orange", "child"): -0.6,  # children still meet jargon the partnership thinks it has dropped
    ("orange", "trust"): 0.4,
    ("pink", "child"): -0.7,  # few children feel they have shaped the workforce
    ("pink", "trust"): 0.6,
    ("red", "child"): 0.5,  # children mostly feel safe, while the trust worries about capacity
    ("red", "trust"): -0.5,
    ("green", "child"): -0.3,
}
DONT_KNOW = {"child": 0.07, "practitioner": 0.05, "team": 0.04, "service": 0.04, "trust": 0.03}
NOT_APPLICABLE = 0.02
SKIPPED = 0.02  # a statement left without any answer
STAFF_COMMENT = 0.04

# Which arcs each viewpoint's sessions take together: every arc once per viewpoint and round.
SESSION_ARCS = {
    "child": (("orange", "pink"), ("red", "yellow"), ("green", "blue"), ("indigo", "violet")),
    "practitioner": (("orange", "green"), ("red", "yellow", "blue"), ("indigo", "violet", "pink")),
    "team": (("orange", "yellow", "green"), ("red", "blue"), ("indigo", "violet", "pink")),
    "service": (("red", "orange", "green"), ("yellow", "blue", "indigo"), ("violet", "pink")),
    "trust": (("red", "orange", "yellow"), ("green", "blue", "indigo"), ("violet", "pink")),
}
# How many come to a viewpoint's focus group: (fewest, most).
GROUP_SIZE = {
    "child": (6, 14),
    "practitioner": (8, 25),
    "team": (6, 15),
    "service": (5, 12),
    "trust": (5, 10),
}

# --- who and where --------------------------------------------------------------------------------------

LOCALITIES = ("Millbrook", "Eastbank", "Old Town", "Northfield")
CHILD_GROUPS = (
    ("School council, Willow Lane Primary", "Willow Lane Primary School", ("8-10",)),
    ("Youth forum", "Riverside Youth Centre", ("11-13", "14-16", "17-19")),
    ("After-school club, Millbrook", "Millbrook Children's Centre", ("under 8", "8-10")),
    ("Young people's panel", "Eastbank Library, meeting room", ("14-16", "17-19")),
)
SMALL_CHILD_GROUP = ("Children in care council", "Riverside Youth Centre", ("11-13", "14-16"))
STAFF_GROUPS = {
    "practitioner": ("Frontline practitioners, {place} locality", "{place} Children's Centre"),
    "team": ("Team managers' workshop, {place}", "{place} locality office"),
    "service": ("Heads of service, {place} partnership", "Riverside Civic Centre, room 2"),
    "trust": ("Children's Trust Board workshop {part} of 3", "Riverside Civic Centre, council chamber"),
}
# Who comes, by viewpoint: sectors (with weights) and role levels (with weights).
SECTOR_WEIGHTS = (
    3,
    3,
    3,
    2,
    1,
    1,
    2,
    2,
)  # education, health, social care, youth, justice, sport, early years, voluntary
ROLE_WEIGHTS = {
    "practitioner": (8, 1, 0),
    "team": (4, 5, 1),
    "service": (0, 3, 4),
    "trust": (0, 1, 5),
}

# --- words: comments and the evidence behind agreed ratings, in our own words --------------------------

STAFF_COMMENTS = {
    "red": (
        "Caseloads went up again after the summer and it shows.",
        "We know who to ring when we are worried about a child.",
        "Cover for sickness is the weak point.",
    ),
    "orange": (
        "Half the acronyms in our meetings mean nothing to the school nurses.",
        "The shared glossary has helped more than I expected.",
        "We say the same things about children now, even if our forms differ.",
    ),
    "yellow": (
        "Targets still count activity more than what changes for the child.",
        "We have started asking families what difference we made.",
        "Good practice depends on which manager you have.",
    ),
    "green": (
        "I have started two CAFs this year; both got a team around the child quickly.",
        "Health colleagues rarely come to team around the child meetings.",
        "Information sharing is easier since the protocol was agreed.",
    ),
    "blue": (
        "The multi-agency induction day was the best training I have had.",
        "Training is there but releasing staff to go is hard.",
        "Common core training has reached schools less than other services.",
    ),
    "indigo": (
        "Supervision happens, but it is mostly about cases rather than my development.",
        "Senior managers are more visible at locality meetings than before.",
        "Managers from different services rarely plan together.",
    ),
    "violet": (
        "Two posts in our team have been vacant since the spring.",
        "Nobody has asked us about workforce data for a long time.",
        "Agency staff fill gaps but leave before they know the families.",
    ),
    "pink": (
        "Young people sat on the interview panel for our new manager.",
        "We ask children for feedback but rarely tell them what we changed.",
        "Parents have never been involved in our training.",
    ),
}
# (2009 notes, 2010 notes) for staff groups, and (2009 note, 2010 note) for children's groups.
STAFF_EVIDENCE = {
    "red": (
        (
            "The group agreed that safeguarding referrals are handled well, but cover for absences is thin.",
            "Several people described waiting lists that grew while posts stood empty.",
        ),
        (
            "Referral routes are clear and well used; the group still worried about cover during holidays.",
            "The group gave examples of quick joint visits, but said caseloads remain high.",
        ),
    ),
    "orange": (
        (
            "Practitioners said each service has its own terms for the same thing, which confuses parents.",
            "The group could not name values that all partners had signed up to.",
        ),
        (
            "The shared glossary is used in locality meetings and the group felt jargon had dropped a lot.",
            "People quoted the shared values and gave two examples of using them with families.",
        ),
    ),
    "yellow": (
        (
            "The group said reports mostly count contacts made rather than changes for children.",
            "Some teams review outcomes with families; most do not yet.",
        ),
        (
            "A few more teams review outcomes with families, but the picture is much as it was last year.",
            "The group agreed outcome measures exist on paper but are patchy in practice.",
        ),
    ),
    "green": (
        (
            "Practitioners described using the CAF form with schools but not yet with health visitors.",
            "The group knew of team around the child meetings in only one locality.",
        ),
        (
            "Health visitors now start CAFs too; the group gave three examples of a lead professional named "
            "within a fortnight.",
            "Team around the child meetings are routine in every locality; information sharing still stalls "
            "at times.",
        ),
    ),
    "blue": (
        (
            "Most of the group had done the common core training; few had trained alongside other services.",
            "Induction differs between services and rarely mentions partners' roles.",
        ),
        (
            "The multi-agency induction day has started and people valued it, though places are limited.",
            "The group said releasing staff for training is still the main obstacle.",
        ),
    ),
    "indigo": (
        (
            "Supervision is regular in social care but patchy elsewhere, the group said.",
            "People felt senior leaders set direction but are rarely seen at the front line.",
        ),
        (
            "Little has changed: supervision remains strong in social care and uneven in other services.",
            "The group noted more joint management meetings, but no change yet in day-to-day support.",
        ),
    ),
    "violet": (
        (
            "The group knew of a workforce survey but had not seen its results used.",
            "Recruitment is handled service by service, with no shared picture of vacancies.",
        ),
        (
            "Vacancies have grown in two services and the group felt retention had slipped since last year.",
            "Agency staff cover more posts than a year ago, which the group saw as a step back.",
        ),
    ),
    "pink": (
        (
            "Only the youth service has involved young people in interviews, the group said.",
            "Feedback from children is collected but the group could not say what it had changed.",
        ),
        (
            "Young people now sit on interview panels in two services, and the group wants this to spread.",
            "Children helped design one training session this year; parents have not yet been involved.",
        ),
    ),
}
CHILD_EVIDENCE = {
    "red": (
        "Most children said they know an adult to tell if they feel unsafe.",
        "Children said they feel safe and know who to talk to; a few said helpers change too often.",
    ),
    "orange": (
        "Children said meetings about them use words they do not understand.",
        "Children said adults explain things more clearly, though some letters are still hard to follow.",
    ),
    "yellow": (
        "Children said adults ask how they are doing but not often what they want to change.",
        "Children gave examples of adults helping them reach a goal they had set themselves.",
    ),
    "green": (
        "Children said they have to tell their story again to each new person.",
        "Several children said one main grown-up now sorts out their help, so they repeat themselves less.",
    ),
    "blue": (
        "Children said most adults who help them seem to know what they are doing.",
        "Children said new helpers seem well prepared, but some do not know about other services.",
    ),
    "indigo": (
        "Children said they do not know who is in charge of the people who help them.",
        "Children still did not know who to go to if their helper could not sort something out.",
    ),
    "violet": (
        "Children said their helpers change often and they have to get to know someone new.",
        "Children said helpers had changed more often this year, which they did not like.",
    ),
    "pink": (
        "No child in the group had been asked to help choose or train a helper.",
        "Two children in the group had been on an interview panel and said they felt listened to.",
    ),
}


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


def load_demo(db: Session, *, framework: Framework, surveys: SurveyBook, seed: int = SEED) -> DemoSummary:
    """Create the demo trust, its accounts, its two rounds and their closed focus groups with answers.

    :raises Conflict: when the demo trust or one of its accounts already exists (then nothing is written).
    """
    if db.scalar(select(Trust.id).where(Trust.name == DEMO_TRUST_NAME)) is not None:
        raise Conflict(f"The demo trust, {DEMO_TRUST_NAME}, already exists; nothing was changed.")
    emails = [account.email for account in DEMO_ACCOUNTS]
    taken = db.scalars(select(User.email).where(User.email.in_(emails))).all()  # type: ignore[attr-defined]
    if taken:
        raise Conflict(f"There is already an account for {taken[0]}; the demo needs its own accounts.")
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
    totals = {"sessions": 0, "participants": 0, "answers": 0, "consensus": 0}
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
        counts = _round_sessions(
            db,
            rng=rng,
            db_round=db_round,
            round_index=index,
            framework=framework,
            surveys=surveys,
            facilitators=facilitators,
            item_lean=item_lean,
        )
        for key, value in counts.items():
            totals[key] += value
    audit.record(
        db,
        action="demo.create",
        trust_id=trust.id,
        target=f"trust {trust.id}",
        detail=f"command line: {len(DEMO_ACCOUNTS)} accounts, {len(ROUNDS)} rounds",
    )
    return DemoSummary(trust_id=trust.id, rounds=len(ROUNDS), **totals)


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
    age_bands: tuple[str, ...] = ()


def _round_sessions(
    db: Session,
    *,
    rng: random.Random,
    db_round: Round,
    round_index: int,
    framework: Framework,
    surveys: SurveyBook,
    facilitators: list[int],
    item_lean: dict[str, float],
) -> dict[str, int]:
    assert db_round.id is not None and db_round.period_start is not None
    planned: list[_Planned] = []
    for viewpoint in framework.viewpoint_keys:
        for number, arcs in enumerate(SESSION_ARCS[viewpoint]):
            # In the re-assessment the last children's group was a small one: its scores are suppressed.
            small = (
                viewpoint == CHILD_VIEWPOINT
                and round_index == 1
                and number == len(SESSION_ARCS[viewpoint]) - 1
            )
            title, place, bands = _describe(viewpoint, number, small)
            day = db_round.period_start + timedelta(days=rng.randrange(20, 330))
            hour = 16 if viewpoint == CHILD_VIEWPOINT else rng.choice((10, 14))
            starts_at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=hour)
            focus = FocusSession(
                round_id=db_round.id,
                trust_id=db_round.trust_id,
                facilitator_id=facilitators[len(planned) % len(facilitators)],
                viewpoint=viewpoint,
                arcs=",".join(arc for arc in framework.arc_keys if arc in arcs),
                title=title,
                place=place,
                starts_at=starts_at,
                state=SessionState.CLOSED,
                join_code=None,
                created_at=starts_at - timedelta(days=rng.randrange(7, 21)),
            )
            size = SMALL_GROUP_SIZE if small else rng.randint(*GROUP_SIZE[viewpoint])
            planned.append(_Planned(focus=focus, size=size, age_bands=bands))
    db.add_all(plan.focus for plan in planned)
    db.flush()

    participants: list[tuple[_Planned, Participant]] = []
    for plan in planned:
        assert plan.focus.starts_at is not None
        for _ in range(plan.size):
            joined = plan.focus.starts_at + timedelta(minutes=rng.randrange(0, 10), seconds=rng.randrange(60))
            submitted = joined + timedelta(minutes=rng.randrange(6, 25), seconds=rng.randrange(60))
            person = Participant(
                session_id=plan.focus.id,  # type: ignore[arg-type]
                token_hash=secret_hash(secrets.token_urlsafe(32)),
                joined_at=joined,
                last_seen_at=submitted,
                submitted_at=submitted,
                **_profile(rng, plan),
            )
            participants.append((plan, person))
    db.add_all(person for _, person in participants)
    db.flush()

    answers: dict[str, dict[int, dict[str, AnswerValue | None]]] = defaultdict(dict)
    answer_count = 0
    ratings: dict[tuple[int, str], list[int]] = defaultdict(list)
    session_lean = {id(plan): rng.gauss(0, 0.1) for plan in planned}
    for plan, person in participants:
        viewpoint = plan.focus.viewpoint
        person_lean = rng.gauss(0, 0.35)
        assert person.submitted_at is not None and plan.focus.id is not None and person.id is not None
        given: dict[str, AnswerValue | None] = answers[viewpoint].setdefault(person.id, {})
        for arc in plan.focus.arc_keys:
            centre = (
                BASELINE[arc]
                + CHANGE_BY_2010[arc] * round_index
                + ARC_VIEWPOINT_LEAN.get((arc, viewpoint), VIEWPOINT_LEAN[viewpoint])
                + session_lean[id(plan)]
                + person_lean
            )
            for item in surveys.items(arc, viewpoint):
                draw = rng.random()
                if draw < SKIPPED:
                    continue
                rating: int | None = None
                if draw < SKIPPED + DONT_KNOW[viewpoint]:
                    kind = "dk"
                elif draw < SKIPPED + DONT_KNOW[viewpoint] + NOT_APPLICABLE:
                    kind = "na"
                else:
                    kind = "rating"
                    rating = min(5, max(1, round(centre + item_lean[item.code] + rng.gauss(0, 0.6))))
                    ratings[(plan.focus.id, item.code)].append(rating)
                comment = None
                if viewpoint != CHILD_VIEWPOINT and rng.random() < STAFF_COMMENT:
                    comment = rng.choice(STAFF_COMMENTS[arc])
                given[item.code] = AnswerValue(
                    kind=kind, rating=rating, comment=comment, at=person.submitted_at
                )
                answer_count += 1
    for viewpoint, changes in answers.items():
        write_answers(db, round_id=db_round.id, viewpoint=viewpoint, changes=changes, new_participants=True)

    notes = _consensus(planned, ratings, round_index, surveys)
    if notes:
        db.execute(insert(Consensus), notes)
    return {
        "sessions": len(planned),
        "participants": len(participants),
        "answers": answer_count,
        "consensus": len(notes),
    }


def _describe(viewpoint: str, number: int, small: bool) -> tuple[str, str, tuple[str, ...]]:
    """A session's title, place and (for children) the age bands of those who come."""
    if viewpoint == CHILD_VIEWPOINT:
        title, place, bands = SMALL_CHILD_GROUP if small else CHILD_GROUPS[number % len(CHILD_GROUPS)]
        return title, place, bands
    title, place = STAFF_GROUPS[viewpoint]
    locality = LOCALITIES[number % len(LOCALITIES)]
    return title.format(place=locality, part=number + 1), place.format(place=locality), ()


def _profile(rng: random.Random, plan: _Planned) -> dict[str, object]:
    """An optional, anonymous profile: most people give one, a few skip it."""
    if rng.random() < 0.1:
        return {}
    if plan.focus.viewpoint == CHILD_VIEWPOINT:
        band = rng.choice(plan.age_bands)
        assert band in AGE_BANDS
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
            if focus.viewpoint == CHILD_VIEWPOINT:
                text = CHILD_EVIDENCE[arc][round_index]
            else:
                text = rng.choice(STAFF_EVIDENCE[arc][round_index])
            item = rng.choice(surveys.items(arc, focus.viewpoint))
            given = ratings.get((focus.id, item.code))
            agreed = min(5, max(1, round(sum(given) / len(given)))) if given else 3
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


def logins_text(url: str = LOGIN_URL) -> str:
    """The demo sign-ins, as printed at the end of ``rainbow demo``."""
    email_width = max(len(account.email) for account in DEMO_ACCOUNTS)
    password_width = max(len(account.password) for account in DEMO_ACCOUNTS)
    lines = [f"Sign in at {url} as:"]
    for account in DEMO_ACCOUNTS:
        lines.append(
            f"  {account.email:<{email_width}}  password: {account.password:<{password_width}}"
            f"  ({account.name})"
        )
    return "\n".join(lines)
