"""Downloads of a round: CSV, XLSX and the PDF board pack, from its latest publication, suppression-aware,
neutralised, audited; 409 for a round never published."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from app.db.engine import read_session, write_session
from app.db.tables import AuditEvent, Trust
from tests.api import bearer, import_csv, publish, two_rounds
from tests.factories import World, app_state

pytestmark = pytest.mark.database
FORMULA_NAME = '=HYPERLINK("http://evil.example","click")'


def download(client: TestClient, world: World, path: str, role: str = "viewer_a", **params: object):  # type: ignore[no-untyped-def]
    response = client.get(path, params=params, headers=bearer(world, role))
    assert response.status_code == 200, response.text
    return response


def rename_trust(client: TestClient, world: World, name: str) -> None:
    with write_session(app_state(client).engine) as db:
        trust = db.get(Trust, world.trust_a)
        assert trust is not None
        trust.name = name


def test_the_csv_has_a_row_per_cell_with_suppressed_cells_empty(client: TestClient, world: World) -> None:
    import_csv(client, world, world.round_a, [f"t{n},team,orange.team.1,4" for n in range(5)])
    import_csv(client, world, world.round_a, [f"c{n},child,orange.child.1,2" for n in range(3)])
    response = download(client, world, f"/api/rounds/{world.round_a}/export.csv", headers="codes")
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    team = next(r for r in rows if (r["arc"], r["viewpoint"]) == ("orange", "team"))
    child = next(r for r in rows if (r["arc"], r["viewpoint"]) == ("orange", "child"))
    assert (team["n"], team["mean"], team["rated_4"]) == ("5", "4.0", "5")
    assert child["suppressed"] == "yes"
    assert all(child[name] == "" for name in ("n", "mean", "median", "rated_2", "dont_know"))


def test_spreadsheet_formulas_in_names_are_neutralised_in_csv_and_xlsx(
    client: TestClient, world: World
) -> None:
    rename_trust(client, world, FORMULA_NAME)
    import_csv(client, world, world.round_a, [f"t{n},team,orange.team.1,4" for n in range(5)])
    text = download(client, world, f"/api/rounds/{world.round_a}/export.csv").content.decode("utf-8-sig")
    assert FORMULA_NAME not in text.replace(f"\u200b{FORMULA_NAME}", "")
    workbook = load_workbook(
        io.BytesIO(download(client, world, f"/api/rounds/{world.round_a}/export.xlsx").content)
    )
    named = [
        cell for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value == FORMULA_NAME
    ]
    assert named
    assert {cell.data_type for cell in named} == {"s"}  # text, never a formula, and no apostrophe shown


def test_the_csv_is_headed_in_words_or_by_codes_for_scripts(client: TestClient, world: World) -> None:
    import_csv(client, world, world.round_a, [f"t{n},team,orange.team.1,4" for n in range(5)])
    path = f"/api/rounds/{world.round_a}/export.csv"
    words = download(client, world, path).content.decode("utf-8-sig").splitlines()
    codes = download(client, world, path, headers="codes").content.decode("utf-8-sig").splitlines()
    assert words[0].startswith(
        "Arc,Arc title,Viewpoint,Viewpoint name,Too few answers to show,People counted"
    )
    assert codes[0].startswith("arc,arc_title,viewpoint,viewpoint_label,suppressed,n,mean")
    assert words[1:] == codes[1:]


def test_the_csv_refuses_headers_it_does_not_know(client: TestClient, world: World) -> None:
    response = client.get(
        f"/api/rounds/{world.round_a}/export.csv",
        params={"headers": "snake"},
        headers=bearer(world, "viewer_a"),
    )
    assert response.status_code == 422
    assert "words" in response.text and "codes" in response.text


def test_the_xlsx_gives_leads_the_raw_answers_of_shown_cells_only(client: TestClient, world: World) -> None:
    import_csv(client, world, world.round_a, [f"t{n},team,orange.team.1,4" for n in range(5)])
    import_csv(client, world, world.round_a, [f"c{n},child,orange.child.1,2" for n in range(3)])
    lead = load_workbook(
        io.BytesIO(download(client, world, f"/api/rounds/{world.round_a}/export.xlsx", "lead_a").content)
    )
    answers = [row for row in lead["Answers"].iter_rows(min_row=2, values_only=True)]
    assert len(answers) == 5
    assert {row[1] for row in answers} == {"team"}
    viewer = load_workbook(
        io.BytesIO(download(client, world, f"/api/rounds/{world.round_a}/export.xlsx").content)
    )
    assert "Answers" not in viewer.sheetnames


def test_the_board_pack_names_every_arc_in_real_text_and_compares(client: TestClient, world: World) -> None:
    baseline, current = two_rounds(client, world)
    response = download(client, world, f"/api/rounds/{current}/report.pdf", baseline=baseline)
    assert response.headers["content-type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    for arc in app_state(client).framework.arcs:
        assert arc.title in text, arc.title
    assert "2009 baseline" in text and "2010 re-assessment" in text
    assert "fewer than 5" in text


def test_every_download_is_recorded_in_the_audit_log(client: TestClient, world: World) -> None:
    publish(client, world, world.round_a)
    for name in ("export.csv", "export.xlsx", "report.pdf"):
        download(client, world, f"/api/rounds/{world.round_a}/{name}")
    with read_session(app_state(client).engine) as db:
        actions = set(
            db.scalars(select(AuditEvent.action).where(AuditEvent.action.startswith("round.export")))
        )  # type: ignore[attr-defined]
    assert actions == {"round.export.csv", "round.export.xlsx", "round.export.pdf"}


def test_a_round_never_published_has_no_downloads(client: TestClient, world: World) -> None:
    import_csv(
        client, world, world.round_a, [f"t{n},team,orange.team.1,4" for n in range(5)], publish_it=False
    )
    for name in ("export.csv", "export.xlsx", "report.pdf"):
        response = client.get(f"/api/rounds/{world.round_a}/{name}", headers=bearer(world, "lead_a"))
        assert response.status_code == 409, name
        assert "not been published" in response.json()["detail"]


def test_another_trust_cannot_download_a_round(client: TestClient, world: World) -> None:
    for name in ("export.csv", "export.xlsx", "report.pdf"):
        response = client.get(f"/api/rounds/{world.round_a}/{name}", headers=bearer(world, "lead_b"))
        assert response.status_code == 404


def test_the_plan_reaches_the_board_pack_and_the_workbook(client: TestClient, world: World) -> None:
    lead = bearer(world, "lead_a")
    title = "Multi-agency induction for all new staff"
    client.post(
        f"/api/trusts/{world.trust_a}/actions", json={"title": title, "arcs": ["orange"]}, headers=lead
    )
    client.post(f"/api/rounds/{world.round_a}/targets", json={"arc": "orange", "level": 4}, headers=lead)
    client.post(
        f"/api/rounds/{world.round_a}/support-needs",
        json={"arc": "orange", "kind": "training", "description": "Trainers for joint sessions"},
        headers=lead,
    )
    publish(client, world, world.round_a)
    pdf = download(client, world, f"/api/rounds/{world.round_a}/report.pdf").content
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    assert title in text and "Trainers for joint sessions" in text
    workbook = load_workbook(
        io.BytesIO(download(client, world, f"/api/rounds/{world.round_a}/export.xlsx").content)
    )
    plan = [cell.value for row in workbook["Action plan"].iter_rows() for cell in row]
    assert title in plan
    assert "Targets" in workbook.sheetnames and "Support needs" in workbook.sheetnames


def test_the_xlsx_has_a_trend_sheet_of_each_arc_in_each_published_round(
    client: TestClient, world: World
) -> None:
    _, current = two_rounds(client, world)
    book = load_workbook(
        io.BytesIO(download(client, world, f"/api/rounds/{current}/export.xlsx").content), read_only=True
    )
    rows = list(book["Trend"].iter_rows(values_only=True))
    assert rows[0] == ("Arc", "Round", "Score", "95% interval from", "95% interval to")
    orange = [row for row in rows[1:] if row[0] == "Common values and language"]
    assert [(row[1], row[2]) for row in orange] == [("2009 baseline", 2.0), ("2010 re-assessment", 4.0)]
    assert all(row[3] <= row[2] <= row[4] for row in orange)
    hidden = next(row for row in rows[1:] if row[0] != "Common values and language")
    assert hidden[2] == "too few answers" and not any(hidden[3:])
