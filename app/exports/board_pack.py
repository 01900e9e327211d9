"""The board pack: a round's scores as an A4 PDF for a Children's Trust Board.

A cover with a plain-English summary, the rainbow with a table of arc scores (and targets), a page per arc
(viewpoint bars, a table per viewpoint with its target, the arc's actions and support needs), the whole
action plan, the support needs, and a page on method and suppression. The text is real PDF text in the
standard Helvetica fonts, so it can be selected, searched and read aloud. Text typed by people (trust, round,
baseline, the action plan, support needs) and framework text are escaped before they reach reportlab's
paragraph markup. An action's status is always written in words; its tint only repeats them.

Suppression is decided upstream: a cell marked suppressed shows "too few answers" and none of its figures.
"""

# long-module: ReportLab's flowables for every page of the pack; the tagged, template-built board pack
# that replaces this module (issue 18) has no such length.

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from functools import partial
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from app.choices import action_status_label, support_kind_label
from app.exports.content import ActionLine, RoundContent, SupportLine
from app.exports.rows import (
    WHOLE_ARC,
    arc_comparisons,
    arc_is_comparable,
    arc_name,
    cell_comparisons,
    current_score,
    gap,
    generated_text,
    overall_change,
    period_text,
    support_in_order,
    targets_by_key,
)
from framework.charts.viewpoint_bars import draw_viewpoint_bars
from framework.model import Arc, Framework, ScalePoint
from framework.scoring import BOOTSTRAP_SAMPLES, CONFIDENCE, ArcComparison, Cell, CellComparison

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
FRAME_PADDING = 6  # points: platypus frames keep this much clear on each side
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN - 2 * FRAME_PADDING
TOO_FEW = "too few answers"
DASH = "\u2013"  # en dash: "no figure" in tables
PRODUCT = "One Children's Workforce rainbow"

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#b5b5b5")
HEADER_FILL = colors.HexColor("#ececec")

AT_RISK = "at_risk"
#: What needs attention first: the order the plan's table lists statuses in.
URGENCY = (AT_RISK, "not_started", "on_track", "done")
#: A pale tint behind each status's words (never the only sign: the words are always there).
STATUS_TINTS = {
    "at_risk": colors.HexColor("#f6d0cb"),
    "not_started": colors.HexColor("#ececec"),
    "on_track": colors.HexColor("#d7ebd3"),
    "done": colors.HexColor("#d6e4f2"),
}
STATUS_WIDTH = 17  # mm: "Not started" on one line

# --- styles -------------------------------------------------------------------------------------------------


def _style(
    name: str, size: float, *, bold: bool = False, italic: bool = False, **extra: Any
) -> ParagraphStyle:
    font = (
        "Helvetica"
        + ("-" if bold or italic else "")
        + ("Bold" if bold else "")
        + ("Oblique" if italic else "")
    )
    options: dict[str, Any] = {"fontName": font, "fontSize": size, "leading": size * 1.3, "textColor": INK}
    options.update(extra)
    return ParagraphStyle(name, **options)


TITLE = _style("title", 26, bold=True, leading=31, spaceAfter=4 * mm)
SUBTITLE = _style("subtitle", 13, textColor=MUTED, spaceAfter=14 * mm)
TRUST = _style("trust", 20, bold=True, leading=25, spaceAfter=3 * mm)
ROUND = _style("round", 14, spaceAfter=2 * mm)
HEADING = _style("heading", 16, bold=True, spaceBefore=2 * mm, spaceAfter=3 * mm)
SUBHEADING = _style("subheading", 12, bold=True, spaceBefore=4 * mm, spaceAfter=2 * mm)
BODY = _style("body", 10, leading=14, spaceAfter=2.5 * mm)
SMALL = _style("small", 8.5, leading=11, textColor=MUTED, spaceAfter=2 * mm)
CAPTION = _style("caption", 9, italic=True, textColor=MUTED, spaceBefore=1 * mm, spaceAfter=4 * mm)
CELL = _style("cell", 8, leading=9.8)
CELL_RIGHT = _style("cell_right", 8, leading=9.8, alignment=2)
CELL_HEAD = _style("cell_head", 7.5, bold=True, leading=9)
CELL_HEAD_RIGHT = _style("cell_head_right", 7.5, bold=True, leading=9, alignment=2)
CELL_NOTE = _style("cell_note", 7.5, italic=True, leading=9, textColor=MUTED)
CELL_BOLD = _style("cell_bold", 8, bold=True, leading=9.8)
#: A heading over a table of its own: kept on the same page as the table's first rows.
TABLE_HEADING = _style(
    "table_heading", 11, bold=True, spaceBefore=4 * mm, spaceAfter=1.5 * mm, keepWithNext=1
)

