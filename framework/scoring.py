"""The scoring rules of the product (design.md section 3), as pure functions over plain data.

- A participant's ratings (1-5) of an arc's statements from a viewpoint are kept as their sum and number
  (`participant_totals`); *don't know* and *not applicable* never count, and a participant with no rating in
  the arc is not counted.
- A **cell** (round x arc x viewpoint) has ``n`` participants counted (its raters), the ``distribution`` of
  its ratings 1..5, counts of don't know and not applicable, and the ``mean``, ``median`` and ``spread``
  (sample standard deviation) of its ratings, every rating weighing the same. (Not of the participants' arc
  scores, as design.md section 3 first had it: when people rate different numbers of a cell's statements, a
  mean of arc scores weighs each class of them differently from the distribution, and the two figures side by
  side give away each class's total, down to one child who said "don't know" once. Figures that are all
  functions of the distribution add nothing to it; see the README's "How a cell is scored".) A cell with ``n``
  below the minimum group size is **suppressed**: every figure, ``n`` included, is None. Comments are shown
  only from cells with ``n`` of at least the comment minimum.
- An **arc score** is the mean of the arc's unsuppressed cell means (viewpoints weigh equally), None when all
  are suppressed; the **round score** is the mean of the arc scores.
- A **comparison** of a round with its baseline gives, per cell and per arc, ``delta = current - baseline``
  with a 95% bootstrap interval over participants (fixed seed, so the same data give the same interval) and a
  flag when the interval includes 0. Cells are comparable only when the framework version and the cell's
  statements match.

A cell's participants are kept as a histogram of their (sum of ratings, number of ratings): a participant
rates at most a few statements of a cell, so it takes only a few dozen values, and bootstrap resamples over
participants are computed from the histogram, whatever the number of participants.
"""

from __future__ import annotations

import math
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Literal, TypeGuard

if TYPE_CHECKING:
    import numpy as np

RATINGS = (1, 2, 3, 4, 5)
Kind = Literal["rating", "dk", "na"]
CellKey = tuple[str, str]  # (arc, viewpoint)
#: A participant's ratings in a cell: (their sum, how many).
RaterTotal = tuple[int, int]

BOOTSTRAP_SAMPLES = 2000
#: What a cell with too few raters says instead of its figures (as `framework.disclosure` words it).
TOO_FEW_WORDS = "too few answers to show"
CONFIDENCE = 0.95


@dataclass(frozen=True)
class AnswerRecord:
    """One answer, as scoring needs it: who (an opaque id), which arc and viewpoint, which statement, what."""

    participant: int
    arc: str
    viewpoint: str
    item: str
    kind: Kind
    rating: int | None = None
    comment: str | None = None


@dataclass
class CellTally:
    """What a cell's figures are computed from; kept in step with answers by the service's rollups."""

    raters: Counter[RaterTotal] = field(default_factory=Counter)  # (sum, number of ratings) -> participants
    distribution: Counter[int] = field(default_factory=Counter)  # item rating -> answers
    dont_know: int = 0
    not_applicable: int = 0
    comments: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return sum(self.raters.values())


@dataclass(frozen=True)
class Cell:
    arc: str
    viewpoint: str
    suppressed: bool
    n: int | None
    mean: float | None
    median: float | None
    spread: float | None
    distribution: dict[str, int] | None
    dont_know: int | None
    not_applicable: int | None
    comments: tuple[str, ...] | None
    #: Why a suppressed cell is hidden, in words (framework.disclosure); None for a cell shown.
    hidden_because: str | None = None
    #: For a cell shown as an earlier publication showed it: that publication's number.
    as_published: int | None = None


@dataclass(frozen=True)
class Scores:
    min_group_size: int
    cells: tuple[Cell, ...]
    arcs: dict[str, float | None]
    overall: float | None


def participant_totals(ratings: Iterable[int]) -> RaterTotal | None:
    """One participant's ratings (1-5) of an arc's statements as (their sum, how many); None when there is
    none: such a participant is not counted in the cell. *Don't know* and *not applicable* are not ratings, so
    a caller leaves them out.

    :raises ValueError: for a rating that is not a whole number from 1 to 5.
    """
    total = count = 0
    for rating in ratings:
        if not _is_rating(rating):
            raise ValueError(f"a rating must be a whole number from 1 to 5, not {rating!r}")
        total += rating
        count += 1
    return (total, count) if count else None


def _is_rating(value: object) -> TypeGuard[int]:
    # bool is an int (True == 1), and 3.0 == 3; neither is a rating someone gave.
    return isinstance(value, int) and not isinstance(value, bool) and value in RATINGS


