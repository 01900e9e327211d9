"""What a cell's counts add to the statements the rooms revealed: the remainder must be none or k raters.

A cell's distribution is the sum of its statements' distributions, answer by answer. A room that revealed some
of those statements to staff has told them part of that sum already, so the cell's counts minus every revealed
figure give the counts of the answers no reveal covered: with all of a cell's people in one room that revealed
two of its three statements, the third statement's ratings, however few rated it. So the people with a
rating no reveal covers (a revealed figure covers a person's answer while it is unchanged) are a figure nested
in the cell, and must be none or at least k; and again without the people a member of staff typed in, who are
known to them. (Statement figures are nested in their revealed parts by `nestings.reveal_nestings`.)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlmodel import Session, col

from app.db.disclosure_tables import DisclosedFigure
from app.db.tables import Answer, FocusSession, Participant
from app.services.disclosure.nestings import LiveFigure
from app.store import disclosures
from framework.disclosure import FigureKey, Nesting
from surveys import arc_of_code

#: (session, item) -> participant -> the answers ("1".."5", "dk", "na") a reveal counted for them
_Covered = dict[tuple[int, str], dict[int, set[str]]]


@dataclass
class _Remainder:
    """A cell's raters in the revealed sessions: who has a rating no reveal covers, and who typed them in."""

    inside: set[int] = field(default_factory=set)
    uncovered: set[int] = field(default_factory=set)
    entered_by: dict[int, int] = field(default_factory=dict)  # participant -> staff id


def remainder_nestings(
    db: Session,
    round_id: int,
    live: Mapping[FigureKey, LiveFigure],
    entered: Mapping[int, Mapping[FigureKey, int]],
    earlier: Mapping[FigureKey, Sequence[DisclosedFigure]],
) -> Iterable[Nesting]:
    """A nesting for each cell with a revealed statement: its raters with a rating no reveal covers, among
    everyone, among those each member of staff did not type in, and among those who came since each earlier
    publication that showed the cell (the two publications' difference, less the reveals). `entered` is
    `entered_raters`' answer, `earlier` is `earlier_figures`'."""
    covered: _Covered = defaultdict(lambda: defaultdict(set))
    for disclosure, figure in disclosures.reveals_of_round(db, round_id=round_id):
        if disclosure.session_id is None or figure.item_code is None or figure.rated_1 is None:
            continue  # nothing of this statement was shown
        for pid, category in disclosures.contributions(figure).items():
            covered[(disclosure.session_id, figure.item_code)][pid].add(category)
    if not covered:
        return
    remainders = _remainders(db, {session for session, _ in covered}, covered)
    last_participants = {
        publication.id: publication.last_participant_id
        for publication in disclosures.publications_of(db, round_id=round_id)
    }
    for cell, remainder in remainders.items():
        if cell not in live:
            continue
        outside = live[cell].raters - len(remainder.inside)
        yield Nesting(cell, outside + len(remainder.uncovered))
        for figure in earlier.get(cell, ()):
            last = last_participants.get(figure.disclosure_id, 0)
            newcomers = live[cell].raters - figure.raters
            inside_new = sum(1 for pid in remainder.inside if pid > last)
            uncovered_new = sum(1 for pid in remainder.uncovered if pid > last)
            yield Nesting(cell, newcomers - inside_new + uncovered_new)
        for staff_id, per_figure in entered.items():
            inside_theirs = sum(1 for pid in remainder.inside if remainder.entered_by.get(pid) == staff_id)
            uncovered_theirs = sum(
                1 for pid in remainder.uncovered if remainder.entered_by.get(pid) == staff_id
            )
            outside_theirs = per_figure.get(cell, 0) - inside_theirs
            yield Nesting(cell, outside - outside_theirs + len(remainder.uncovered) - uncovered_theirs)


def _remainders(db: Session, session_ids: set[int], covered: _Covered) -> dict[FigureKey, _Remainder]:
    """Per cell, its raters in the revealed sessions and those of them with a rating no reveal covers (the
    reveal counted their answer, and it is the same answer now)."""
    rows = db.execute(
        select(
            col(Participant.id),
            col(Participant.session_id),
            col(Participant.entered_by_id),
            col(FocusSession.viewpoint),
            col(Answer.item_code),
            col(Answer.rating),
        )
        .join(FocusSession, col(FocusSession.id) == col(Participant.session_id))
        .join(Answer, col(Answer.participant_id) == col(Participant.id))
        .where(col(Participant.session_id).in_(sorted(session_ids)), col(Answer.kind) == "rating")
    )
    found: dict[FigureKey, _Remainder] = defaultdict(_Remainder)
    for pid, session_id, staff_id, viewpoint, item, rating in rows:
        remainder = found[FigureKey.cell(arc_of_code(item), viewpoint)]
        remainder.inside.add(pid)
        if staff_id is not None:
            remainder.entered_by[pid] = staff_id
        if str(rating) not in covered.get((session_id, item), {}).get(pid, ()):
            remainder.uncovered.add(pid)
    return dict(found)