#: One command of a table's style: its name, the first and last cells it applies to, then its values.
TableCommand = tuple[Any, ...]
BASE_TABLE: list[TableCommand] = [
    ("FONTNAME", (0, 0), (-1, -1), "Helvetica"),
    ("FONTSIZE", (0, 0), (-1, -1), 8),
    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
    ("TOPPADDING", (0, 0), (-1, -1), 2.5),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ("LEFTPADDING", (0, 0), (-1, -1), 3),
    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
]


def text(value: str, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain text: anything that looks like markup is shown as it is."""
    return Paragraph(escape(value), style)


def lines(value: str, style: ParagraphStyle = CELL) -> Paragraph:
    """Text typed over several lines (outcomes, resources, a need): shown literally, its line breaks kept."""
    return Paragraph("<br/>".join(escape(line) for line in value.splitlines()), style)


# --- numbers in words ---------------------------------------------------------------------------------------


def score(value: float | None) -> str:
    return TOO_FEW if value is None else f"{value:.2f}"


def change(value: float) -> str:
    return f"{value:+.2f}"


def interval(low: float | None, high: float | None) -> str:
    return "" if low is None or high is None else f"{change(low)} to {change(high)}"


def summary_text(content: RoundContent) -> str:
    """The cover's plain-English summary, as plain text."""
    sentences = [_score_sentence(content)]
    if content.comparison is not None:
        sentences += _movement_sentences(content)
    if content.actions:
        sentences.append(_plan_sentence(content.actions))
    sentences.append(_suppression_sentence(content))
    return " ".join(sentences)


def _plan_sentence(actions: Sequence[ActionLine]) -> str:
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


# --- the pack -----------------------------------------------------------------------------------------------


def board_pack_pdf(content: RoundContent) -> bytes:
    """The board pack as PDF bytes; the same content gives the same bytes."""
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 6 * mm,
        title=f"{PRODUCT}: {content.trust_name}, {content.round_name}",
        author=content.trust_name,
        subject="Children's Trust Board pack",
        creator="OCW Rainbow",
        invariant=True,  # no creation time or random document id, so output is repeatable
    )
    story = [
        *_cover(content),
        PageBreak(),
        *_rainbow_page(content),
        *(flowable for arc in content.framework.arcs for flowable in [PageBreak(), *_arc_page(content, arc)]),
        *([PageBreak(), *_action_plan_section(content)] if content.actions else []),
        *([PageBreak(), *_support_section(content)] if content.support_needs else []),
        PageBreak(),
        *_method_page(content),
    ]
    footer = f"{content.trust_name} · {content.round_name}"
    document.build(story, canvasmaker=partial(_NumberedCanvas, footer=footer))
    return buffer.getvalue()


