"""Every output a trust lead or viewer can reach, read back into figures: the JSON API, the pages (their text
and aria labels), the rainbow's SVG text, the CSV and XLSX downloads, the PDF's text and the room's results.

The readers know only what a person reading the output would: labels, numbers and where they stand.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import openpyxl
import pypdf
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient

from framework.model import Framework

#: How far a mean as printed may be from the exact one (pages print two decimals, the chart one).
TWO_PLACES, ONE_PLACE, EXACT = 0.0051, 0.051, 1e-6


@dataclass(frozen=True)
class Figure:
    """One figure someone was given about a cell, a statement of a cell, or a statement of a room."""

    source: str
    kind: str  # "cell", "statement" or "room"
    viewpoint: str
    arc: str
    item: str | None = None
    n: int | None = None
    mean: float | None = None
    counts: tuple[int, ...] | None = None  # rated 1..5
    as_published: int | None = None
    session: int | None = None  # the app's session id, for a room
    as_revealed: bool = False  # a room figure shown as it was revealed before
    precision: float = TWO_PLACES

    @property
    def label(self) -> str:
        where = self.item or f"{self.arc}/{self.viewpoint}"
        return f"{self.source}: {self.kind} {where}"


@dataclass(frozen=True)
class Labels:
    """The words outputs use for viewpoints and arcs, back to their keys."""

    viewpoints: Mapping[str, str]
    arcs: Mapping[str, str]  # title and short title -> key

    @classmethod
    def of(cls, framework: Framework) -> Labels:
        arcs = {arc.title: arc.key for arc in framework.arcs} | {a.short_title: a.key for a in framework.arcs}
        return cls({v.label: v.key for v in framework.viewpoints}, arcs)


def _number(text: object) -> float | None:
    if text is None or text == "":
        return None
    try:
        return float(str(text))
    except ValueError:
        return None


def _counts(values: Iterable[object]) -> tuple[int, ...] | None:
    numbers = [_number(v) for v in values]
    if any(n is None for n in numbers):
        return None
    return tuple(int(n) for n in numbers if n is not None)


# --- the JSON API -------------------------------------------------------------------------------------------


def scores_json(
    client: TestClient, headers: Mapping[str, str], round_id: int
) -> tuple[int | None, list[Figure]]:
    """The round's scores (409 before publication: no figures) and the publication they are from."""
    response = client.get(f"/api/rounds/{round_id}/scores", headers=headers)
    if response.status_code == 409:
        return None, []
    assert response.status_code == 200, response.text
    body = response.json()
    source = f"GET /api/rounds/{round_id}/scores"
    figures = [
        Figure(
            source,
            "cell",
            cell["viewpoint"],
            cell["arc"],
            n=cell["n"],
            mean=cell["mean"],
            counts=tuple(cell["distribution"][str(r)] for r in range(1, 6)),
            as_published=cell.get("as_published"),
            precision=EXACT,
        )
        for cell in body["cells"]
        if cell["n"] is not None
    ]
    return body.get("publication"), figures


def room_json(
    client: TestClient, headers: Mapping[str, str], session_id: int, arc_of: Mapping[str, str]
) -> list[Figure]:
    response = client.get(f"/api/sessions/{session_id}/results", headers=headers)
    if response.status_code != 200:
        return []
    figures = []
    for statement in response.json():
        counts = statement.get("counts")
        if not counts:
            continue
        figures.append(
            Figure(
                f"GET /api/sessions/{session_id}/results",
                "room",
                "",
                arc_of[statement["item"]],
                item=statement["item"],
                counts=tuple(int(counts.get(str(r), 0)) for r in range(1, 6)),
                session=session_id,
                as_revealed=bool(statement.get("as_revealed_at")),
            )
        )
    return figures


def coverage_json(
    client: TestClient, headers: Mapping[str, str], round_id: int
) -> list[tuple[str, str, int, int]]:
    """(arc, viewpoint, respondents shown, still needed) of every cell whose count is given."""
    response = client.get(f"/api/rounds/{round_id}/coverage", headers=headers)
    assert response.status_code == 200, response.text
    return [
        (c["arc"], c["viewpoint"], c["respondents"], c.get("still_needed") or 0)
        for c in response.json()["cells"]
        if c["respondents"] is not None
    ]


# --- downloads ----------------------------------------------------------------------


def _cell_row(source: str, row: Mapping[str, object], arc: str, viewpoint: str) -> Figure | None:
    if row.get("suppressed") != "no":
        return None
    counts = _counts(row.get(f"rated_{r}") for r in range(1, 6))
    n, mean = _number(row.get("n")), _number(row.get("mean"))
    return Figure(
        source, "cell", viewpoint, arc, n=int(n) if n is not None else None, mean=mean, counts=counts
    )


