"""The board pack as an accessible document (PDF/UA-1, as the Public Sector Bodies Accessibility Regulations
ask of a document sent to partners): a machine check of PDF/UA, tagged, fonts embedded, title and language,
headings, header cells with their scope, and every chart with alternative text; its true creation date."""

from __future__ import annotations

import io
import subprocess
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

import pikepdf
import pytest
from pdfua import Severity, validate

from app.exports.board_pack import board_pack_pdf, css_string
from app.exports.content import RoundContent
from tests.app.exports.conftest import SUPPRESSED, MakeContent, with_figures_in_suppressed_cell
from tests.tools import require_tool


@pytest.fixture(scope="module")
def pdf(make_content: MakeContent) -> bytes:
    """The fullest pack: the rainbow, a baseline, targets, actions and support needs."""
    return board_pack_pdf(make_content(rainbow=True, compared=True, plan=True))


@pytest.fixture(scope="module")
def pdf_file(pdf: bytes, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pack") / "board-pack.pdf"
    path.write_bytes(pdf)
    return path


@dataclass(frozen=True)
class Element:
    role: str
    alt: str
    scope: str


def elements(pdf: bytes) -> list[Element]:
    """Every element of the structure tree, in reading order: its role, alternative text and scope."""
    found: list[Element] = []
    with pikepdf.open(io.BytesIO(pdf)) as document:
        stack = [document.Root.StructTreeRoot.K]
        while stack:
            element = stack.pop()
            if isinstance(element, pikepdf.Array):
                stack.extend(reversed(list(element)))
            elif isinstance(element, pikepdf.Dictionary) and "/S" in element:
                attributes = element.get("/A")
                scope = attributes.get("/Scope", "") if isinstance(attributes, pikepdf.Dictionary) else ""
                found.append(Element(str(element.S), str(element.get("/Alt", "")), str(scope)))
                if "/K" in element:
                    stack.append(element.K)
    return found


def roles(pdf: bytes) -> list[str]:
    return [element.role for element in elements(pdf)]


def test_the_pdf_ua_checker_finds_nothing_wrong(pdf_file: Path) -> None:
    report = validate(str(pdf_file))
    problems = [f"{f.rule_id} {f.message}" for f in report.findings if f.severity >= Severity.WARNING]
    assert problems == []
    assert report.outcomes, "the checker ran no rule"


def test_pdfinfo_says_the_pack_is_tagged_with_its_title(pdf_file: Path) -> None:
    pdfinfo = require_tool("pdfinfo", "poppler-utils")
    info = subprocess.run([pdfinfo, str(pdf_file)], capture_output=True, text=True, check=True).stdout
    assert "Tagged:          yes" in info
    title = "One Children's Workforce rainbow: Northshire Children's Trust, Spring 2025"
    assert f"Title:           {title}" in info


def test_pdffonts_shows_every_font_embedded(pdf_file: Path) -> None:
    pdffonts = require_tool("pdffonts", "poppler-utils")
    listing = subprocess.run([pdffonts, str(pdf_file)], capture_output=True, text=True, check=True).stdout
    fonts = listing.splitlines()[2:]
    assert fonts, listing
    for line in fonts:
        embedded = line[line.index("Identity-H") :].split()[1] if "Identity-H" in line else line.split()[-5]
        assert embedded == "yes", line


def test_the_pack_declares_its_language_and_shows_its_title(pdf: bytes) -> None:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert str(document.Root.Lang) == "en-GB"
        assert bool(document.Root.ViewerPreferences.DisplayDocTitle)
        assert bool(document.Root.MarkInfo.Marked)
        with document.open_metadata() as metadata:
            assert metadata["pdfuaid:part"] == "1"


def test_the_creation_date_is_when_the_pack_was_made(make_content: MakeContent) -> None:
    content = make_content()
    with pikepdf.open(io.BytesIO(board_pack_pdf(content))) as document:
        created = str(document.docinfo["/CreationDate"])
    assert created.startswith("D:" + content.generated_at.astimezone(UTC).strftime("%Y%m%d%H%M"))
    assert not created.startswith("D:2000")


def test_the_pack_has_a_title_heading_and_a_heading_per_arc(content: RoundContent, pdf: bytes) -> None:
    found = roles(pdf)
    assert found.count("/H1") == 1
    assert found.count("/H2") >= len(content.framework.arcs) + 2  # the brief, the rainbow, each arc, ...


def test_every_header_cell_has_its_scope(pdf: bytes) -> None:
    scopes = [element.scope for element in elements(pdf) if element.role == "/TH"]
    assert scopes
    assert set(scopes) == {"/Column", "/Row"}


def test_every_chart_has_alternative_text(content: RoundContent, pdf: bytes) -> None:
    alts = [element.alt for element in elements(pdf) if element.role == "/Figure"]
    assert len(alts) == 1 + len(content.framework.arcs)
    assert all(alts), alts
    assert alts[0].startswith("The rainbow: each arc's score for Spring 2025, against Autumn 2024.")


def test_an_arc_chart_says_its_figures_and_too_few_answers_for_a_suppressed_cell(
    content: RoundContent,
) -> None:
    leaky = with_figures_in_suppressed_cell(content)  # n=987, mean 4.987
    arc = content.framework.arc(SUPPRESSED[0])
    alts = [e.alt for e in elements(board_pack_pdf(leaky)) if e.role == "/Figure"]
    alt = next(alt for alt in alts if alt.startswith(f"Bar chart of {arc.title}"))
    assert "Child or young person too few answers; Practitioner 3.50" in alt
    assert "4.99" not in alt


def test_a_footer_with_quotes_or_markup_cannot_break_the_style_sheet() -> None:
    assert css_string('Smith "</style> \\ Jones') == '"Smith \\22 \\3c \\2f style\\3e  \\5c  Jones"'