def tally(answers: Iterable[AnswerRecord]) -> dict[CellKey, CellTally]:
    """Group answers into cells: each participant's ratings, the rating distribution, dk, na, comments.

    :raises ValueError: naming the statement, for an answer of kind "rating" without a rating from 1 to 5.
    """
    ratings: dict[tuple[str, str, int], list[int]] = defaultdict(list)  # every participant, rated or not
    tallies: dict[CellKey, CellTally] = defaultdict(CellTally)
    for answer in answers:
        cell = tallies[(answer.arc, answer.viewpoint)]
        given = ratings[(answer.arc, answer.viewpoint, answer.participant)]
        if answer.kind == "rating":
            if not _is_rating(answer.rating):
                raise ValueError(f"{answer.item}: a rating must be 1 to 5, not {answer.rating!r}")
            given.append(answer.rating)
            cell.distribution[answer.rating] += 1
        elif answer.kind == "dk":
            cell.dont_know += 1
        else:
            cell.not_applicable += 1
        if answer.comment:
            cell.comments.append(answer.comment)
    for (arc, viewpoint, _participant), given in ratings.items():
        totals = participant_totals(given)
        if totals is not None:
            tallies[(arc, viewpoint)].raters[totals] += 1
    return dict(tallies)


def score_cells(
    tallies: Mapping[CellKey, CellTally],
    *,
    arcs: Sequence[str],
    viewpoints: Sequence[str],
    min_group_size: int = 5,
    comment_min_group_size: int = 10,
) -> Scores:
    """Every arc x viewpoint cell (in framework order), the arc scores and the round score."""
    cells = tuple(
        cell_figures(
            tallies.get((arc, viewpoint), CellTally()),
            arc=arc,
            viewpoint=viewpoint,
            min_group_size=min_group_size,
            comment_min_group_size=comment_min_group_size,
        )
        for arc in arcs
        for viewpoint in viewpoints
    )
    return scores_of(cells, arcs=arcs, min_group_size=min_group_size)


def scores_of(cells: Sequence[Cell], *, arcs: Sequence[str], min_group_size: int) -> Scores:
    """The scores of a round from its cells as shown: each arc's score the mean of its cells' means shown,
    the round's the mean of the arc scores."""
    arc_scores = {arc: _mean([c.mean for c in cells if c.arc == arc and c.mean is not None]) for arc in arcs}
    overall = _mean([score for score in arc_scores.values() if score is not None])
    return Scores(min_group_size=min_group_size, cells=tuple(cells), arcs=arc_scores, overall=overall)


def cell_figures(
    cell: CellTally, *, arc: str, viewpoint: str, min_group_size: int, comment_min_group_size: int
) -> Cell:
    """A cell's figures; every one but `n` a function of its distribution (see the module's docstring)."""
    n = cell.n
    if n < min_group_size:
        return Cell(arc, viewpoint, True, None, None, None, None, None, None, None, None, TOO_FEW_WORDS)
    ratings = {Fraction(rating): count for rating, count in cell.distribution.items() if count}
    if not ratings:
        raise ValueError(f"{arc}/{viewpoint}: {n} raters but no rating in its distribution")
    return Cell(
        arc=arc,
        viewpoint=viewpoint,
        suppressed=False,
        n=n,
        mean=float(histogram_mean(ratings)),
        median=float(histogram_median(ratings)),
        spread=histogram_stdev(ratings),
        distribution={str(r): cell.distribution.get(r, 0) for r in RATINGS},
        dont_know=cell.dont_know,
        not_applicable=cell.not_applicable,
        comments=tuple(cell.comments) if n >= comment_min_group_size else None,
    )


