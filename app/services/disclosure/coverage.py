"""Before a round is published, staff see only its coverage: which arcs have been heard from each viewpoint
by enough people yet, and the focus groups still to run. A count below k is never shown: it reads "fewer than
5", so that no one can follow a small group's answers arriving one by one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.choices import SessionState
from app.db.rollup_tables import ScoreRollup
from app.db.tables import Answer, FocusSession, Participant
from framework.model import Framework


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
    #: People with at least one rating in the arc so far; None while fewer than the threshold.
    respondents: int | None
    threshold: int
    sessions: tuple[PlannedSession, ...]  # not yet closed, asking this arc of this viewpoint

    @property
    def fewer_than(self) -> int | None:
        """The threshold, while there are fewer raters than it (and some): what the count is shown as."""
        return self.threshold if self.respondents is None else None

    @property
    def enough(self) -> bool:
        return self.respondents is not None and self.respondents >= self.threshold

    @property
    def none_yet(self) -> bool:
        return self.respondents == 0


@dataclass(frozen=True)
class ViewpointCoverage:
    viewpoint: str
    sessions: int
    #: People who answered at least one statement; None when fewer than the minimum group size (and some).
    respondents: int | None


def shown_count(count: int, threshold: int) -> int | None:
    """A count of people as coverage shows it: as it is when 0 or at least the threshold, else None."""
    return count if count == 0 or count >= threshold else None


def cell_coverage(
    db: Session, *, round_id: int, arcs: tuple[str, ...], viewpoints: tuple[str, ...], threshold: int
) -> list[CellCoverage]:
    """Every arc x viewpoint of the round: how many have rated it (or "fewer than"), the sessions to run."""
    counted = db.execute(
        select(col(ScoreRollup.arc), col(ScoreRollup.viewpoint), func.sum(ScoreRollup.participants))
        .where(col(ScoreRollup.round_id) == round_id)
        .group_by(col(ScoreRollup.arc), col(ScoreRollup.viewpoint))
    ).all()
    respondents = {(arc, viewpoint): int(total or 0) for arc, viewpoint, total in counted}
    planned: dict[tuple[str, str], list[PlannedSession]] = defaultdict(list)
    for session in open_sessions(db, round_id=round_id):
        focus = session[0]
        for arc in focus.arc_keys:
            planned[(arc, focus.viewpoint)].append(session[1])
    return [
        CellCoverage(
            arc=arc,
            viewpoint=viewpoint,
            respondents=shown_count(respondents.get((arc, viewpoint), 0), threshold),
            threshold=threshold,
            sessions=tuple(planned.get((arc, viewpoint), [])),
        )
        for arc in arcs
        for viewpoint in viewpoints
    ]


def coverage_by_cell(
    db: Session, *, round_id: int, framework: Framework, threshold: int
) -> dict[tuple[str, str], CellCoverage]:
    """`cell_coverage` of every arc x viewpoint of `framework`, by (arc, viewpoint), in its order."""
    cells = cell_coverage(
        db,
        round_id=round_id,
        arcs=framework.arc_keys,
        viewpoints=framework.viewpoint_keys,
        threshold=threshold,
    )
    return {(c.arc, c.viewpoint): c for c in cells}


def cells_short(cells: Mapping[tuple[str, str], CellCoverage]) -> int:
    """How many of `cells` still need people."""
    return sum(1 for c in cells.values() if not c.enough)


def open_sessions(db: Session, *, round_id: int) -> list[tuple[FocusSession, PlannedSession]]:
    """The round's focus groups not yet closed, soonest first."""
    found = []
    for focus in db.scalars(
        select(FocusSession)
        .where(col(FocusSession.round_id) == round_id, col(FocusSession.state) != SessionState.CLOSED)
        .order_by(col(FocusSession.starts_at), col(FocusSession.id))
    ):
        assert focus.id is not None
        when = focus.starts_at.strftime("%-d %B %Y, %H:%M") if focus.starts_at else None
        found.append((focus, PlannedSession(focus.id, focus.title, str(focus.state), when)))
    return found


def viewpoint_coverage(
    db: Session, *, round_id: int, viewpoints: tuple[str, ...], threshold: int
) -> list[ViewpointCoverage]:
    """Per viewpoint: focus groups held and people who answered, the count hidden below the threshold."""
    sessions: dict[str, int] = {
        viewpoint: int(count)
        for viewpoint, count in db.execute(
            select(col(FocusSession.viewpoint), func.count())
            .where(col(FocusSession.round_id) == round_id)
            .group_by(col(FocusSession.viewpoint))
        )
    }
    answered = select(col(Answer.participant_id)).where(col(Answer.participant_id) == Participant.id).exists()
    people: dict[str, int] = {
        viewpoint: int(count)
        for viewpoint, count in db.execute(
            select(col(FocusSession.viewpoint), func.count(col(Participant.id)))
            .join(Participant, col(Participant.session_id) == col(FocusSession.id))
            .where(col(FocusSession.round_id) == round_id, answered)
            .group_by(col(FocusSession.viewpoint))
        )
    }
    return [
        ViewpointCoverage(
            viewpoint=viewpoint,
            sessions=sessions.get(viewpoint, 0),
            respondents=shown_count(people.get(viewpoint, 0), threshold),
        )
        for viewpoint in viewpoints
    ]
