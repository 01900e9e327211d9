"""What the results pages say about a round's scores, worked out in Python so templates only lay it out:
the biggest moves since the baseline, the gaps between viewpoints, the rainbow of a report, the arcs
that need an action.

Everything here reads `Scores` and `Comparison` after suppression, so it can never reveal a suppressed figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.services.reports import RoundReport
from framework.charts.rainbow_chart import RainbowChart, bands_for
from framework.model import Framework
from framework.scoring import ArcComparison, Cell, Comparison, Scores

CHILD = "child"
TRUST = "trust"


def cells_by_key(scores: Scores) -> dict[tuple[str, str], Cell]:
    return {(cell.arc, cell.viewpoint): cell for cell in scores.cells}


@dataclass(frozen=True)
class Moves:
    up: tuple[ArcComparison, ...]
    down: tuple[ArcComparison, ...]


def biggest_moves(comparison: Comparison, *, limit: int = 3) -> Moves:
    """The arcs that rose most and fell most (only arcs with a delta; a zero move is neither)."""
    moved = [arc for arc in comparison.arcs if arc.delta is not None]
    up = sorted((a for a in moved if a.delta is not None and a.delta > 0), key=lambda a: -(a.delta or 0))
    down = sorted((a for a in moved if a.delta is not None and a.delta < 0), key=lambda a: a.delta or 0)
    return Moves(up=tuple(up[:limit]), down=tuple(down[:limit]))


@dataclass(frozen=True)
class ViewpointGap:
    """How differently the viewpoints see one arc."""

    arc: str
    child: float | None
    trust: float | None
    #: child - trust, when both are shown: below 0, children see the arc as less integrated than the trust.
    child_minus_trust: float | None
    highest: tuple[str, float] | None
    lowest: tuple[str, float] | None

    @property
    def spread(self) -> float | None:
        if self.highest is None or self.lowest is None:
            return None
        return self.highest[1] - self.lowest[1]


def viewpoint_gaps(scores: Scores, framework: Framework) -> list[ViewpointGap]:
    """One gap per arc, the widest child-trust difference first (arcs without one at the end)."""
    cells = cells_by_key(scores)
    gaps = []
    for arc in framework.arc_keys:
        shown = [
            (viewpoint, cells[(arc, viewpoint)].mean)
            for viewpoint in framework.viewpoint_keys
            if cells[(arc, viewpoint)].mean is not None
        ]
        means = {viewpoint: mean for viewpoint, mean in shown if mean is not None}
        child, trust = means.get(CHILD), means.get(TRUST)
        gaps.append(
            ViewpointGap(
                arc=arc,
                child=child,
                trust=trust,
                child_minus_trust=child - trust if child is not None and trust is not None else None,
                highest=max(means.items(), key=lambda kv: kv[1]) if len(means) > 1 else None,
                lowest=min(means.items(), key=lambda kv: kv[1]) if len(means) > 1 else None,
            )
        )
    return sorted(gaps, key=lambda g: -abs(g.child_minus_trust) if g.child_minus_trust is not None else 1)


def rainbow_chart(report: RoundReport, *, framework: Framework, viewpoint: str | None = None) -> RainbowChart:
    """The rainbow of a round: arc scores, or one viewpoint's cell means; with the baseline when chosen and
    the targets (the whole arc's, or the viewpoint's) as ticks."""

    def figures(scores: Scores) -> dict[str, float | None]:
        if viewpoint is None:
            return dict(scores.arcs)
        cells = cells_by_key(scores)
        return {arc: cells[(arc, viewpoint)].mean for arc in framework.arc_keys}

    baselines = figures(report.baseline_scores) if report.baseline_scores is not None else None
    title = f"{report.trust.name}: {report.round.name}"
    if viewpoint is not None:
        title = framework.viewpoint(viewpoint).label
    return RainbowChart(
        title=title,
        bands=bands_for(
            framework,
            figures(report.scores),
            baselines=baselines,
            targets={arc: level for (arc, vp), level in report.targets.items() if vp == viewpoint},
        ),
        current_label=report.round.name,
        baseline_label=report.baseline.name if report.baseline is not None else None,
    )


def arcs_needing_action(
    scores: Scores,
    *,
    targets: Mapping[tuple[str, str | None], float],
    arcs_with_actions: set[str],
    framework: Framework,
    limit: int = 3,
) -> list[str]:
    """Arcs with no action that are among the `limit` lowest-scoring, or the `limit` furthest below their
    target, in framework order."""
    scored = {arc: score for arc, score in scores.arcs.items() if score is not None}
    lowest = sorted(scored, key=lambda arc: scored[arc])[:limit]
    gaps = {arc: targets[(arc, None)] - score for arc, score in scored.items() if (arc, None) in targets}
    widest = sorted((arc for arc in gaps if gaps[arc] > 0), key=lambda arc: -gaps[arc])[:limit]
    flagged = set(lowest) | set(widest)
    return [arc for arc in framework.arc_keys if arc in flagged and arc not in arcs_with_actions]
