"""The board pack: a round's scores as a tagged, accessible A4 PDF (PDF/UA-1) for a Children's Trust Board.

A cover with a plain-English summary, the rainbow with a table of arc scores (and targets), a page per arc
(viewpoint bars, a table per viewpoint with its target, the arc's actions and support needs), the whole
action plan, the support needs, and a page on method and suppression.

The pages are HTML from a Jinja template (templates/exports/board_pack.html, which holds the wording), laid
out by WeasyPrint into a tagged PDF: headings, real tables with header cells, every chart with alternative
text and its figures in the table under it, the document's title and language, fonts embedded (DejaVu, from
Debian's fonts-dejavu-core), and the true time it was made. Jinja escapes everything people typed.

Suppression is decided upstream (app/services/disclosure): a cell marked suppressed shows "too few answers"
and none of its figures, whatever it holds.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache, lru_cache
from typing import Any

import jinja2
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from app.exports.content import RoundContent
from app.exports.pack_tables import (
    Entry,
    Table,
    arc_cells,
    numbers,
    plan_table,
    support_table,
    target_figures,
    viewpoint_table,
)
from app.exports.pack_words import (
    DASH,
    TOO_FEW,
    by_urgency,
    change,
    contents_text,
    interval,
    plan_sentence,
    score,
    summary_text,
)
from app.exports.rows import (
    WHOLE_ARC,
    arc_comparisons,
    arc_is_comparable,
    cell_comparisons,
    generated_text,
    overall_change,
    period_text,
    support_in_order,
    targets_by_key,
)
from framework.charts.viewpoint_bars import draw_viewpoint_bars
from framework.model import Arc
from framework.scoring import BOOTSTRAP_SAMPLES, CONFIDENCE, ArcComparison

PRODUCT = "One Children's Workforce rainbow"
TEMPLATE = "exports/board_pack.html"


def board_pack_pdf(content: RoundContent) -> bytes:
    """The board pack as PDF bytes; the same content gives the same bytes."""
    html = _environment().get_template(TEMPLATE).render(_context(content))
    identifier = hashlib.sha256(html.encode()).digest()[:16]
    # The pack's pictures are in it (data: URIs); nothing, whatever someone typed, fetches anything else.
    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).render()
    return bytes(
        document.write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=identifier, finisher=_scope_headers)
    )


@cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("app", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["css_string"] = css_string
    return environment


def css_string(value: str) -> str:
    """`value` as a CSS string literal, every character but letters, digits and spaces escaped, so that
    nothing typed can end the string or the style sheet."""
    escaped = "".join(c if (c.isalnum() and c.isascii()) or c == " " else f"\\{ord(c):x} " for c in value)
    return f'"{escaped}"'


def _scope_headers(_document: Any, pdf: Any) -> None:
    """Give every header cell its /Scope (PDF/UA 7.5): Column under a table's head, Row in its body.

    WeasyPrint tags header cells as /TH and links data cells to them by /Headers; the scope says the same
    for readers and checkers that look at the header cell itself."""
    headers = [obj for obj in pdf.objects if hasattr(obj, "get") and obj.get("S") == "/TH"]
    for element in headers:
        row = _parent(pdf, element)
        part = _parent(pdf, row) if row is not None else None
        scope = "/Column" if part is not None and part.get("S") == "/THead" else "/Row"
        attributes = element.get("A")
        if attributes is not None:
            attributes["Scope"] = scope


def _parent(pdf: Any, element: Any) -> Any:
    reference = element.get("P")
    if reference is None:
        return None
    number = reference.split()[0] if isinstance(reference, bytes) else str(reference).split()[0]
    return pdf.objects[int(number)]


def _png_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def _context(content: RoundContent) -> dict[str, Any]:
    round_line = content.round_name
    if content.baseline_name is not None:
        round_line += f", compared with {content.baseline_name}"
    framework = content.framework
    return {
        "c": content,
        "product": PRODUCT,
        "title": f"{PRODUCT}: {content.trust_name}, {content.round_name}",
        "created": content.generated_at.isoformat(timespec="seconds"),
        "footer": f"{content.trust_name} · {content.round_name}",
        "round_line": round_line,
        "facts": [
            ("Period", period_text(content)),
            ("Generated", generated_text(content.generated_at)),
            ("Framework", f"{framework.title}, version {framework.version}"),
        ],
        "summary": summary_text(content),
        "contents": contents_text(content),
        "rainbow": _rainbow(content),
        "arc_table": _arc_table(content),
        "arc_targets": _has_arc_targets(content),
        "arcs": [_arc_section(content, arc) for arc in framework.arcs],
        "plan_sentence": plan_sentence(content.actions) if content.actions else "",
        "plan_table": plan_table(content, by_urgency(content.actions)) if content.actions else None,
        "support_table": support_table(content, support_in_order(content), with_arc=True),
        "min_n": content.scores.min_group_size,
        "confidence": round(CONFIDENCE * 100),
        "samples": f"{BOOTSTRAP_SAMPLES:,}",
        "too_few": TOO_FEW,
        "whole_arc": WHOLE_ARC,
        "entered": [
            f"{framework.arc(line.arc).short_title}, {framework.viewpoint(line.viewpoint).label}: "
            f"{line.people} {'person' if line.people == 1 else 'people'}, by {line.who}"
            for line in content.entered_by_staff
        ],
    }


# --- the rainbow and the arc table --------------------------------------------------------------------------


def _rainbow(content: RoundContent) -> dict[str, str] | None:
    if content.rainbow_png is None:
        return None
    caption = f"The rainbow: each arc's score for {content.round_name}"
    if content.baseline_name is not None:
        caption += f", against {content.baseline_name}"
    figures = "; ".join(
        f"{arc.title} {score(content.scores.arcs.get(arc.key))}" for arc in content.framework.arcs
    )
    alt = f"{caption}. {figures}. The table of arc scores below gives every figure."
    return {"uri": _png_uri(content.rainbow_png), "caption": caption + ".", "alt": alt}


def _has_arc_targets(content: RoundContent) -> bool:
    """Whether any arc has a target as a whole (the arc table's Target and Gap columns)."""
    return any(target.viewpoint is None for target in content.targets)


def _arc_table(content: RoundContent) -> Table:
    head = ["Arc", "Score"]
    head += ["Target", "Gap"] if _has_arc_targets(content) else []
    compared = content.comparison is not None
    head += ["Baseline", "Change", "95% interval", "May be chance"] if compared else ["Viewpoints counted"]
    table = Table(
        caption="",
        head=[[Entry(h, header=True, numeric=i > 0) for i, h in enumerate(head)]],
        classes="arcs",
        swatches=[arc.colour for arc in content.framework.arcs] + [None],
        total_last=True,
    )
    table.rows = [_arc_row(content, arc) for arc in content.framework.arcs] + [_round_row(content)]
    return table


def _arc_row(content: RoundContent, arc: Arc) -> list[Entry]:
    row = [Entry(arc.title, header=True), *numbers([score(content.scores.arcs.get(arc.key))])]
    if _has_arc_targets(content):
        row += numbers(target_figures(content, arc.key, None))
    if content.comparison is None:
        cells = [c for c in content.scores.cells if c.arc == arc.key]
        return [*row, *numbers([f"{sum(not c.suppressed for c in cells)} of {len(cells)}"])]
    compared = arc_comparisons(content).get(arc.key)
    return row + numbers(_change_figures(compared, comparable=arc_is_comparable(content, arc.key)))


def _change_figures(compared: ArcComparison | None, *, comparable: bool) -> list[str]:
    """Baseline, change, interval, may-be-chance for an arc's row."""
    if compared is None:
        return ["", "", "", ""]
    baseline = score(compared.baseline)
    if compared.delta is None:
        return [baseline, DASH if comparable else "not compared", "", ""]
    chance = "yes" if compared.includes_zero else "no"
    return [baseline, change(compared.delta), interval(compared.ci_low, compared.ci_high), chance]


def _round_row(content: RoundContent) -> list[Entry]:
    row = [Entry("Round score", header=True), *numbers([score(content.scores.overall)])]
    if _has_arc_targets(content):
        row += numbers(["", ""])
    if content.comparison is None:
        return [*row, Entry()]
    baseline, delta = overall_change(content)
    return row + numbers([score(baseline), change(delta), "", ""])


# --- a page per arc -----------------------------------------------------------------------------------------


def _arc_section(content: RoundContent, arc: Arc) -> dict[str, Any]:
    actions = by_urgency(action for action in content.actions if arc.key in action.arcs)
    needs = [need for need in content.support_needs if need.arc == arc.key]
    png, alt = _arc_chart(content, arc)
    return {
        "arc": arc,
        "score_line": _arc_score_line(content, arc),
        "chart": _png_uri(png),
        "alt": alt,
        "table": viewpoint_table(content, arc),
        "actions": plan_table(content, actions, on_arc=True) if actions else None,
        "support": support_table(content, needs, with_arc=False),
        "short_chart": bool(actions or needs),
    }


def _arc_score_line(content: RoundContent, arc: Arc) -> str:
    cells = arc_cells(content, arc)
    value = content.scores.arcs.get(arc.key)
    if value is None:
        line = f"Arc score: none, because every viewpoint had {TOO_FEW}."
    else:
        counted = sum(not c.suppressed for c in cells)
        line = f"Arc score: {value:.2f}, from {counted} of {len(cells)} viewpoints."
    compared = arc_comparisons(content).get(arc.key)
    if content.comparison is None or compared is None:
        return line
    line += f" {content.baseline_name or 'The baseline'}: {score(compared.baseline)}."
    if compared.delta is not None:
        span = interval(compared.ci_low, compared.ci_high)
        line += f" Change {change(compared.delta)}, 95% interval {span}"
        line += ": this may be chance." if compared.includes_zero else "."
    return line


#: The arc charts by what they show (every argument), as the rainbow is cached by its digest: a board pack
#: downloaded again, or by another member of the board, draws none of them again (about 0.15 s each).
_viewpoint_bars = lru_cache(maxsize=256)(draw_viewpoint_bars)


def _arc_chart(content: RoundContent, arc: Arc) -> tuple[bytes, str]:
    """The viewpoint bars and their alternative text; a suppressed cell reaches both as None."""
    compared = cell_comparisons(content)
    targets = targets_by_key(content)
    rows: list[tuple[str, float | None, float | None]] = []
    words, levels = [], []
    for cell in arc_cells(content, arc):
        label = content.framework.viewpoint(cell.viewpoint).label
        current = None if cell.suppressed else cell.mean
        before = compared.get((cell.arc, cell.viewpoint))
        baseline = None if before is None or content.comparison is None else before.baseline
        target = targets.get((cell.arc, cell.viewpoint))
        rows.append((label, current, baseline))
        levels.append(target)
        said = f"{label} {score(current)}"
        said += f", baseline {score(baseline)}" if baseline is not None else ""
        said += f", target {target:.2f}" if target is not None else ""
        words.append(said)
    png = _viewpoint_bars(
        arc_title=arc.title,
        colour=arc.colour,
        rows=tuple(rows),
        current_label=content.round_name,
        baseline_label=(content.baseline_name or "Baseline") if content.comparison is not None else None,
        targets=tuple(levels),
    )
    alt = f"Bar chart of {arc.title}: the mean score from each viewpoint, 1 to 5. {'; '.join(words)}."
    return png, alt + " The table below gives every figure."
