"""A round's downloads: the scores as CSV or XLSX and the PDF board pack, for a member of the round's trust.

The content is gathered once (`round_content`), from the round's report after suppression, with its targets,
the trust's action plan and the support needs; the writers in `app.exports` only lay it out. Leads' workbooks
add the raw anonymous answers of the cells shown. Every download is recorded in the audit log here, so the
API and the CLI cannot forget it.

The writers bring openpyxl, weasyprint and matplotlib, most of a second of imports, so each is imported when
first used: the first download after a start pays once, rather than every start-up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Engine
from sqlmodel import Session

from app.db.columns import utcnow
from app.db.engine import read_session, write_session
from app.db.tables import Action
from app.exports.content import ActionLine, EnteredLine, RoundContent, SupportLine, TargetLine, TrendSheet
from app.exports.rows import CsvHeaders
from app.identity import Staff
from app.permissions import LEADS, can
from app.services.disclosure.raw_answers import raw_answers
from app.services.insights import rainbow_chart
from app.services.reports import ReportContext, round_report
from app.services.trend import trust_trend
from app.store import actions, audit, rounds, support_needs
from framework.charts.rainbow import render

Format = Literal["csv", "xlsx", "pdf"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx", "pdf")
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


#: Who reads a round through the command line (``rainbow export``): anyone's, as a site administrator may.
#: For access checks only: the audit log records the command line, with no account.
COMMAND_LINE = Staff(user_id=0, email="", is_admin=True)
_SUFFIXES = {"csv": "scores.csv", "xlsx": "scores.xlsx", "pdf": "board-report.pdf"}


@dataclass(frozen=True)
class Download:
    filename: str
    media_type: str
    body: bytes


def round_download(
    engine: Engine,
    *,
    staff: Staff | None,
    round_id: int,
    baseline_id: int | None,
    fmt: Format,
    context: ReportContext,
    csv_headers: CsvHeaders = "words",
) -> Download:
    """The round's download in `fmt` for `staff` (None: the command line, which reads as a lead), recorded in
    the audit log as ``round.export.<fmt>``. A CSV is headed in words, or by the columns' codes
    (`csv_headers`).

    :raises NotFound: an unknown round or baseline, one of another trust; :raises Invalid: the round as
        its own baseline.
    """
    content, stem = round_content(
        engine, staff=staff, round_id=round_id, baseline_id=baseline_id, fmt=fmt, context=context
    )
    if fmt == "csv":
        from app.exports.tabular import scores_csv

        # The byte order mark makes Excel read the file as UTF-8 (arc titles, names with accents).
        body = ("\ufeff" + scores_csv(content, headers=csv_headers)).encode()
        return Download(f"{stem}-{_SUFFIXES[fmt]}", "text/csv; charset=utf-8", body)
    if fmt == "xlsx":
        from app.exports.tabular import scores_xlsx

        return Download(f"{stem}-{_SUFFIXES[fmt]}", XLSX_MEDIA_TYPE, scores_xlsx(content))
    from app.exports.board_pack import board_pack_pdf

    return Download(f"{stem}-{_SUFFIXES[fmt]}", "application/pdf", board_pack_pdf(content))


def download_name(engine: Engine, *, round_id: int, fmt: Format) -> str:
    """The name a download of the round gets, read without making it (nothing is recorded).

    :raises NotFound: an unknown round.
    """
    with read_session(engine) as db:
        db_round, trust, _ = rounds.get_round_and_baseline(
            db, staff=COMMAND_LINE, round_id=round_id, baseline_id=None
        )
    return f"{file_stem(trust.name, db_round.name)}-{_SUFFIXES[fmt]}"


def round_content(
    engine: Engine,
    *,
    staff: Staff | None,
    round_id: int,
    baseline_id: int | None,
    fmt: Format,
    context: ReportContext,
) -> tuple[RoundContent, str]:
    """What a download of the round holds, and a file name stem; the download is audited."""
    with write_session(engine) as db:
        reader = staff or COMMAND_LINE
        report = round_report(db, staff=reader, round_id=round_id, baseline=baseline_id, context=context)
        plan = actions.actions_of(db, trust_id=report.round.trust_id)
        needs = support_needs.support_needs_of(db, round_id=round_id)
        answers = None
        if fmt == "xlsx" and can(reader, report.round.trust_id, LEADS):
            answers = raw_answers(
                db,
                published=report.published,
                round_id=round_id,
                min_group_size=context.thresholds.min_group_size,
            )
        _audit_download(
            db,
            staff=staff,
            trust_id=report.round.trust_id,
            round_id=round_id,
            fmt=fmt,
            baseline_id=baseline_id,
        )
    chart = None
    if fmt == "pdf":
        drawn = rainbow_chart(report, framework=context.framework)
        chart = render(drawn, "png", dpi=150)
    content = RoundContent(
        framework=context.framework,
        trust_name=report.trust.name,
        round_name=report.round.name,
        period_start=report.round.period_start,
        period_end=report.round.period_end,
        scores=report.scores,
        generated_at=utcnow(),
        comment_min_group_size=context.thresholds.comment_min_group_size,
        baseline_name=report.baseline.name if report.baseline else None,
        baseline_scores=report.baseline_scores,
        comparison=report.comparison,
        raw_answers=answers,
        rainbow_png=chart,
        targets=[TargetLine(arc, viewpoint, level) for (arc, viewpoint), level in report.targets.items()],
        actions=[_action_line(action) for action in plan],
        support_needs=[SupportLine(n.arc, str(n.kind), n.description) for n in needs],
        entered_by_staff=[
            EnteredLine(arc, viewpoint, people, who)
            for (arc, viewpoint), (people, who) in sorted(report.published.entered.items())
        ],
        publication=report.published.number,
        trend=_trend_sheet(engine, reader, report.round.trust_id, context) if fmt == "xlsx" else None,
    )
    return content, file_stem(report.trust.name, report.round.name)


def _trend_sheet(engine: Engine, reader: Staff, trust_id: int, context: ReportContext) -> TrendSheet:
    """The trust's arcs across its published rounds, for the workbook's Trend sheet."""
    with read_session(engine) as db:
        whole = trust_trend(db, staff=reader, trust_id=trust_id, context=context)
    return TrendSheet(tuple(r.name for r in whole.rounds), whole.lines)


def _audit_download(
    db: Session, *, staff: Staff | None, trust_id: int, round_id: int, fmt: Format, baseline_id: int | None
) -> None:
    notes = ("command line" if staff is None else "", f"baseline round {baseline_id}" if baseline_id else "")
    audit.record(
        db,
        action=f"round.export.{fmt}",
        actor=staff,
        trust_id=trust_id,
        target=f"round {round_id}",
        detail="; ".join(note for note in notes if note) or None,
    )


def _action_line(action: Action) -> ActionLine:
    return ActionLine(
        title=action.title,
        arcs=tuple(action.arc_keys),
        outcomes=action.outcomes,
        timescale=action.timescale,
        due=action.due,
        lead_officer=action.lead_officer,
        resources=action.resources,
        status=str(action.status),
    )


def file_stem(trust_name: str, round_name: str) -> str:
    """A file name safe on every system: letters, digits and hyphens only."""
    words = re.sub(r"[^A-Za-z0-9]+", "-", f"{trust_name} {round_name}").strip("-").lower()
    return words[:80] or "round"
