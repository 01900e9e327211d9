"""What a round's figures overlap with, for publishing it: the figures live in its rollups now, those shown
before (earlier publications, rooms' reveals) and the answers each member of staff typed in. Each overlap is a
`Nesting`: a figure and how many raters differ from what someone already knows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlmodel import Session, col

from app.db.disclosure_tables import DisclosedFigure
from app.db.tables import Answer, FocusSession, Participant, User
from app.store import disclosures
from app.store.rollups import round_tallies, statement_tallies
from framework.disclosure import FigureKey, Nesting, Shown
from framework.scoring import RATINGS, CellTally
from surveys import arc_of_code

# --- what is live now -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveFigure:
    raters: int
    counts: tuple[int, ...]  # rated_1..5, dont_know, not_applicable
    tally: CellTally | None = None  # cells only: the participants' arc scores


def live_figures(db: Session, round_id: int) -> dict[FigureKey, LiveFigure]:
    """Every cell and statement of the round with any answer, from the rollups."""
    live: dict[FigureKey, LiveFigure] = {}
    for (arc, viewpoint), tally in round_tallies(db, round_id=round_id).items():
        counts = (*(tally.distribution.get(r, 0) for r in RATINGS), tally.dont_know, tally.not_applicable)
        live[FigureKey.cell(arc, viewpoint)] = LiveFigure(tally.n, counts, tally)
    for (viewpoint, item), counts in statement_tallies(db, round_id=round_id).items():
        arc = arc_of_code(item)
        live[FigureKey.statement(arc, viewpoint, item)] = LiveFigure(sum(counts[:5]), counts)
        live.setdefault(FigureKey.cell(arc, viewpoint), LiveFigure(0, (0,) * 7, CellTally()))
    return live


def earlier_figures(db: Session, round_id: int) -> dict[FigureKey, list[DisclosedFigure]]:
    """Every figure an earlier publication showed, by figure, oldest first."""
    shown: dict[FigureKey, list[DisclosedFigure]] = defaultdict(list)
    for publication in disclosures.publications_of(db, round_id=round_id):
        assert publication.id is not None
        for figure in disclosures.figures_of(db, disclosure_id=publication.id):
            if figure.outcome in (Shown.NEW, Shown.EARLIER):
                shown[figure_key(figure)].append(figure)
    return dict(shown)


def figure_key(figure: DisclosedFigure) -> FigureKey:
    return FigureKey(figure.scope, figure.arc, figure.viewpoint, figure.item_code)


def earlier_nestings(
    live: Mapping[FigureKey, LiveFigure], earlier: Mapping[FigureKey, list[DisclosedFigure]]
) -> Iterable[Nesting]:
    """Answers are only ever added to a published round (its sessions were closed), so the raters of a
    figure shown before are among today's: the difference is the newcomers."""
    for key, shown in earlier.items():
        if key in live:
            for figure in shown:
                yield Nesting(key, live[key].raters - figure.raters)


def reveal_nestings(db: Session, round_id: int, live: Mapping[FigureKey, LiveFigure]) -> Iterable[Nesting]:
    """A room's reveal of a statement lies within the round's statement and its cell: the raters that differ
    are the round's other raters, and those of the room whose answer changed after it was revealed."""
    revealed = disclosures.reveals_of_round(db, round_id=round_id)
    if not revealed:
        return
    session_ids = {disclosure.session_id for disclosure, _ in revealed if disclosure.session_id is not None}
    now = answers_of_sessions(db, session_ids)
    viewpoints = dict(
        db.execute(
            select(col(FocusSession.id), col(FocusSession.viewpoint)).where(
                col(FocusSession.id).in_(session_ids)
            )
        ).all()
    )
    for disclosure, figure in revealed:
        if figure.item_code is None or figure.rated_1 is None:
            continue  # nothing of this statement was shown
        then = {
            pid: category for pid, category in disclosures.contributions(figure).items() if category in _RATED
        }
        unchanged = sum(1 for pid, category in then.items() if now.get((pid, figure.item_code)) == category)
        arc = arc_of_code(figure.item_code)
        viewpoint = viewpoints.get(disclosure.session_id, figure.viewpoint)
        for key in (FigureKey.statement(arc, viewpoint, figure.item_code), FigureKey.cell(arc, viewpoint)):
            if key in live:
                yield Nesting(key, (live[key].raters - unchanged) + (len(then) - unchanged))


