"""A round's figures as its latest publication shows them: the only figures any output of a round gives.

Cells, statements and the participants' rating totals (for comparisons) are read from the ledger, never from
the live answers; comments and the groups' agreed ratings are read from the answers and sessions that the
publication included, and only where the rules allow (comments from cells of `comment_min_group_size`
raters, agreed ratings from groups of k raters).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.db.disclosure_tables import DisclosedFigure, Disclosure
from app.db.tables import Answer, Consensus, FocusSession, Participant
from app.errors import Conflict
from app.store import disclosures
from framework.disclosure import REASON_WORDS, Hidden, Shown
from framework.model import Framework
from framework.scoring import RATINGS, Cell, CellTally, RaterTotal, RoundTallies, Scores, scores_of
from surveys import SurveyBook

NOT_PUBLISHED = (
    "This round has not been published yet: its figures exist only once a trust lead publishes it, after "
    "all its focus groups have closed. Until then, its coverage shows how close each arc is."
)


class NotPublished(Conflict):
    """A round's figures asked for before its first publication."""

    def __init__(self) -> None:
        super().__init__(NOT_PUBLISHED)


@dataclass(frozen=True)
class StatementFigures:
    """A statement of a cell as published: its figures, or why they are hidden."""

    item: str
    viewpoint: str
    raters: int | None
    ratings: dict[str, int] | None
    dont_know: int | None
    not_applicable: int | None
    mean: float | None
    hidden_because: str | None = None
    as_published: int | None = None

    @property
    def suppressed(self) -> bool:
        return self.hidden_because is not None

    @property
    def answers(self) -> int:
        """Everyone who answered it, "don't know" and "not applicable" included (for drawing shares)."""
        if self.ratings is None:
            return 0
        return sum(self.ratings.values()) + (self.dont_know or 0) + (self.not_applicable or 0)


@dataclass(frozen=True)
class PublishedRound:
    publication: Disclosure
    scores: Scores
    statements: Mapping[tuple[str, str], StatementFigures]  # (viewpoint, item) -> figures
    #: (arc, viewpoint) -> the participants of a cell shown by (sum of ratings, number), for comparisons
    score_counts: Mapping[tuple[str, str], dict[RaterTotal, int]]
    #: publication number -> the last participant it included (the round's participants up to that id)
    last_participants: Mapping[int, int]
    #: (arc, viewpoint) -> of a cell shown, the people whose answers staff typed in or imported, and who
    entered: Mapping[tuple[str, str], tuple[int, str]] = field(default_factory=dict)

    @property
    def number(self) -> int:
        return self.publication.number or 0

    def included_up_to(self, as_published: int | None) -> int:
        """The last participant a figure was worked out from: one shown as an earlier publication showed it
        (`as_published`) counts only that publication's people, so that nothing drawn from the people
        since (comments, raw answers) appears beside it; otherwise this publication's."""
        if as_published is None:
            return self.publication.last_participant_id
        return self.last_participants.get(as_published, 0)


def published_round(
    db: Session, *, round_id: int, framework: Framework, min_group_size: int
) -> PublishedRound:
    """The round as its latest publication shows it.

    :raises NotPublished: for a round never published (409).
    """
    publication = disclosures.latest_publication(db, round_id=round_id)
    if publication is None or publication.id is None:
        raise NotPublished
    figures = disclosures.figures_of(db, disclosure_id=publication.id)
    numbers = _publication_numbers(db, round_id)
    cells = {(f.arc, f.viewpoint): f for f in figures if f.scope == "cell"}
    shown_cells = [figure for figure in cells.values() if figure.outcome in (Shown.NEW, Shown.EARLIER)]
    counts = disclosures.score_counts(db, figure_ids=[_score_source(db, figure) for figure in shown_cells])
    scores = scores_of(
        [
            _cell(cells.get((arc, viewpoint)), arc, viewpoint, numbers)
            for arc in framework.arc_keys
            for viewpoint in framework.viewpoint_keys
        ],
        arcs=framework.arc_keys,
        min_group_size=min_group_size,
    )
    return PublishedRound(
        publication=publication,
        scores=scores,
        statements={
            (f.viewpoint, f.item_code): _statement(f, numbers)
            for f in figures
            if f.scope == "statement" and f.item_code is not None
        },
        score_counts={
            (figure.arc, figure.viewpoint): counts[_score_source(db, figure)] for figure in shown_cells
        },
        last_participants={
            p.number: p.last_participant_id
            for p in disclosures.publications_of(db, round_id=round_id)
            if p.number is not None
        },
    )