def _scaled(scores: Mapping[Fraction, int]) -> tuple[list[tuple[int, int]], int]:
    """The histogram's values as integers over one common denominator, with that denominator.

    Arc scores are means of a few ratings, so the denominators are small and so is their lowest common
    multiple; sums and squares are then exact integer arithmetic, much faster than adding fractions.
    """
    common = 1
    for value in scores:
        common = math.lcm(common, value.denominator)
    scaled = [(value.numerator * (common // value.denominator), count) for value, count in scores.items()]
    return scaled, common


def histogram_mean(scores: Mapping[Fraction, int]) -> Fraction:
    scaled, common = _scaled(scores)
    total = sum(count for _, count in scaled)
    return Fraction(sum(value * count for value, count in scaled), total * common)


def histogram_median(scores: Mapping[Fraction, int]) -> Fraction:
    """The median of the values the histogram holds (the mean of the middle two for an even count)."""
    scaled, common = _scaled(scores)
    scaled.sort()
    total = sum(count for _, count in scaled)
    lower_rank, upper_rank = (total - 1) // 2, total // 2
    lower = upper = None
    seen = 0
    for value, count in scaled:
        if lower is None and lower_rank < seen + count:
            lower = value
        if upper_rank < seen + count:
            upper = value
            break
        seen += count
    assert lower is not None and upper is not None
    return Fraction(lower + upper, 2 * common)


def histogram_stdev(scores: Mapping[Fraction, int]) -> float | None:
    """The sample standard deviation; None for a single value."""
    scaled, common = _scaled(scores)
    total = sum(count for _, count in scaled)
    if total < 2:
        return None
    first = sum(value * count for value, count in scaled)
    second = sum(value * value * count for value, count in scaled)
    # sum((v - mean)^2) = (n * sum(v^2) - (sum v)^2) / n, exactly, in integers scaled by common^2.
    return math.sqrt(Fraction(total * second - first * first, total * (total - 1) * common * common))


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


# --- comparing a round with its baseline --------------------------------------------------------------------


@dataclass(frozen=True)
class RoundTallies:
    """What a comparison needs of one round: its framework version, its cells, and each cell's statements."""

    framework_version: str
    tallies: Mapping[CellKey, CellTally]
    items: Mapping[CellKey, frozenset[str]]


@dataclass(frozen=True)
class CellComparison:
    arc: str
    viewpoint: str
    baseline: float | None
    current: float | None
    delta: float | None
    ci_low: float | None
    ci_high: float | None
    includes_zero: bool | None
    comparable: bool


@dataclass(frozen=True)
class ArcComparison:
    arc: str
    baseline: float | None
    current: float | None
    delta: float | None
    ci_low: float | None
    ci_high: float | None
    includes_zero: bool | None


@dataclass(frozen=True)
class Comparison:
    cells: tuple[CellComparison, ...]
    arcs: tuple[ArcComparison, ...]


def compare(
    current: RoundTallies,
    baseline: RoundTallies,
    *,
    arcs: Sequence[str],
    viewpoints: Sequence[str],
    min_group_size: int = 5,
    seed: int = 2009,
) -> Comparison:
    """Per cell and per arc, current minus baseline, with 95% bootstrap intervals over participants.

    A cell is comparable when both rounds used the same framework version and asked the same statements; a
    cell suppressed in either round has no delta. Intervals come from resampling each cell's participants
    (with replacement, independently in each round), with a generator seeded from `seed` and the cell or arc,
    so the same data always give the same interval.
    """
    same_version = current.framework_version == baseline.framework_version
    now = score_cells(current.tallies, arcs=arcs, viewpoints=viewpoints, min_group_size=min_group_size)
    then = score_cells(baseline.tallies, arcs=arcs, viewpoints=viewpoints, min_group_size=min_group_size)
    now_cells = {(c.arc, c.viewpoint): c for c in now.cells}
    then_cells = {(c.arc, c.viewpoint): c for c in then.cells}
    cells = []
    comparable_keys: dict[str, list[CellKey]] = defaultdict(list)
    for key in ((arc, viewpoint) for arc in arcs for viewpoint in viewpoints):
        comparable = same_version and current.items.get(key, frozenset()) == baseline.items.get(
            key, frozenset()
        )
        a, b = then_cells[key].mean, now_cells[key].mean
        if comparable and a is not None and b is not None:
            comparable_keys[key[0]].append(key)
            low, high = _bootstrap(
                [(current.tallies[key].raters, baseline.tallies[key].raters)], seed=_seed(seed, key)
            )
            cells.append(CellComparison(*key, a, b, b - a, low, high, low <= 0 <= high, True))
        else:
            cells.append(CellComparison(*key, a, b, None, None, None, None, comparable))
    arc_comparisons = []
    for arc in arcs:
        a, b = then.arcs[arc], now.arcs[arc]
        keys = comparable_keys.get(arc, [])
        if a is None or b is None or not same_version or not keys:
            arc_comparisons.append(ArcComparison(arc, a, b, None, None, None, None))
            continue
        pairs = [(current.tallies[k].raters, baseline.tallies[k].raters) for k in keys]
        low, high = _bootstrap(pairs, seed=_seed(seed, (arc, "")))
        arc_comparisons.append(ArcComparison(arc, a, b, b - a, low, high, low <= 0 <= high))
    return Comparison(cells=tuple(cells), arcs=tuple(arc_comparisons))


def _seed(seed: int, key: CellKey) -> int:
    return zlib.crc32(f"{seed}:{key[0]}:{key[1]}".encode())


def _bootstrap(
    pairs: Sequence[tuple[Mapping[RaterTotal, int], Mapping[RaterTotal, int]]], *, seed: int
) -> tuple[float, float]:
    """The 95% interval of mean over `pairs` of (mean of current - mean of baseline), resampled.

    Each resample draws a cell's participants with replacement, each with all their ratings, and takes the
    mean of the ratings drawn. Resampling n participants from a histogram is a multinomial draw over its
    values, so the cost does not grow with the number of participants.
    """
    import numpy as np  # here, not at the top: a tenth of the service's start-up, for the compare page alone

    rng = np.random.default_rng(seed)
    differences = np.zeros(BOOTSTRAP_SAMPLES)
    for current, baseline in pairs:
        differences += resampled_means(rng, current) - resampled_means(rng, baseline)
    differences /= len(pairs)
    tail = (1 - CONFIDENCE) / 2
    low, high = np.quantile(differences, [tail, 1 - tail])
    return float(low), float(high)


def resampled_means(rng: np.random.Generator, raters: Mapping[RaterTotal, int]) -> np.ndarray:
    """The mean rating of each of BOOTSTRAP_SAMPLES resamples of the participants."""
    import numpy as np

    sums = np.array([float(total) for total, _ in raters])
    ratings = np.array([float(count) for _, count in raters])
    people = np.array(list(raters.values()))
    n = int(people.sum())
    draws = rng.multinomial(n, people / n, size=BOOTSTRAP_SAMPLES)
    result: np.ndarray = (draws @ sums) / (draws @ ratings)
    return result