class _NumberedCanvas(Canvas):
    """Keeps each finished page until the end so that its footer can say "page N of M"."""

    def __init__(self, *args: Any, footer: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        # Canvas's own start of a fresh page (as its showPage does), which reportlab-stubs leave out.
        self._startPage()  # type: ignore[attr-defined]

    def save(self) -> None:
        for page in self._pages:
            self.__dict__.update(page)
            self._draw_footer(len(self._pages))
            super().showPage()
        super().save()

    def _draw_footer(self, total: int) -> None:
        y = MARGIN - 2 * mm
        left, right = MARGIN + FRAME_PADDING, PAGE_WIDTH - MARGIN - FRAME_PADDING
        self.saveState()
        self.setStrokeColor(RULE)
        self.setLineWidth(0.5)
        self.line(left, y + 4 * mm, right, y + 4 * mm)
        self.setFont("Helvetica", 8)
        self.setFillColor(MUTED)
        number = f"Page {self.getPageNumber()} of {total}"
        self.drawRightString(right, y, number)
        room = FRAME_WIDTH - stringWidth(number, "Helvetica", 8) - 10 * mm
        self.drawString(left, y, _fit(self._footer, room, "Helvetica", 8))
        self.restoreState()


def _fit(value: str, width: float, font: str, size: float) -> str:
    """`value`, cut short with an ellipsis if it is wider than `width` points."""
    if stringWidth(value, font, size) <= width:
        return value
    while value and stringWidth(value + "…", font, size) > width:
        value = value[:-1]
    return value.rstrip() + "…"


# --- cover --------------------------------------------------------------------------------------------------


def _cover(content: RoundContent) -> list[Flowable]:
    round_line = content.round_name
    if content.baseline_name is not None:
        round_line += f", compared with {content.baseline_name}"
    facts = [
        ("Period", period_text(content)),
        ("Generated", generated_text(content.generated_at)),
        ("Framework", f"{content.framework.title}, version {content.framework.version}"),
    ]
    return [
        Spacer(1, 30 * mm),
        text(PRODUCT, TITLE),
        text("Self-assessment report for the Children's Trust Board", SUBTITLE),
        text(content.trust_name, TRUST),
        text(round_line, ROUND),
        Spacer(1, 4 * mm),
        _facts_table(facts),
        Spacer(1, 10 * mm),
        text("In brief", SUBHEADING),
        text(summary_text(content)),
        Spacer(1, 4 * mm),
        text(_contents_text(content), SMALL),
    ]


def _contents_text(content: RoundContent) -> str:
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


def _facts_table(facts: Sequence[tuple[str, str]]) -> Table:
    rows = [[text(label, CELL_HEAD), text(value, CELL)] for label, value in facts]
    table = Table(rows, colWidths=[30 * mm, FRAME_WIDTH - 30 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([*BASE_TABLE, ("LINEBELOW", (0, 0), (-1, -1), 0, colors.white)]))
    return table


# --- the rainbow --------------------------------------------------------------------------------------------


def _rainbow_page(content: RoundContent) -> list[Flowable]:
    flowables: list[Flowable] = [text("The rainbow", HEADING)]
    if content.rainbow_png is not None:
        flowables.append(_picture(content.rainbow_png, FRAME_WIDTH, 100 * mm))
        caption = f"The rainbow: each arc's score for {content.round_name}"
        if content.baseline_name is not None:
            caption += f", against {content.baseline_name}"
        flowables.append(text(caption + ".", CAPTION))
    flowables += [
        text("Arc scores", SUBHEADING),
        _arc_table(content),
        Spacer(1, 2 * mm),
        _arc_table_note(content),
    ]
    return flowables


def _picture(png: bytes, max_width: float, max_height: float) -> Image:
    """The PNG scaled to fit the box, keeping its shape."""
    width, height = ImageReader(BytesIO(png)).getSize()
    scale = min(max_width / width, max_height / height)
    return Image(BytesIO(png), width=width * scale, height=height * scale)


TARGET_NOTE = (
    "Target: the level the trust wants to reach. Gap: the target minus the score, so a negative gap means "
    "the target has been passed."
)


def _arc_table(content: RoundContent) -> Table:
    compared = content.comparison is not None
    head = ["", "Arc", "Score"]
    widths = [4 * mm, 0.0, 15 * mm]
    if _has_arc_targets(content):
        head += ["Target", "Gap"]
        widths += [14 * mm, 13 * mm]
    if compared:
        head += ["Baseline", "Change", "95% interval", "May be chance"]
        widths += [16 * mm, 15 * mm, 28 * mm, 16 * mm]
    else:
        head += ["Viewpoints counted"]
        widths += [26 * mm]
    widths[1] = FRAME_WIDTH - sum(widths)
    rows: list[list[Any]] = [[text(h, CELL_HEAD if i < 2 else CELL_HEAD_RIGHT) for i, h in enumerate(head)]]
    rows += [_arc_table_row(content, arc) for arc in content.framework.arcs]
    rows.append(_round_table_row(content))
    style: list[TableCommand] = [
        *BASE_TABLE,
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
    ]
    style += [
        ("BACKGROUND", (0, row), (0, row), colors.HexColor(arc.colour))
        for row, arc in enumerate(content.framework.arcs, start=1)
    ]
    style += [("LINEABOVE", (0, -1), (-1, -1), 0.8, INK), ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold")]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(style))
    return table


def _has_arc_targets(content: RoundContent) -> bool:
    """Whether any arc has a target as a whole (the arc table's Target and Gap columns)."""
    return any(target.viewpoint is None for target in content.targets)


def _target_figures(content: RoundContent, arc: str, viewpoint: str | None) -> list[str]:
    """Target and gap as words: empty without a target, a dash for the gap when there is no score."""
    level = targets_by_key(content).get((arc, viewpoint))
    if level is None:
        return ["", ""]
    difference = gap(level, current_score(content, arc, viewpoint))
    return [f"{level:.2f}", DASH if difference is None else f"{difference:.2f}"]


def _arc_table_row(content: RoundContent, arc: Arc) -> list[Any]:
    value = content.scores.arcs.get(arc.key)
    row: list[Any] = ["", text(arc.title, CELL), score(value)]
    if _has_arc_targets(content):
        row += _target_figures(content, arc.key, None)
    if content.comparison is None:
        cells = [c for c in content.scores.cells if c.arc == arc.key]
        return [*row, f"{sum(not c.suppressed for c in cells)} of {len(cells)}"]
    compared = arc_comparisons(content).get(arc.key)
    return row + _change_figures(compared, comparable=arc_is_comparable(content, arc.key))


def _change_figures(compared: ArcComparison | None, *, comparable: bool) -> list[Any]:
    """Baseline, change, interval, may-be-chance for an arc's row."""
    if compared is None:
        return ["", "", "", ""]
    baseline = score(compared.baseline)
    if compared.delta is None:
        return [baseline, DASH if comparable else "not compared", "", ""]
    chance = "yes" if compared.includes_zero else "no"
    return [baseline, change(compared.delta), interval(compared.ci_low, compared.ci_high), chance]


def _round_table_row(content: RoundContent) -> list[Any]:
    row: list[Any] = ["", "Round score", score(content.scores.overall)]
    if _has_arc_targets(content):
        row += ["", ""]
    if content.comparison is None:
        return [*row, ""]
    baseline, delta = overall_change(content)
    return [*row, score(baseline), DASH if delta is None else change(delta), "", ""]


def _arc_table_note(content: RoundContent) -> Paragraph:
    note = (
        "Scores run from 1 (fragmented) to 5 (integrated). An arc score is the mean of the scores from the "
        "viewpoints with enough answers; the round score is the mean of the arc scores."
    )
    if _has_arc_targets(content):
        note += f" {TARGET_NOTE}"
    if content.comparison is not None:
        note += (
            f" Baseline is {content.baseline_name or 'the baseline round'}. Change is this round minus the "
            "baseline. “May be chance” means the 95% interval of the change includes 0, so the change could "
            "be down to who happened to answer. “Not compared” means the statements asked were not the "
            "same."
        )
    return text(note, SMALL)


# --- a page per arc -----------------------------------------------------------------------------------------


def _arc_page(content: RoundContent, arc: Arc) -> list[Flowable]:
    return [
        _arc_banner(arc),
        Spacer(1, 2 * mm),
        text(arc.about, SMALL),
        text(_arc_score_line(content, arc), BODY),
        _picture(_arc_chart(content, arc), FRAME_WIDTH, _chart_height(content, arc)),
        Spacer(1, 2 * mm),
        KeepTogether([_viewpoint_table(content, arc), Spacer(1, 2 * mm), _viewpoint_table_note(content)]),
        *_arc_actions(content, arc),
        *_arc_support(content, arc),
    ]


def _chart_height(content: RoundContent, arc: Arc) -> float:
    """Room for the chart: smaller when the arc has actions or support needs, so that a few of them still
    fit on the arc's page."""
    has_plan = any(arc.key in action.arcs for action in content.actions)
    has_plan = has_plan or any(need.arc == arc.key for need in content.support_needs)
    return (62 if has_plan else 90) * mm


def _arc_banner(arc: Arc) -> Table:
    """The arc's title on a band of its colour, in whichever of black or white reads better on it."""
    style = _style(f"banner_{arc.key}", 15, bold=True, leading=19, textColor=colors.HexColor(arc.text_colour))
    banner = Table([[text(arc.title, style)]], colWidths=[FRAME_WIDTH])
    banner.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(arc.colour)),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return banner


def _arc_score_line(content: RoundContent, arc: Arc) -> str:
    cells = [c for c in content.scores.cells if c.arc == arc.key]
    counted = sum(not c.suppressed for c in cells)
    value = content.scores.arcs.get(arc.key)
    if value is None:
        line = f"Arc score: none, because every viewpoint had {TOO_FEW}."
    else:
        line = f"Arc score: {value:.2f}, from {counted} of {len(cells)} viewpoints."
    compared = arc_comparisons(content).get(arc.key)
    if content.comparison is None or compared is None:
        return line
    baseline = content.baseline_name or "the baseline"
    line += f" {baseline}: {score(compared.baseline)}."
    if compared.delta is not None:
        line += (
            f" Change {change(compared.delta)}, 95% interval {interval(compared.ci_low, compared.ci_high)}"
        )
        line += ": this may be chance." if compared.includes_zero else "."
    return line


def _arc_chart(content: RoundContent, arc: Arc) -> bytes:
    """The viewpoint bars; a suppressed cell reaches the chart as None, whatever figures it holds."""
    compared = cell_comparisons(content)
    targets = targets_by_key(content)
    rows = []
    for cell in _arc_cells(content, arc):
        current = None if cell.suppressed else cell.mean
        before = compared.get((cell.arc, cell.viewpoint))
        baseline = None if before is None else before.baseline
        rows.append((content.framework.viewpoint(cell.viewpoint).label, current, baseline))
    return draw_viewpoint_bars(
        arc_title=arc.title,
        colour=arc.colour,
        rows=rows,
        current_label=content.round_name,
        baseline_label=(content.baseline_name or "Baseline") if content.comparison is not None else None,
        targets=[targets.get((cell.arc, cell.viewpoint)) for cell in _arc_cells(content, arc)],
    )


def _arc_cells(content: RoundContent, arc: Arc) -> list[Cell]:
    by_viewpoint = {c.viewpoint: c for c in content.scores.cells if c.arc == arc.key}
    return [by_viewpoint[key] for key in content.framework.viewpoint_keys if key in by_viewpoint]


FIGURE_HEAD = ["People", "Mean", "Median", "Spread", "1", "2", "3", "4", "5", "Don't know", "Not applicable"]
FIGURE_WIDTHS = [11, 9.5, 11.5, 11.5, 7, 7, 7, 7, 7, 9.5, 15.5]  # mm; the viewpoint column takes what is left
CHANGE_HEAD = ["Baseline", "Change"]
CHANGE_WIDTHS = [14, 18.5]  # mm: "not compared" on one line
TARGET_WIDTH = 12.5  # mm: "gap 0.75" on one line
FIRST_RATING_COLUMN = 5
MEAN_COLUMN = 2


def _viewpoint_table(content: RoundContent, arc: Arc) -> Table:
    """A row per viewpoint; with targets, a Target column and a last row for the arc as a whole."""
    compared = content.comparison is not None
    with_targets = bool(content.targets)
    head = [
        "Viewpoint",
        *FIGURE_HEAD,
        *(CHANGE_HEAD if compared else []),
        *(["Target"] if with_targets else []),
    ]
    widths = [w * mm for w in FIGURE_WIDTHS + (CHANGE_WIDTHS if compared else [])]
    widths += [TARGET_WIDTH * mm] if with_targets else []
    widths.insert(0, FRAME_WIDTH - sum(widths))
    ratings_label: list[str | Paragraph] = ["" for _ in head]
    ratings_label[FIRST_RATING_COLUMN] = text("Ratings given", CELL_HEAD)
    rows: list[list[Any]] = [
        ratings_label,
        [text(h, CELL_HEAD if i == 0 else CELL_HEAD_RIGHT) for i, h in enumerate(head)],
    ]
    style: list[TableCommand] = [
        *BASE_TABLE,
        ("BACKGROUND", (0, 0), (-1, 1), HEADER_FILL),
        ("SPAN", (FIRST_RATING_COLUMN, 0), (FIRST_RATING_COLUMN + 4, 0)),
        ("LINEBELOW", (0, 0), (-1, 0), 0, HEADER_FILL),
        ("LINEBELOW", (FIRST_RATING_COLUMN, 0), (FIRST_RATING_COLUMN + 4, 0), 0.4, RULE),
        ("ALIGN", (1, 2), (-1, -1), "RIGHT"),
    ]
    comparisons = cell_comparisons(content)
    for index, cell in enumerate(_arc_cells(content, arc), start=2):
        label = text(content.framework.viewpoint(cell.viewpoint).label, CELL)
        row = [label, *_cell_figures(content, cell, style, index)]
        if compared:
            row += _cell_change(comparisons.get((cell.arc, cell.viewpoint)), cell.suppressed)
        if with_targets:
            row.append(_target_cell(content, arc.key, cell.viewpoint))
        rows.append(row)
    if with_targets:
        rows.append(_whole_arc_row(content, arc, len(head)))
        style += [("LINEABOVE", (0, -1), (-1, -1), 0.8, INK)]
    table = Table(rows, colWidths=widths, repeatRows=2)
    table.setStyle(TableStyle(style))
    return table


def _target_cell(content: RoundContent, arc: str, viewpoint: str | None) -> Any:
    """The target with its gap under it in small type; empty without a target."""
    level, difference = _target_figures(content, arc, viewpoint)
    if not level:
        return ""
    return Paragraph(f"{level}<br/><font size=6.5>gap {difference}</font>", CELL_RIGHT)


def _whole_arc_row(content: RoundContent, arc: Arc, columns: int) -> list[Any]:
    """The arc score under the Mean column and the whole arc's target in the last column."""
    row: list[Any] = [""] * columns
    row[0] = text(WHOLE_ARC, CELL_BOLD)
    row[MEAN_COLUMN] = score(content.scores.arcs.get(arc.key))
    if row[MEAN_COLUMN] == TOO_FEW:
        row[MEAN_COLUMN] = DASH
    row[-1] = _target_cell(content, arc.key, None)
    return row


def _cell_figures(content: RoundContent, cell: Cell, style: list[Any], row: int) -> list[Any]:
    """The cell's figures, or for a suppressed cell the words "too few answers" across all their columns."""
    if cell.suppressed:
        style += [("SPAN", (1, row), (len(FIGURE_HEAD), row)), ("ALIGN", (1, row), (1, row), "LEFT")]
        words = f"{TOO_FEW} (fewer than {content.scores.min_group_size})"
        return [text(words, CELL_NOTE), *[""] * (len(FIGURE_HEAD) - 1)]
    distribution = cell.distribution or {}
    return [
        str(cell.n),
        score(cell.mean),
        score(cell.median),
        DASH if cell.spread is None else f"{cell.spread:.2f}",
        *(str(distribution.get(str(rating), 0)) for rating in range(1, 6)),
        str(cell.dont_know),
        str(cell.not_applicable),
    ]


def _cell_change(compared: CellComparison | None, suppressed: bool) -> list[Any]:
    if compared is None:
        return ["", ""]
    baseline = text(score(compared.baseline), CELL_RIGHT if compared.baseline is not None else CELL_NOTE)
    if not compared.comparable:
        return [baseline, text("not compared", CELL_NOTE)]
    if suppressed or compared.delta is None:
        return [baseline, DASH]
    if compared.includes_zero:
        words = f"{change(compared.delta)}<br/><font size=6.5><i>may be chance</i></font>"
        return [baseline, Paragraph(words, CELL_RIGHT)]
    return [baseline, change(compared.delta)]


def _viewpoint_table_note(content: RoundContent) -> Paragraph:
    note = (
        "People: how many people's answers are counted. Mean and median are of each person's score for the "
        "arc (the mean of their ratings, 1 fragmented to 5 integrated); spread is the standard deviation. "
        "Ratings given counts every rating of the arc's statements."
    )
    if content.comparison is not None:
        note += (
            f" Baseline: the mean in {content.baseline_name or 'the baseline round'}. Change: this round "
            "minus the baseline; “may be chance” when its 95% interval includes 0."
        )
    if content.targets:
        note += (
            " Target: the level the trust wants to reach (a dark tick on the chart), with the gap, target "
            f"minus score, under it. {WHOLE_ARC}: the arc score and the arc's own target."
        )
    return text(note, SMALL)


def _arc_actions(content: RoundContent, arc: Arc) -> list[Flowable]:
    """The arc's actions, most urgent first; nothing when the trust has no action plan at all."""
    if not content.actions:
        return []
    actions = by_urgency(action for action in content.actions if arc.key in action.arcs)
    heading = text("Actions on this arc", TABLE_HEADING)
    if not actions:
        return [heading, text("The action plan has no action on this arc.", SMALL)]
    columns: list[Column] = [
        ("Action", 40, lambda a: text(a.title, CELL)),
        ("Outcomes", 0, lambda a: _optional(a.outcomes)),
        ("By when", 26, lambda a: text(when_text(a), CELL)),
        ("Lead officer", 28, lambda a: _optional(a.lead_officer)),
        ("Status", STATUS_WIDTH, lambda a: text(action_status_label(a.status), CELL)),
    ]
    return [heading, _plan_table(columns, actions)]


def _arc_support(content: RoundContent, arc: Arc) -> list[Flowable]:
    needs = [need for need in content.support_needs if need.arc == arc.key]
    if not needs:
        return []
    return [text("Support needed", TABLE_HEADING), _support_table(needs)]


# --- the action plan and support needs ----------------------------------------------------------------------


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


def _optional(value: str | None) -> str | Paragraph:
    return DASH if not value else lines(value)


#: A column of an actions table: heading, width in mm (0 for what is left), the cell for an action.
Column = tuple[str, float, Callable[[ActionLine], Any]]


def _plan_table(columns: Sequence[Column], actions: Sequence[ActionLine]) -> Table:
    """Actions as a table whose rows may split across pages (an outcome may run to 2,000 characters), with
    each status in words on its tint."""
    widths = [width * mm for _heading, width, _cell in columns]
    rest = widths.index(0)
    widths[rest] = FRAME_WIDTH - sum(widths)
    rows: list[list[Any]] = [[text(heading, CELL_HEAD) for heading, _width, _cell in columns]]
    rows += [[cell(action) for _heading, _width, cell in columns] for action in actions]
    style: list[TableCommand] = [
        *BASE_TABLE,
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    status = [heading for heading, _width, _cell in columns].index("Status")
    style += [
        ("BACKGROUND", (status, row), (status, row), STATUS_TINTS[action.status])
        for row, action in enumerate(actions, start=1)
        if action.status in STATUS_TINTS
    ]
    table = Table(rows, colWidths=widths, repeatRows=1, splitInRow=1)
    table.setStyle(TableStyle(style))
    return table


def _action_plan_section(content: RoundContent) -> list[Flowable]:
    framework = content.framework
    columns: list[Column] = [
        ("Action", 28, lambda a: text(a.title, CELL_BOLD)),
        ("Arcs", 24, lambda a: text("; ".join(arc_name(framework, key, short=True) for key in a.arcs), CELL)),
        ("Outcomes", 0, lambda a: _optional(a.outcomes)),
        ("By when", 20, lambda a: text(when_text(a), CELL)),
        ("Lead officer", 19, lambda a: _optional(a.lead_officer)),
        ("Resources or cost", 21, lambda a: _optional(a.resources)),
        ("Status", STATUS_WIDTH, lambda a: text(action_status_label(a.status), CELL)),
    ]
    return [
        text("Action plan", HEADING),
        text(
            f"{_plan_sentence(content.actions)} Actions at risk come first, then those not started, on track "
            "and done; within each, the soonest due first.",
            BODY,
        ),
        _plan_table(columns, by_urgency(content.actions)),
    ]


def _support_section(content: RoundContent) -> list[Flowable]:
    return [
        text("Support needs", HEADING),
        text("The help the trust says it needs to move each arc on, arc by arc.", BODY),
        _support_table(support_in_order(content), arcs=content.framework),
    ]


def _support_table(needs: Sequence[SupportLine], *, arcs: Framework | None = None) -> Table:
    """Kind and description of each need; with `arcs` (the framework), an Arc column first. Every row names
    its arc, so that a row carried over to the next page still says which arc it is about; a rule marks where
    one arc's needs end."""
    head = ["Kind of support", "What is needed"]
    widths = [30 * mm]
    rows = [[text(support_kind_label(need.kind), CELL), lines(need.description)] for need in needs]
    style: list[TableCommand] = [
        *BASE_TABLE,
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if arcs is not None:
        head.insert(0, "Arc")
        widths.insert(0, 45 * mm)
        for row, need in zip(rows, needs, strict=True):
            row.insert(0, text(arc_name(arcs, need.arc), CELL_BOLD))
        style += [
            ("LINEABOVE", (0, index), (-1, index), 0.8, INK)
            for index in range(2, len(needs) + 1)
            if needs[index - 1].arc != needs[index - 2].arc
        ]
    widths.append(FRAME_WIDTH - sum(widths))
    table = Table([[text(h, CELL_HEAD) for h in head], *rows], colWidths=widths, repeatRows=1, splitInRow=1)
    table.setStyle(TableStyle(style))
    return table


# --- method -------------------------------------------------------------------------------------------------


def _entered_paragraphs(content: RoundContent) -> list[tuple[str, ParagraphStyle]]:
    """Which figures include answers staff typed in from paper or imported, and who entered them."""
    if not content.entered_by_staff:
        return [("No answers in the figures shown were typed in or imported by staff.", BODY)]
    lines = [
        f"{content.framework.arc(line.arc).short_title}, "
        f"{content.framework.viewpoint(line.viewpoint).label}: "
        f"{line.people} {'person' if line.people == 1 else 'people'}, by {line.who}"
        for line in content.entered_by_staff
    ]
    return [
        ("Answers entered by staff", SUBHEADING),
        (
            "These figures include answers that staff typed in from paper questionnaires or imported; each "
            "counts as known to whoever entered it, and a figure is shown only when the other people in it "
            "are none or at least the minimum group size. " + "; ".join(lines) + ".",
            BODY,
        ),
    ]


def _method_page(content: RoundContent) -> list[Flowable]:
    minimum = content.scores.min_group_size
    confidence = round(CONFIDENCE * 100)
    paragraphs: list[tuple[str, ParagraphStyle]] = [
        ("How the scores are worked out", HEADING),
        (
            "People rate statements about each arc from 1 (fragmented) to 5 (integrated), or answer “don't "
            "know” or “not applicable”. They answer from one of five viewpoints: children and young people, "
            "practitioners, teams, services and the children's trust as a whole.",
            BODY,
        ),
        (
            "A person's score for an arc is the mean of their ratings of that arc's statements. “Don't know” "
            "and “not applicable” answers are counted but never scored, and someone who rated none of an "
            "arc's statements is not counted for that arc.",
            BODY,
        ),
        (
            "A group is one arc seen from one viewpoint. Its figures are the number of people counted, the "
            "mean and median of their arc scores, the spread (standard deviation) of those scores, how many "
            "times each rating from 1 to 5 was given, and how many “don't know” and “not applicable” answers "
            "there were.",
            BODY,
        ),
        (
            "An arc score is the mean of the means of the arc's groups that have enough answers, so that "
            "each viewpoint counts the same however many people answered from it. An arc with no group of "
            "enough answers has no score. The round score is the mean of the arc scores.",
            BODY,
        ),
        ("Comparing with a baseline round", SUBHEADING),
        (
            f"A change is this round's score minus the baseline round's. Its {confidence}% interval comes "
            "from a bootstrap: the people in each group are resampled with replacement "
            f"{BOOTSTRAP_SAMPLES:,} times and the change worked out each time. A fixed seed is used, so the "
            "same answers always give the same interval. When the interval includes 0 the change may be "
            "chance: a different set of people answering could have given no change at all. Groups are "
            "compared only when both rounds used the same version of the framework and asked the same "
            "statements.",
            BODY,
        ),
        ("Keeping answers anonymous", SUBHEADING),
        (
            f"A group with fewer than {minimum} people counted shows no figures at all, not even how many "
            f"people answered: this pack says “{TOO_FEW} (fewer than {minimum})” instead. This protects the "
            "people who answered, especially children and young people, from being identified by their "
            "answers. Such a group is left out of its arc score. Free-text comments are released only from "
            f"groups of at least {content.comment_min_group_size} people, and this pack does not reproduce "
            "comments.",
            BODY,
        ),
        *_entered_paragraphs(content),
        ("About the framework", SUBHEADING),
        (
            f"{content.framework.title}, version {content.framework.version}. {content.framework.provenance}",
            BODY,
        ),
    ]
    return [text(value, style) for value, style in paragraphs]
