"""A round's downloads as files: the scores as CSV or XLSX, and the PDF board pack.

`round_file` makes the same file, byte for byte, as the API's ``/api/rounds/{id}/export.csv``, ``.xlsx`` and
``/report.pdf`` give a member of staff (the XLSX and PDF differ only in the minute they were generated), and
records it in the audit log under the same action. ``rainbow export`` calls it with no member of staff: the
command line is trusted (it has the database) and gets what a lead of the round's trust gets, recorded as the
command line's.

It gathers what every export holds as the API route's ``_content`` does (``app/routes/api/exports.py``) and
hands it to the same writers (`app.exports`); the routes can call `round_file` themselves, so that one copy
remains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Engine

from app.config import Settings
from app.db.columns import utcnow
from app.db.engine import read_session, write_session
from app.exports.content import ActionLine, RoundContent, SupportLine, TargetLine
from app.identity import Staff
from app.permissions import LEADS, can
from app.store import actions, audit, rounds, support_needs, targets
from app.store.round_detail import raw_answers
from app.store.scores import Thresholds, round_results
from framework.model import Framework
from surveys import SurveyBook

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Who reads a round through the command line: anything, as a site administrator may. Used for access checks
#: only; the audit log records the command line, with no account.
_COMMAND_LINE = Staff(user_id=0, email="", is_admin=True)


class FileFormat(StrEnum):
    """The downloads of a round, by the name of their format."""

    CSV = "csv"
    XLSX = "xlsx"
    PDF = "pdf"


@dataclass(frozen=True)
class RoundFile:
    body: bytes
    media_type: str
    #: The name the API gives the download, e.g. ``riverside-children-s-trust-2010-re-assessment-scores.csv``.
    filename: str


def file_name(engine: Engine, *, round_id: int, file_format: FileFormat) -> str:
    """The name the API gives a download of the round, read without making it (nothing is recorded).

    :raises NotFound: an unknown round.
    """
    with read_session(engine) as db:
        db_round, trust, _ = rounds.get_round_and_baseline(
            db, staff=_COMMAND_LINE, round_id=round_id, baseline_id=None
        )
        return _file_name(trust.name, db_round.name, file_format)


def round_file(
    engine: Engine,
    *,
    settings: Settings,
    framework: Framework,
    surveys: SurveyBook,
    staff: Staff | None,
    round_id: int,
    baseline_id: int | None,
    file_format: FileFormat,
) -> RoundFile:
    """One download of a round for `staff` (None: the command line, which reads as a lead), compared with
    `baseline_id` when given; recorded in the audit log as ``round.export.<format>``.

    :raises NotFound: an unknown round or baseline, or one `staff` may not read; :raises Invalid: the round as
        its own baseline.
    """
    content, name = _content(
        engine,
        settings=settings,
        framework=framework,
        surveys=surveys,
        staff=staff,
        round_id=round_id,
        baseline_id=baseline_id,
        file_format=file_format,
    )
    # The writers bring openpyxl, reportlab and matplotlib, most of a second of imports: loaded on first use.
    if file_format is FileFormat.CSV:
        from app.exports.tabular import scores_csv

        # The byte order mark makes Excel read the file as UTF-8 (arc titles, names with accents).
        body = ("\ufeff" + scores_csv(content)).encode()
        return RoundFile(body, "text/csv; charset=utf-8", name)
    if file_format is FileFormat.XLSX:
        from app.exports.tabular import scores_xlsx

        return RoundFile(scores_xlsx(content), XLSX_MEDIA_TYPE, name)
    from app.exports.board_pack import board_pack_pdf

    return RoundFile(board_pack_pdf(content), "application/pdf", name)


def _content(
    engine: Engine,
    *,
    settings: Settings,
    framework: Framework,
    surveys: SurveyBook,
    staff: Staff | None,
    round_id: int,
    baseline_id: int | None,
    file_format: FileFormat,
) -> tuple[RoundContent, str]:
    reader = staff or _COMMAND_LINE
    thresholds = Thresholds.of(settings)
    with write_session(engine) as db:
        db_round, trust, baseline_round = rounds.get_round_and_baseline(
            db, staff=reader, round_id=round_id, baseline_id=baseline_id
        )
        results = round_results(
            db,
            db_round=db_round,
            baseline=baseline_round,
            framework=framework,
            surveys=surveys,
            thresholds=thresholds,
        )
        levels = targets.by_key(targets.targets_of(db, round_id=round_id))
        plan = actions.actions_of(db, trust_id=db_round.trust_id)
        needs = support_needs.support_needs_of(db, round_id=round_id)
        answers = None
        if file_format is FileFormat.XLSX and can(reader, db_round.trust_id, LEADS):
            shown = {(c.arc, c.viewpoint) for c in results.scores.cells if not c.suppressed}
            answers = raw_answers(db, round_id=round_id, shown_cells=shown)
        details = [] if staff else ["command line"]
        details += [f"baseline round {baseline_id}"] if baseline_id else []
        audit.record(
            db,
            action=f"round.export.{file_format}",
            actor=staff,
            trust_id=db_round.trust_id,
            target=f"round {round_id}",
            detail="; ".join(details) or None,
        )
    chart = None
    if file_format is FileFormat.PDF:
        from app.services.insights import rainbow_chart
        from framework.charts.rainbow import render

        drawn = rainbow_chart(results, framework=framework, trust_name=trust.name, targets=levels)
        chart = render(drawn, "png", dpi=150)
    content = RoundContent(
        framework=framework,
        trust_name=trust.name,
        round_name=db_round.name,
        period_start=db_round.period_start,
        period_end=db_round.period_end,
        scores=results.scores,
        generated_at=utcnow(),
        comment_min_group_size=thresholds.comment_min_group_size,
        baseline_name=results.baseline.name if results.baseline else None,
        baseline_scores=results.baseline_scores,
        comparison=results.comparison,
        raw_answers=answers,
        rainbow_png=chart,
        targets=[TargetLine(arc, viewpoint, level) for (arc, viewpoint), level in levels.items()],
        actions=[
            ActionLine(
                title=a.title,
                arcs=tuple(a.arc_keys),
                outcomes=a.outcomes,
                timescale=a.timescale,
                due=a.due,
                lead_officer=a.lead_officer,
                resources=a.resources,
                status=str(a.status),
            )
            for a in plan
        ],
        support_needs=[SupportLine(n.arc, str(n.kind), n.description) for n in needs],
    )
    return content, _file_name(trust.name, db_round.name, file_format)


_SUFFIXES = {FileFormat.CSV: "scores.csv", FileFormat.XLSX: "scores.xlsx", FileFormat.PDF: "board-report.pdf"}


def _file_name(trust_name: str, round_name: str, file_format: FileFormat) -> str:
    """A file name safe on every system: letters, digits and hyphens only, then what the file is."""
    words = re.sub(r"[^A-Za-z0-9]+", "-", f"{trust_name} {round_name}").strip("-").lower()
    return f"{words[:80] or 'round'}-{_SUFFIXES[file_format]}"