def _publication_numbers(db: Session, round_id: int) -> dict[int, int]:
    """disclosure id -> publication number, for saying which publication an earlier figure is from."""
    return {
        publication.id: publication.number or 0
        for publication in disclosures.publications_of(db, round_id=round_id)
        if publication.id is not None
    }


def _score_source(db: Session, figure: DisclosedFigure) -> int:
    """The figure whose participants' scores a shown cell has: itself, or the earlier one it shows again."""
    assert figure.id is not None
    if figure.outcome != Shown.EARLIER or figure.shown_from_id is None:
        return figure.id
    source = db.scalars(
        select(DisclosedFigure).where(
            col(DisclosedFigure.disclosure_id) == figure.shown_from_id,
            col(DisclosedFigure.scope) == "cell",
            col(DisclosedFigure.arc) == figure.arc,
            col(DisclosedFigure.viewpoint) == figure.viewpoint,
        )
    ).first()
    return figure.id if source is None or source.id is None else source.id


def _words(outcome: str) -> str:
    return REASON_WORDS[Hidden(outcome)]


def _cell(figure: DisclosedFigure | None, arc: str, viewpoint: str, numbers: Mapping[int, int]) -> Cell:
    if figure is None or figure.outcome not in (Shown.NEW, Shown.EARLIER):
        reason = _words(figure.outcome if figure is not None else Hidden.TOO_FEW)
        return Cell(arc, viewpoint, True, None, None, None, None, None, None, None, None, reason)
    return Cell(
        arc=arc,
        viewpoint=viewpoint,
        suppressed=False,
        n=figure.raters,
        mean=figure.mean,
        median=figure.median,
        spread=figure.spread,
        distribution={
            str(r): count for r, count in zip(RATINGS, disclosures.counts_of(figure)[:5], strict=True)
        },
        dont_know=figure.dont_know,
        not_applicable=figure.not_applicable,
        comments=None,
        as_published=_earlier_number(figure, numbers),
    )


def _earlier_number(figure: DisclosedFigure, numbers: Mapping[int, int]) -> int | None:
    if figure.outcome != Shown.EARLIER or figure.shown_from_id is None:
        return None
    return numbers.get(figure.shown_from_id)


def _statement(figure: DisclosedFigure, numbers: Mapping[int, int]) -> StatementFigures:
    assert figure.item_code is not None
    if figure.outcome not in (Shown.NEW, Shown.EARLIER):
        return StatementFigures(
            figure.item_code, figure.viewpoint, None, None, None, None, None, _words(figure.outcome)
        )
    counts = disclosures.counts_of(figure)
    return StatementFigures(
        item=figure.item_code,
        viewpoint=figure.viewpoint,
        raters=figure.raters,
        ratings={str(r): count for r, count in zip(RATINGS, counts[:5], strict=True)},
        dont_know=counts[5],
        not_applicable=counts[6],
        mean=figure.mean,
        as_published=_earlier_number(figure, numbers),
    )


def comparison_tallies(
    published: PublishedRound, *, framework_version: str, framework: Framework, surveys: SurveyBook
) -> RoundTallies:
    """What a comparison needs of a published round: its cells shown, as tallies of participants' ratings,
    with their distributions; hidden cells are empty, so nothing is computed from them."""
    tallies: dict[tuple[str, str], CellTally] = {}
    for cell in published.scores.cells:
        if cell.suppressed or cell.distribution is None:
            continue
        tally = CellTally(raters=Counter(published.score_counts.get((cell.arc, cell.viewpoint), {})))
        for rating, count in cell.distribution.items():
            tally.distribution[int(rating)] = count
        tally.dont_know, tally.not_applicable = cell.dont_know or 0, cell.not_applicable or 0
        tallies[(cell.arc, cell.viewpoint)] = tally
    items = {
        (arc, viewpoint): frozenset(item.code for item in surveys.items(arc, viewpoint))
        for arc in framework.arc_keys
        for viewpoint in framework.viewpoint_keys
    }
    return RoundTallies(framework_version=framework_version, tallies=tallies, items=items)


def with_comments(
    db: Session, *, published: PublishedRound, round_id: int, arc: str, comment_min_group_size: int
) -> Scores:
    """The published scores with the comments of one arc's cells shown with enough raters for words: only
    comments of the participants the publication included."""
    cells = []
    for cell in published.scores.cells:
        if cell.arc == arc and cell.n is not None and cell.n >= comment_min_group_size:
            cell = replace(cell, comments=tuple(_comments(db, published, round_id, cell)))
        cells.append(cell)
    return replace(published.scores, cells=tuple(cells))