def scores_csv(client: TestClient, headers: Mapping[str, str], round_id: int) -> list[Figure]:
    # The column codes, as a script reads them (the default headings are in words).
    response = client.get(f"/api/rounds/{round_id}/export.csv", headers=headers, params={"headers": "codes"})
    if response.status_code == 409:
        return []
    assert response.status_code == 200, response.text
    source = f"GET /api/rounds/{round_id}/export.csv"
    rows = csv.DictReader(io.StringIO(response.text.lstrip("\ufeff")))
    return [f for row in rows if (f := _cell_row(source, row, row["arc"], row["viewpoint"])) is not None]


def scores_xlsx(
    client: TestClient, headers: Mapping[str, str], round_id: int, arc_of: Mapping[str, str]
) -> list[Figure]:
    """The workbook's cells (every sheet of them) and, for leads, the statements its raw answers add up to."""
    response = client.get(f"/api/rounds/{round_id}/export.xlsx", headers=headers)
    if response.status_code == 409:
        return []
    assert response.status_code == 200, response.text
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    source = f"GET /api/rounds/{round_id}/export.xlsx"
    figures: list[Figure] = []
    for sheet in workbook.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        if not rows or rows[0][0] not in ("arc", "respondent"):
            continue
        header = [str(h) for h in rows[0]]
        records = [dict(zip(header, row, strict=False)) for row in rows[1:]]
        if header[0] == "respondent":
            figures.extend(_raw_answer_statements(f"{source} sheet {sheet.title}", records, arc_of))
            continue
        for record in records:
            viewpoint = str(record.get("viewpoint") or "")
            if not viewpoint:
                continue  # the per-viewpoint sheets repeat the cells of the main sheet
            figure = _cell_row(f"{source} sheet {sheet.title}", record, str(record["arc"]), viewpoint)
            if figure is not None:
                figures.append(figure)
    return figures


def _raw_answer_statements(
    source: str, records: list[dict[str, object]], arc_of: Mapping[str, str]
) -> list[Figure]:
    """Individual answers add up to each statement's distribution: the attacker adds them up."""
    tallies: dict[tuple[str, str], Counter[int]] = defaultdict(Counter)
    for record in records:
        rating = record.get("rating")
        key = (str(record["viewpoint"]), str(record["item"]))
        tallies[key][0] += 0
        if isinstance(rating, int | float):
            tallies[key][int(rating)] += 1
    return [
        Figure(
            source, "statement", viewpoint, arc_of[item], item=item, counts=tuple(t[r] for r in range(1, 6))
        )
        for (viewpoint, item), t in tallies.items()
        if sum(t.values())
    ]


def board_pack_pdf(
    client: TestClient, headers: Mapping[str, str], round_id: int, labels: Labels
) -> list[Figure]:
    """The PDF's text: each arc's page has a row per viewpoint, "too few answers" or eleven numbers."""
    response = client.get(f"/api/rounds/{round_id}/report.pdf", headers=headers)
    if response.status_code == 409:
        return []
    assert response.status_code == 200, response.text
    lines = [
        line.strip()
        for page in pypdf.PdfReader(io.BytesIO(response.content)).pages
        for line in page.extract_text().splitlines()
    ]
    source = f"GET /api/rounds/{round_id}/report.pdf"
    figures, arc = [], None
    for i, line in enumerate(lines):
        if line in labels.arcs and i + 1 < len(lines) and lines[i + 1].startswith("This arc is about"):
            arc = labels.arcs[line]
        elif arc and line in labels.viewpoints:
            numbers = [_number(text) for text in lines[i + 1 : i + 12]]
            if len(numbers) == 11 and all(n is not None for n in numbers):
                (
                    n,
                    mean,
                    *_,
                ) = numbers
                counts = tuple(int(c or 0) for c in numbers[4:9])
                figures.append(
                    Figure(
                        source, "cell", labels.viewpoints[line], arc, n=int(n or 0), mean=mean, counts=counts
                    )
                )
    return figures


# --- charts and pages ----------------------------------------------------------------------


