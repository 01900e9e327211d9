"""The board pack's sentences and figures in words: the cover's plain-English summary, the order and due
dates of the action plan, and each number as the pages write it (a change always signed, "+0.74")."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from app.exports.content import ActionLine, RoundContent
from app.exports.rows import arc_comparisons, overall_change
from app.formatting import signed
from framework.model import ScalePoint
from framework.scoring import ArcComparison

TOO_FEW = "too few answers"
DASH = "\u2013"  # en dash: "no figure" in tables
AT_RISK = "at_risk"
#: What needs attention first: the order the plan's tables list statuses in.
URGENCY = (AT_RISK, "not_started", "on_track", "done")


def score(value: float | None) -> str:
    return TOO_FEW if value is None else f"{value:.2f}"


def change(value: float | None) -> str:
    """A change or a gap with its sign, as the pages write it; a dash for none."""
    return DASH if value is None else signed(value)


def interval(low: float | None, high: float | None) -> str:
    return "" if low is None or high is None else f"{signed(low)} to {signed(high)}"


def summary_text(content: RoundContent) -> str:
    """The cover's plain-English summary, as plain text."""
    sentences = [_score_sentence(content)]
    if content.comparison is not None:
        sentences += _movement_sentences(content)
    if content.actions:
        sentences.append(plan_sentence(content.actions))
    sentences.append(_suppression_sentence(content))
    return " ".join(sentences)


def plan_sentence(actions: Sequence[ActionLine]) -> str:
    at_risk = sum(action.status == AT_RISK for action in actions)
    if len(actions) == 1:
        return f"The action plan has 1 action, and it is {'' if at_risk else 'not '}at risk."
    risk = f"{at_risk} of them at risk" if at_risk else "none of them at risk"
    return f"The action plan has {len(actions)} actions, {risk}."


def _point_words(point: ScalePoint) -> str:
    """A point of the scale as staff answered it and as its stage reads: "not at all true: fragmented"."""
    return f"{point.label.lower()}: {point.stage.lower()}"


def _score_sentence(content: RoundContent) -> str:
    overall = content.scores.overall
    if overall is None:
        return "There were too few answers in every arc and viewpoint to give a round score."
    scale = content.framework.scale
    nearest = min(scale, key=lambda point: abs(point.value - overall))
    sentence = (
        f"The round score is {overall:.2f} on a scale from 1 ({_point_words(scale[0])}) to 5 "
        f"({_point_words(scale[-1])}), closest to {nearest.value} ({_point_words(nearest)})."
    )
    baseline, _delta = overall_change(content)
    if content.baseline_name is not None and baseline is not None:
        sentence += f" In {content.baseline_name} it was {baseline:.2f}."
    return sentence


def _movement_sentences(content: RoundContent) -> list[str]:
    """The biggest moves up and down among the arcs that could be compared."""
    baseline = content.baseline_name or "the baseline"
    moved = [arc for arc in arc_comparisons(content).values() if arc.delta is not None]
    if not moved:
        return [
            f"No arc could be compared with {baseline}: the statements or the framework changed, or too few "
            "people answered in one of the rounds."
        ]
    up = max((arc for arc in moved if _delta(arc) > 0), key=_delta, default=None)
    down = min((arc for arc in moved if _delta(arc) < 0), key=_delta, default=None)
    return [
        _sentence(f"Compared with {baseline}, {_movement(content, up, 'up')}"),
        _sentence(_movement(content, down, "down")),
    ]


def _sentence(clause: str) -> str:
    return clause[:1].upper() + clause[1:] + "."


def _delta(arc: ArcComparison) -> float:
    return arc.delta if arc.delta is not None else 0.0


def _movement(content: RoundContent, arc: ArcComparison | None, direction: str) -> str:
    """A clause such as "the biggest move up was in <arc> (+0.40, 95% interval +0.10 to +0.70)"."""
    if arc is None or arc.delta is None:
        return f"no arc moved {direction}"
    title = content.framework.arc(arc.arc).title
    clause = f"the biggest move {direction} was in {title} ({change(arc.delta)}"
    span = interval(arc.ci_low, arc.ci_high)
    if arc.includes_zero:
        return clause + f"; its 95% interval, {span}, includes 0, so this may be chance)"
    return clause + f", 95% interval {span})"


def _suppression_sentence(content: RoundContent) -> str:
    hidden = sum(1 for cell in content.scores.cells if cell.suppressed)
    if not hidden:
        return "Every arc had enough answers from every viewpoint to show its figures."
    total = len(content.scores.cells)
    return (
        f"{hidden} of {total} groups (one arc seen from one viewpoint) had too few answers to show: fewer "
        f"than {content.scores.min_group_size} people."
    )


def contents_text(content: RoundContent) -> str:
    """What the pack holds, in a sentence."""
    on_arc_page = ["its scores from each viewpoint"]
    on_arc_page += ["its targets"] if content.targets else []
    on_arc_page += ["its actions"] if content.actions else []
    on_arc_page += ["the support it needs"] if content.support_needs else []
    sections = ["the action plan"] if content.actions else []
    sections += ["the support needed"] if content.support_needs else []
    then = f", then {_and(sections)}" if sections else ""
    return (
        f"This pack shows the rainbow and a table of arc scores, then a page for each arc with "
        f"{_and(on_arc_page)}{then}, and ends with how the scores are worked out and how answers are kept "
        "anonymous."
    )


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def by_urgency(actions: Iterable[ActionLine]) -> list[ActionLine]:
    """At risk, not started, on track, done; then by due date, undated last; otherwise in plan order."""

    def key(action: ActionLine) -> tuple[int, bool, date]:
        rank = URGENCY.index(action.status) if action.status in URGENCY else len(URGENCY)
        return rank, action.due is None, action.due or date.min

    return sorted(actions, key=key)


def when_text(action: ActionLine) -> str:
    """The timescale in the trust's words and the due date, either or both; a dash for neither."""
    parts = [action.timescale] if action.timescale else []
    if action.due is not None:
        parts.append(f"due {action.due.day} {action.due:%b %Y}")
    return "; ".join(parts) or DASH