def statement_comments(
    db: Session, *, published: PublishedRound, round_id: int, arc: str, comment_min_group_size: int
) -> dict[str, list[str]]:
    """Statement code -> the comments written on it, from the arc's cells shown with enough raters for
    words (as `with_comments`), in the order they were written."""
    found: dict[str, list[str]] = {}
    for cell in published.scores.cells:
        if cell.arc == arc and cell.n is not None and cell.n >= comment_min_group_size:
            for item, comment in _comment_rows(db, published, round_id, cell):
                found.setdefault(item, []).append(comment)
    return found


def arc_comments(
    db: Session, *, published: PublishedRound, round_id: int, arc: str, least: int
) -> tuple[Scores, dict[str, list[str]]]:
    """`with_comments` and `statement_comments` of one arc, for cells of at least `least` raters."""
    return (
        with_comments(db, published=published, round_id=round_id, arc=arc, comment_min_group_size=least),
        statement_comments(db, published=published, round_id=round_id, arc=arc, comment_min_group_size=least),
    )


def _comments(db: Session, published: PublishedRound, round_id: int, cell: Cell) -> list[str]:
    return [comment for _item, comment in _comment_rows(db, published, round_id, cell)]


def _comment_rows(db: Session, published: PublishedRound, round_id: int, cell: Cell) -> list[tuple[str, str]]:
    rows = db.execute(
        select(col(Answer.item_code), col(Answer.comment))
        .join(Participant, col(Participant.id) == col(Answer.participant_id))
        .join(FocusSession, col(FocusSession.id) == col(Participant.session_id))
        .where(
            col(FocusSession.round_id) == round_id,
            col(FocusSession.viewpoint) == cell.viewpoint,
            col(Participant.id) <= published.included_up_to(cell.as_published),
            col(Answer.item_code).startswith(f"{cell.arc}."),
            col(Answer.comment).is_not(None),
        )
        .order_by(col(Answer.item_code), col(Answer.id))
    ).all()
    return [(item, comment) for item, comment in rows if comment]


@dataclass(frozen=True)
class AgreedRating:
    session_title: str
    viewpoint: str
    item: str
    rating: int | None
    notes: str | None


@dataclass(frozen=True)
class AgreedRatings:
    """What focus groups agreed about an arc's statements: by statement, the groups of k raters or more;
    and how many smaller groups agreed ratings that are kept as evidence but not shown."""

    shown: dict[str, list[AgreedRating]]
    small_groups: dict[str, int]


def agreed_ratings(
    db: Session, *, published: PublishedRound, round_id: int, arc: str, min_group_size: int
) -> AgreedRatings:
    """The agreed ratings of the published round's focus groups about `arc`'s statements."""
    rows = db.execute(
        select(
            col(FocusSession.id),
            col(FocusSession.title),
            col(FocusSession.viewpoint),
            col(Consensus.item_code),
            col(Consensus.rating),
            col(Consensus.notes),
        )
        .join(FocusSession, col(FocusSession.id) == col(Consensus.session_id))
        .where(
            col(FocusSession.round_id) == round_id,
            col(FocusSession.id) <= published.publication.last_session_id,
            col(Consensus.item_code).startswith(f"{arc}."),
        )
        .order_by(col(Consensus.item_code), col(FocusSession.title))
    ).all()
    raters = _session_raters(db, {row[0] for row in rows}, arc)
    shown: dict[str, list[AgreedRating]] = defaultdict(list)
    small: dict[str, int] = defaultdict(int)
    for session_id, title, viewpoint, code, rating, notes in rows:
        if raters.get((session_id, code), 0) >= min_group_size:
            shown[code].append(AgreedRating(title, viewpoint, code, rating, notes))
        else:
            small[code] += 1
    return AgreedRatings(dict(shown), dict(small))


def _session_raters(db: Session, session_ids: set[int], arc: str) -> dict[tuple[int, str], int]:
    """(session id, statement) -> how many in the session rated the statement 1 to 5."""
    if not session_ids:
        return {}
    rows = db.execute(
        select(col(Participant.session_id), col(Answer.item_code), func.count())
        .join(Participant, col(Participant.id) == col(Answer.participant_id))
        .where(
            col(Participant.session_id).in_(session_ids),
            col(Answer.kind) == "rating",
            col(Answer.item_code).startswith(f"{arc}."),
        )
        .group_by(col(Participant.session_id), col(Answer.item_code))
    ).all()
    return {(session_id, code): int(count) for session_id, code, count in rows}