def rainbow_svg(
    client: TestClient, headers: Mapping[str, str], round_id: int, viewpoint: str, labels: Labels
) -> list[Figure]:
    """One viewpoint's rainbow: the SVG's text (kept as comments beside the drawn glyphs) names each arc and
    its figure."""
    response = client.get(f"/api/rounds/{round_id}/rainbow.svg?viewpoint={viewpoint}", headers=headers)
    if response.status_code == 409:
        return []
    assert response.status_code == 200, response.text
    words = [w.strip() for w in re.findall(r"<!--(.*?)-->", response.text)]
    source = f"GET /api/rounds/{round_id}/rainbow.svg?viewpoint={viewpoint}"
    return [
        Figure(source, "cell", viewpoint, labels.arcs[word], mean=float(after), precision=ONE_PLACE)
        for word, after in itertools.pairwise(words)
        if word in labels.arcs and _number(after) is not None
    ]


_OUT_OF = re.compile(r"([^.:]+): (\d+(?:\.\d+)?) out of 5")


def dashboard_page(html: str, round_id: int, labels: Labels, viewpoints: Iterable[str]) -> list[Figure]:
    """The dashboard's small multiples, read from their alternative text (a sentence per arc)."""
    soup = BeautifulSoup(html, "html.parser")
    by_label = {label: key for label, key in labels.viewpoints.items() if key in set(viewpoints)}
    figures = []
    for image in soup.find_all("img"):
        alt = str(image.get("alt") or "")
        label = alt.split(". ", 1)[0]
        if label not in by_label:
            continue
        for arc, mean in _OUT_OF.findall(alt):
            if arc.strip() in labels.arcs:
                figures.append(
                    Figure(
                        f"page /trust/rounds/{round_id} (chart text)",
                        "cell",
                        by_label[label],
                        labels.arcs[arc.strip()],
                        mean=float(mean),
                        precision=ONE_PLACE,
                    )
                )
    return figures


_RATED = re.compile(r"(\d+) rated (\d)")
_MEAN = re.compile(r"Mean (\d+\.\d+)")
_AS_PUBLISHED = re.compile(r"as published in publication (\d+)")


def arc_page(html: str, round_id: int, arc: str, labels: Labels) -> list[Figure]:
    """An arc's page: each viewpoint's row (people, mean and the aria label of its ratings) and each
    statement (its mean and the aria label of its ratings)."""
    soup = BeautifulSoup(html, "html.parser")
    source = f"page /trust/rounds/{round_id}/arcs/{arc}"
    figures = []
    table = soup.find("table")
    for row in table.find_all("tr") if isinstance(table, Tag) else []:
        header, cells = row.find("th"), row.find_all("td")
        if header is None or len(cells) < 7 or header.get_text(strip=True) not in labels.viewpoints:
            continue
        bar = row.find(attrs={"role": "img"})
        figures.append(
            Figure(
                source,
                "cell",
                labels.viewpoints[header.get_text(strip=True)],
                arc,
                n=int(cells[0].get_text(strip=True)),
                mean=_number(cells[1].get_text(strip=True)),
                counts=_aria_counts(bar),
            )
        )
    for item in soup.select("ol.statements li"):
        bar = item.find(attrs={"role": "img"})
        if not isinstance(bar, Tag):
            continue
        code = str(bar.get("aria-label", "")).split(":", 1)[0]
        text = item.get_text(" ", strip=True)
        mean, published = _MEAN.search(text), _AS_PUBLISHED.search(text)
        figures.append(
            Figure(
                source,
                "statement",
                code.split(".")[1],
                arc,
                item=code,
                mean=float(mean.group(1)) if mean else None,
                counts=_aria_counts(bar),
                as_published=int(published.group(1)) if published else None,
            )
        )
    return figures


def _aria_counts(bar: object) -> tuple[int, ...] | None:
    if not isinstance(bar, Tag):
        return None
    found = {int(r): int(c) for c, r in _RATED.findall(str(bar.get("aria-label", "")))}
    return tuple(found.get(r, 0) for r in range(1, 6))


def room_page(html: str, session_id: int, viewpoint: str, arc_of: Mapping[str, str]) -> list[Figure]:
    """The facilitator's room page after the reveal: each statement's table of people per answer."""
    soup = BeautifulSoup(html, "html.parser")
    figures = []
    for article in soup.select("article.statement"):
        table = article.find("table", class_="distribution")
        if not isinstance(table, Tag):
            continue
        code = str(article.get("id", "")).removeprefix("item-").replace("-", ".")
        counts = [int(td.get_text(strip=True)) for td in table.select("td.count")][:5]
        caption = table.find("caption")
        figures.append(
            Figure(
                f"page /facilitate/sessions/{session_id}",
                "room",
                viewpoint,
                arc_of[code],
                item=code,
                counts=tuple(counts),
                session=session_id,
                as_revealed="as shown at" in (caption.get_text() if caption else ""),
            )
        )
    return figures
