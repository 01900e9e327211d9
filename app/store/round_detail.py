"""The detail behind a round's scores: who took part, each statement's answers, the groups' agreed ratings.

Statement figures follow the same suppression rule as cells: a statement fewer than `min_group_size` people
answered in a viewpoint shows no figures, only that there were too few.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.choices import SessionState
from app.db.rollup_tables import ScoreRollup
from app.db.tables import Answer, Consensus, FocusSession, Participant
from app.exports.content import RawAnswer
from framework.scoring import RATINGS
from surveys import arc_of_code


@dataclass(frozen=True)
class ViewpointCoverage:
    viewpoint: str
    sessions: int
    #: People who answered at least one statement; None when fewer than the minimum group size.
    respondents: int | None


def coverage(
    db: Session, *, round_id: int, viewpoints: tuple[str, ...], min_group_size: int
) -> list[ViewpointCoverage]:
    """Per viewpoint: focus groups held and people who answered, the count hidden below the group size."""
    sessions: dict[str, int] = dict(
        db.execute(
            select(col(FocusSession.viewpoint), func.count())
            .where(col(FocusSession.round_id) == round_id)
            .group_by(FocusSession.viewpoint)
        ).all()
    )
    answered = select(col(Answer.participant_id)).where(col(Answer.participant_id) == Participant.id).exists()
    people: dict[str, int] = dict(
        db.execute(
            select(col(FocusSession.viewpoint), func.count(col(Participant.id)))
            .join(Participant, col(Participant.session_id) == FocusSession.id)
            .where(col(FocusSession.round_id) == round_id, answered)
            .group_by(FocusSession.viewpoint)
        ).all()
    )
    result = []
    for viewpoint in viewpoints:
        count = int(people.get(viewpoint, 0))
        result.append(
            ViewpointCoverage(
                viewpoint=viewpoint,
                sessions=int(sessions.get(viewpoint, 0)),
                respondents=count if count >= min_group_size or count == 0 else None,
            )
        )
    return result


@dataclass
class StatementFigures:
    item: str
    viewpoint: str
    answers: int = 0
    ratings: dict[str, int] = field(default_factory=lambda: {str(r): 0 for r in RATINGS})
    dont_know: int = 0
    not_applicable: int = 0
    suppressed: bool = False

    @property
    def mean(self) -> float | None:
        rated = sum(self.ratings.values())
        if self.suppressed or not rated:
            return None
        return sum(int(r) * count for r, count in self.ratings.items()) / rated


def statement_figures(
    db: Session, *, round_id: int, arc: str, min_group_size: int
) -> dict[tuple[str, str], StatementFigures]:
    """(viewpoint, statement) -> its answers in the round; suppressed (no figures) below the group size."""
    rows = db.execute(
        select(
            col(FocusSession.viewpoint),
            col(Answer.item_code),
            col(Answer.kind),
            col(Answer.rating),
            func.count(),
        )
        .join(Participant, col(Participant.id) == Answer.participant_id)
        .join(FocusSession, col(FocusSession.id) == Participant.session_id)
        .where(col(FocusSession.round_id) == round_id, col(Answer.item_code).startswith(f"{arc}."))
        .group_by(col(FocusSession.viewpoint), col(Answer.item_code), col(Answer.kind), col(Answer.rating))
    )
    found: dict[tuple[str, str], StatementFigures] = {}
    for viewpoint, code, kind, rating, count in rows:
        figures = found.setdefault((viewpoint, code), StatementFigures(item=code, viewpoint=viewpoint))
        figures.answers += int(count)
        if kind == "rating" and rating is not None:
            figures.ratings[str(rating)] += int(count)
        elif kind == "dk":
            figures.dont_know += int(count)
        else:
            figures.not_applicable += int(count)
    for key, figures in found.items():
        if figures.answers < min_group_size:
            found[key] = StatementFigures(item=figures.item, viewpoint=figures.viewpoint, suppressed=True)
    return found


@dataclass(frozen=True)
class AgreedRating:
    session_title: str
    viewpoint: str
    item: str
    rating: int | None
    notes: str | None


def agreed_ratings(db: Session, *, round_id: int, arc: str) -> dict[str, list[AgreedRating]]:
    """statement -> what each focus group agreed about it, with its evidence notes."""
    rows = db.execute(
        select(
            col(FocusSession.title),
            col(FocusSession.viewpoint),
            col(Consensus.item_code),
            col(Consensus.rating),
            col(Consensus.notes),
        )
        .join(FocusSession, col(FocusSession.id) == Consensus.session_id)
        .where(col(FocusSession.round_id) == round_id, col(Consensus.item_code).startswith(f"{arc}."))
        .order_by(Consensus.item_code, FocusSession.title)
    )
    found: dict[str, list[AgreedRating]] = defaultdict(list)
    for title, viewpoint, code, rating, notes in rows:
        found[code].append(AgreedRating(title, viewpoint, code, rating, notes))
    return dict(found)


#: An XLSX sheet holds about a million rows; a round with more answers than this gets no answers sheet.
MAX_RAW_ANSWERS = 1_000_000


def raw_answers(db: Session, *, round_id: int, shown_cells: set[tuple[str, str]]) -> list[RawAnswer] | None:
    """The round's answers in `shown_cells` (the unsuppressed ones), each respondent numbered 1, 2, ... in
    this list only; None when there are too many for a spreadsheet. No comments: they are shown only where
    a cell is large enough, and a spreadsheet would carry them beyond that rule."""
    rows = db.execute(
        select(
            col(Answer.participant_id),
            col(FocusSession.viewpoint),
            col(Answer.item_code),
            col(Answer.kind),
            col(Answer.rating),
            col(Participant.sector),
            col(Participant.role_level),
        )
        .join(Participant, col(Participant.id) == Answer.participant_id)
        .join(FocusSession, col(FocusSession.id) == Participant.session_id)
        .where(col(FocusSession.round_id) == round_id)
        .order_by(col(Answer.participant_id), col(Answer.item_code))
        .limit(MAX_RAW_ANSWERS + 1)
    ).all()
    if len(rows) > MAX_RAW_ANSWERS:
        return None
    numbers: dict[int, int] = {}
    found = []
    for participant_id, viewpoint, code, kind, rating, sector, role_level in rows:
        arc = arc_of_code(code)
        if (arc, viewpoint) not in shown_cells:
            continue
        number = numbers.setdefault(participant_id, len(numbers) + 1)
        found.append(RawAnswer(number, viewpoint, arc, code, rating, kind, sector, role_level))
    return found


@dataclass(frozen=True)
class PlannedSession:
    id: int
    title: str
    state: str
    starts_at: str | None


@dataclass(frozen=True)
class CellCoverage:
    arc: str
    viewpoint: str
    #: People with at least one rating in the arc so far (a count for planning, never a figure about answers).
    respondents: int
    threshold: int
    sessions: tuple[PlannedSession, ...]  # not yet closed, asking this arc of this viewpoint

    @property
    def enough(self) -> bool:
        return self.respondents >= self.threshold

    @property
    def still_needed(self) -> int:
        return max(0, self.threshold - self.respondents)


def cell_coverage(
    db: Session, *, round_id: int, arcs: tuple[str, ...], viewpoints: tuple[str, ...], threshold: int
) -> list[CellCoverage]:
    """Every arc x viewpoint of the round: how many answered, the threshold, the sessions still to run."""
    counted = db.execute(
        select(col(ScoreRollup.arc), col(ScoreRollup.viewpoint), func.sum(ScoreRollup.participants))
        .where(col(ScoreRollup.round_id) == round_id)
        .group_by(ScoreRollup.arc, ScoreRollup.viewpoint)
    ).all()
    respondents = {(arc, viewpoint): int(total or 0) for arc, viewpoint, total in counted}
    planned: dict[tuple[str, str], list[PlannedSession]] = defaultdict(list)
    open_sessions = db.scalars(
        select(FocusSession)
        .where(col(FocusSession.round_id) == round_id, col(FocusSession.state) != SessionState.CLOSED)
        .order_by(col(FocusSession.starts_at), col(FocusSession.id))
    )
    for focus in open_sessions:
        assert focus.id is not None
        when = focus.starts_at.strftime("%-d %B %Y, %H:%M") if focus.starts_at else None
        for arc in focus.arc_keys:
            planned[(arc, focus.viewpoint)].append(
                PlannedSession(focus.id, focus.title, str(focus.state), when)
            )
    return [
        CellCoverage(
            arc=arc,
            viewpoint=viewpoint,
            respondents=respondents.get((arc, viewpoint), 0),
            threshold=threshold,
            sessions=tuple(planned.get((arc, viewpoint), [])),
        )
        for arc in arcs
        for viewpoint in viewpoints
    ]