_RATED = {str(r) for r in RATINGS}


def answers_of_sessions(db: Session, session_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    """(participant id, item) -> category ("1".."5", "dk", "na") for the sessions' participants."""
    rows = db.execute(
        select(col(Answer.participant_id), col(Answer.item_code), col(Answer.kind), col(Answer.rating))
        .join(Participant, col(Participant.id) == col(Answer.participant_id))
        .where(col(Participant.session_id).in_(list(session_ids)))
    )
    return {(pid, item): category_of(kind, rating) for pid, item, kind, rating in rows}


def category_of(kind: str, rating: int | None) -> str:
    """An answer as one category: "1".."5", "dk" or "na"."""
    return str(rating) if kind == "rating" else kind


def padding_nestings(
    live: Mapping[FigureKey, LiveFigure], entered: Mapping[int, Mapping[FigureKey, int]]
) -> Iterable[Nesting]:
    """Answers a member of staff typed in or imported are known to them: the rest of the figure's raters must
    be none or at least k. `entered` is `entered_raters`' answer."""
    for per_figure in entered.values():
        for key, count in per_figure.items():
            if key in live:
                yield Nesting(key, live[key].raters - count)


def entered_raters(db: Session, round_id: int, arcs: Iterable[str]) -> dict[int, dict[FigureKey, int]]:
    """staff user id -> figure -> raters among the participants they entered; `arcs`: the round's arcs.

    Counted by the database (two aggregates over the answers of staff-entered participants), so that a round
    with many paper questionnaires sends back a few hundred rows rather than every answer.
    """
    whens = [(col(Answer.item_code).startswith(f"{arc}.", autoescape=True), arc) for arc in sorted(set(arcs))]
    if not whens:
        return {}  # no answers, so none that staff entered
    arc_of = case(*whens, else_=None)
    entered = (
        select(col(Participant.entered_by_id), col(FocusSession.viewpoint))
        .join(FocusSession, col(FocusSession.id) == col(Participant.session_id))
        .join(Answer, col(Answer.participant_id) == col(Participant.id))
        .where(
            col(FocusSession.round_id) == round_id,
            col(Participant.entered_by_id).is_not(None),
            col(Answer.kind) == "rating",
        )
    )
    found: dict[int, dict[FigureKey, int]] = defaultdict(dict)
    statements = entered.add_columns(col(Answer.item_code), func.count()).group_by(
        col(Participant.entered_by_id), col(FocusSession.viewpoint), col(Answer.item_code)
    )
    for staff_id, viewpoint, item, count in db.execute(statements):
        found[staff_id][FigureKey.statement(arc_of_code(item), viewpoint, item)] = int(count)
    cells = entered.add_columns(arc_of, func.count(col(Participant.id).distinct())).group_by(
        col(Participant.entered_by_id), col(FocusSession.viewpoint), arc_of
    )
    for staff_id, viewpoint, arc, count in db.execute(cells):
        if arc is not None:
            found[staff_id][FigureKey.cell(arc, viewpoint)] = int(count)
    return dict(found)


def entered_by(
    db: Session, per_staff: Mapping[int, Mapping[FigureKey, int]]
) -> dict[FigureKey, tuple[int, str]]:
    """figure -> (raters whose answers staff entered, who: "email (count); ..."); `per_staff` is
    `entered_raters`' answer."""
    if not per_staff:
        return {}
    emails = dict(
        db.execute(select(col(User.id), col(User.email)).where(col(User.id).in_(list(per_staff)))).all()
    )
    found: dict[FigureKey, list[tuple[str, int]]] = defaultdict(list)
    for staff_id, per_figure in per_staff.items():
        for key, count in per_figure.items():
            found[key].append((emails.get(staff_id, "a former member of staff"), count))
    return {
        key: (sum(count for _, count in who), "; ".join(f"{email} ({count})" for email, count in sorted(who)))
        for key, who in found.items()
    }
