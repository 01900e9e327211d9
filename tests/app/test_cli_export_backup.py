"""``rainbow export`` and ``rainbow backup``: the API's downloads written to files, and backups that restore.

The demo trust (``rainbow demo``) has a 2009 baseline, a 2010 re-assessment and a 2011 follow-up with
answers. On SQLite it is loaded once per run and copied for each test; the backup is also restored on
PostgreSQL when RAINBOW_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import sqlite3
import subprocess
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import create_engine, make_url, select, text
from typer.testing import CliRunner, Result

from app.cli import cli
from app.cli.data import Format
from app.config import Settings
from app.db.engine import create_db_engine, database_url, read_session, write_session
from app.db.tables import AuditEvent
from app.services.exports import FORMATS
from tests.apps import build_app
from tests.conftest import POSTGRES_URL, TEST_SECRET

LEAD = "lead@riverside.example.org"
API_PATHS = {"csv": "export.csv", "xlsx": "export.xlsx", "pdf": "report.pdf"}


def rainbow(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def settings_for(url: str) -> Settings:
    return Settings(_env_file=None, database_url=url, secret_key=TEST_SECRET)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def sqlite_demo(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database with the demo trust in it, made once per run."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copyfile(sqlite_template, path)
    loaded = rainbow("demo", env={"RAINBOW_DATABASE_URL": f"sqlite:///{path}"})
    assert loaded.exit_code == 0, loaded.output
    return path


@pytest.fixture
def demo_sqlite(sqlite_demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The URL of a copy of the demo database, also set as RAINBOW_DATABASE_URL."""
    path = tmp_path / "rainbow.db"
    shutil.copyfile(sqlite_demo, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("RAINBOW_DATABASE_URL", url)
    return url


@pytest.fixture
def demo_any(migrated: Settings, sqlite_demo: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """As `demo_sqlite`, on each database engine of the run."""
    url = migrated.database_url
    if make_url(url).get_backend_name() == "sqlite":
        shutil.copyfile(sqlite_demo, str(make_url(url).database))
    else:
        loaded = rainbow("demo", env={"RAINBOW_DATABASE_URL": url})
        assert loaded.exit_code == 0, loaded.output
    monkeypatch.setenv("RAINBOW_DATABASE_URL", url)
    return url


def lead_token() -> str:
    created = rainbow("create-token", LEAD)
    assert created.exit_code == 0, created.output
    return created.stdout.strip().splitlines()[-1]


def demo_rounds(client: TestClient, token: str) -> tuple[int, int]:
    """The demo's 2009 baseline and 2010 re-assessment."""
    headers = {"Authorization": f"Bearer {token}"}
    (trust,) = client.get("/api/trusts", headers=headers).json()
    found = client.get(f"/api/trusts/{trust['id']}/rounds", headers=headers).json()
    by_name = {entry["name"]: entry["id"] for entry in found}
    return by_name["2009 baseline"], by_name["2010 re-assessment"]


@pytest.fixture
def api(demo_sqlite: str) -> Iterator[tuple[TestClient, dict[str, str], int, int]]:
    """A client of the demo database, a lead's headers, and the baseline's and the re-assessment's ids."""
    token = lead_token()
    with TestClient(build_app(settings_for(demo_sqlite))) as client:
        baseline, current = demo_rounds(client, token)
        yield client, {"Authorization": f"Bearer {token}"}, baseline, current


def export_events(url: str) -> list[AuditEvent]:
    engine = create_db_engine(settings_for(url))
    with read_session(engine) as db:
        found = list(db.scalars(select(AuditEvent).where(AuditEvent.action.startswith("round.export"))))  # type: ignore[attr-defined]
    engine.dispose()
    return found


# --- export -------------------------------------------------------------------------------------------------


def test_the_command_line_knows_every_format_the_service_makes() -> None:
    assert [f.value for f in Format] == list(FORMATS)


def test_export_writes_the_csv_the_api_gives_a_lead(
    api: tuple[TestClient, dict[str, str], int, int], demo_sqlite: str, tmp_path: Path
) -> None:
    client, lead, baseline, current = api
    for extra in ([], ["--baseline", str(baseline)]):
        output = tmp_path / f"scores{len(extra)}.csv"
        done = rainbow("export", str(current), "--format", "csv", "--output", str(output), *extra)
        assert done.exit_code == 0, done.output
        params = {"baseline": baseline} if extra else {}
        from_api = client.get(f"/api/rounds/{current}/export.csv", params=params, headers=lead)
        assert from_api.status_code == 200
        assert output.read_bytes() == from_api.content
        assert f"wrote round {current}'s scores (CSV)" in done.stdout


def test_export_heads_the_csv_by_codes_when_asked_as_the_api_does(
    api: tuple[TestClient, dict[str, str], int, int], tmp_path: Path
) -> None:
    client, lead, _baseline, current = api
    output = tmp_path / "codes.csv"
    done = rainbow("export", str(current), "--format", "csv", "--headers", "codes", "--output", str(output))
    assert done.exit_code == 0, done.output
    from_api = client.get(f"/api/rounds/{current}/export.csv", params={"headers": "codes"}, headers=lead)
    assert output.read_bytes() == from_api.content
    assert output.read_bytes().startswith(b"\xef\xbb\xbfarc,arc_title,")


def test_export_refuses_headers_for_a_file_without_columns(demo_sqlite: str, tmp_path: Path) -> None:
    done = rainbow(
        "export", "2", "--format", "pdf", "--headers", "codes", "--output", str(tmp_path / "x.pdf")
    )
    assert done.exit_code != 0
    assert "--headers: only a CSV has column headings, not pdf" in done.output + done.stderr
    assert not (tmp_path / "x.pdf").exists()
    assert export_events(demo_sqlite) == []


def test_export_names_the_file_as_the_api_does_in_the_current_folder(
    api: tuple[TestClient, dict[str, str], int, int], tmp_path: Path
) -> None:
    client, lead, _, current = api
    done = rainbow("export", str(current), "--format", "CSV")
    assert done.exit_code == 0, done.output
    disposition = client.get(f"/api/rounds/{current}/export.csv", headers=lead).headers["content-disposition"]
    name = re.fullmatch(r'attachment; filename="(.+)"', disposition)
    assert name is not None
    assert (tmp_path / name.group(1)).is_file()
    assert name.group(1) == "riverside-children-s-trust-2010-re-assessment-scores.csv"


def sheets(body: bytes) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet's rows, without the row that says when the file was generated."""
    workbook = load_workbook(io.BytesIO(body))
    return {
        sheet.title: [row for row in sheet.iter_rows(values_only=True) if row[:1] != ("Generated",)]
        for sheet in workbook
    }


def test_export_writes_the_workbook_the_api_gives_a_lead_with_the_raw_answers(
    api: tuple[TestClient, dict[str, str], int, int], tmp_path: Path
) -> None:
    client, lead, baseline, current = api
    output = tmp_path / "scores.xlsx"
    done = rainbow("export", str(current), "--format", "xlsx", "--baseline", str(baseline), "-o", str(output))
    assert done.exit_code == 0, done.output
    from_api = client.get(f"/api/rounds/{current}/export.xlsx", params={"baseline": baseline}, headers=lead)
    ours, theirs = sheets(output.read_bytes()), sheets(from_api.content)
    assert ours == theirs
    # The raw answers are those of the statements the publication shows: few of the demo's (most of its
    # cells have raters who skipped a statement, which hides the cell's statements together).
    assert "Answers" in ours and "Comparison" in ours and len(ours["Answers"]) > 1


def pdf_text(body: bytes) -> list[str]:
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(body)).pages]
    return [re.sub(r"Generated \d{1,2} \w+ \d{4} at \d\d:\d\d( UTC)?", "Generated …", page) for page in pages]


def test_export_writes_the_board_pack_the_api_gives_a_lead(
    api: tuple[TestClient, dict[str, str], int, int], tmp_path: Path
) -> None:
    client, lead, baseline, current = api
    output = tmp_path / "pack.pdf"
    done = rainbow("export", str(current), "--format", "pdf", "--baseline", str(baseline), "-o", str(output))
    assert done.exit_code == 0, done.output
    from_api = client.get(f"/api/rounds/{current}/report.pdf", params={"baseline": baseline}, headers=lead)
    ours, theirs = pdf_text(output.read_bytes()), pdf_text(from_api.content)
    assert ours == theirs
    assert any("Generated …" in page for page in ours)
    assert "2009 baseline" in " ".join(ours)


def test_export_to_standard_output(api: tuple[TestClient, dict[str, str], int, int]) -> None:
    client, lead, _, current = api
    done = rainbow("export", str(current), "--format", "csv", "--output", "-")
    assert done.exit_code == 0, done.output
    assert done.stdout_bytes == client.get(f"/api/rounds/{current}/export.csv", headers=lead).content
    assert "to standard output" in done.stderr


def test_export_is_recorded_in_the_audit_log_as_the_command_line(
    api: tuple[TestClient, dict[str, str], int, int], demo_sqlite: str
) -> None:
    _, _, baseline, current = api
    assert rainbow("export", str(current), "--format", "csv", "--baseline", str(baseline)).exit_code == 0
    (event,) = export_events(demo_sqlite)
    assert (event.action, event.target, event.outcome) == ("round.export.csv", f"round {current}", "ok")
    assert (event.actor_id, event.actor_email) == (None, None)
    assert event.detail == f"command line; baseline round {baseline}"
    assert event.trust_id is not None


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["99", "--format", "csv"], "there is no round 99"),
        (["2", "--format", "csv", "--baseline", "2"], "--baseline must be another round of the trust"),
        (["2", "--format", "csv", "--baseline", "77"], "--baseline: round 2's trust has no round 77"),
        (["2", "--format", "csv", "-o", "missing/x.csv"], "there is no folder missing"),
        (["2", "--format", "csv", "-o", "."], "is a folder: give the name of a file"),
        (["2", "--format", "csv", "-o", "rainbow.db/x.csv"], "rainbow.db is not a folder"),
        (["2", "--format", "csv", "-o", "/proc/rainbow-export.csv"], "cannot write into /proc"),
    ],
)
def test_export_refuses_bad_input_clearly_and_changes_nothing(
    demo_sqlite: str, tmp_path: Path, arguments: list[str], message: str
) -> None:
    before = sorted(tmp_path.iterdir())
    done = rainbow("export", *arguments)
    assert done.exit_code == 2
    assert message in done.stderr
    assert sorted(tmp_path.iterdir()) == before
    assert export_events(demo_sqlite) == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["2", "--format", "docx"], "'docx' is not one of 'csv', 'xlsx', 'pdf'"),
        (["2"], "Missing option '--format'"),
        (["0", "--format", "csv"], "'ROUND_ID': Input should be greater than or equal to 1"),
        (["two", "--format", "csv"], "Invalid value for 'ROUND_ID': Input should be a valid integer"),
    ],
)
def test_export_names_a_bad_argument(demo_sqlite: str, arguments: list[str], message: str) -> None:
    done = rainbow("export", *arguments)
    assert done.exit_code == 2
    assert message in " ".join(done.stderr.replace("│", " ").split())
    assert export_events(demo_sqlite) == []


def test_export_without_a_database_says_so_and_makes_none(tmp_path: Path) -> None:
    done = rainbow("export", "1", "--format", "csv")
    assert done.exit_code == 2
    assert (
        "there is no database at var/rainbow.db (RAINBOW_DATABASE_URL): `rainbow migrate` makes one"
        in done.stderr
    )
    assert list(tmp_path.iterdir()) == []


def test_export_from_a_database_never_migrated_says_so(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "empty.db").close()
    done = rainbow(
        "export", "1", "--format", "csv", env={"RAINBOW_DATABASE_URL": f"sqlite:///{tmp_path}/empty.db"}
    )
    assert done.exit_code == 2
    assert "has no tables yet: run `rainbow migrate` first" in done.stderr


def test_export_replaces_a_file_only_when_forced(
    api: tuple[TestClient, dict[str, str], int, int], demo_sqlite: str, tmp_path: Path
) -> None:
    _, _, _, current = api
    output = tmp_path / "scores.csv"
    output.write_text("mine", encoding="utf-8")
    refused = rainbow("export", str(current), "--format", "csv", "-o", str(output))
    assert refused.exit_code == 2 and "exists already" in refused.stderr and "--force" in refused.stderr
    assert output.read_text(encoding="utf-8") == "mine"
    assert export_events(demo_sqlite) == []
    forced = rainbow("export", str(current), "--format", "csv", "-o", str(output), "--force")
    assert forced.exit_code == 0, forced.output
    assert output.read_bytes().startswith(b"\xef\xbb\xbfArc,")
    assert [path.name for path in tmp_path.iterdir() if path.name.endswith(".partial")] == []


# --- backup -------------------------------------------------------------------------------------------------


def scores_of(url: str, token: str) -> dict[str, Any]:
    """Everything the API says about the demo's scores: both rounds' scores and their comparison."""
    with TestClient(build_app(settings_for(url))) as client:
        headers = {"Authorization": f"Bearer {token}"}
        baseline, current = demo_rounds(client, token)
        found = {
            path: client.get(path, headers=headers)
            for path in (
                f"/api/rounds/{baseline}/scores",
                f"/api/rounds/{current}/scores",
                f"/api/rounds/{current}/compare/{baseline}",
            )
        }
    assert all(response.status_code == 200 for response in found.values())
    return {path: response.json() for path, response in found.items()}


@contextmanager
def restored_on_postgresql(backup: Path, url: str) -> Iterator[str]:
    """Restore `backup` (pg_dump custom format of the schema in `url`) into a new database; its URL."""
    schema = re.search(r"search_path=(\w+)", str(make_url(url).query["options"]))
    assert schema is not None
    name = f"restore_{uuid.uuid4().hex[:12]}"
    admin = create_engine(database_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    fresh = make_url(POSTGRES_URL).set(database=name)
    try:
        target = f"--dbname={fresh.render_as_string(hide_password=False)}"
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", target, backup], check=True)
        restored = fresh.update_query_dict({"options": f"-csearch_path={schema.group(1)}"})
        yield restored.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.database
def test_a_backup_restores_into_a_fresh_database_with_the_same_scores(demo_any: str, tmp_path: Path) -> None:
    token = lead_token()
    before = scores_of(demo_any, token)
    backup = tmp_path / "backup.dump"
    done = rainbow("backup", str(backup))
    assert done.exit_code == 0, done.output
    assert "To restore it" in done.stdout
    if make_url(demo_any).get_backend_name() == "sqlite":
        assert "a SQLite database file" in done.stdout
        restored = tmp_path / "restored" / "rainbow.db"
        restored.parent.mkdir()
        shutil.copyfile(backup, restored)
        assert scores_of(f"sqlite:///{restored}", token) == before
    else:
        assert "pg_dump archive in the custom format (schema test_" in done.stdout
        with restored_on_postgresql(backup, demo_any) as url:
            assert scores_of(url, token) == before


def test_a_sqlite_backup_is_one_consistent_file_taken_while_the_service_writes(
    demo_sqlite: str, tmp_path: Path
) -> None:
    engine = create_db_engine(settings_for(demo_sqlite))
    stop = threading.Event()
    written = [0]

    def keep_writing() -> None:
        while not stop.is_set():
            with write_session(engine) as db:
                db.add_all(AuditEvent(action="test.write", outcome="ok") for _ in range(50))
            written[0] += 50

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        while written[0] < 200:
            stop.wait(0.01)
        done = rainbow("backup", str(tmp_path / "backup.db"))
        during = written[0]
    finally:
        stop.set()
        writer.join()
        engine.dispose()
    assert done.exit_code == 0, done.output
    copy = sqlite3.connect(tmp_path / "backup.db")
    try:
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        copied = copy.execute("SELECT count(*) FROM audit_events WHERE action = 'test.write'").fetchone()[0]
        assert copy.execute("SELECT count(*) FROM answers").fetchone()[0] == 5828
    finally:
        copy.close()
    assert copied % 50 == 0 and 200 <= copied <= during + 50  # whole transactions only
    assert not (tmp_path / "backup.db-wal").exists()
    assert oct((tmp_path / "backup.db").stat().st_mode & 0o777) == "0o600"


def test_backup_refuses_to_replace_a_file_unless_forced(demo_sqlite: str, tmp_path: Path) -> None:
    output = tmp_path / "backup.db"
    output.write_text("last week's", encoding="utf-8")
    refused = rainbow("backup", str(output))
    assert refused.exit_code == 2 and "exists already" in refused.stderr
    assert output.read_text(encoding="utf-8") == "last week's"
    assert rainbow("backup", str(output), "--force").exit_code == 0
    assert output.read_bytes().startswith(b"SQLite format 3\x00")


@pytest.mark.parametrize(
    ("database", "output", "message"),
    [
        ("sqlite:///{tmp}/none.db", "backup.db", "there is no database file at"),
        ("sqlite://", "backup.db", "the database is in memory"),
        ("sqlite:///{tmp}/rainbow.db", "rainbow.db", "exists already"),
        ("sqlite:///{tmp}/rainbow.db", ".", "is a folder"),
        ("sqlite:///{tmp}/rainbow.db", "missing/backup.db", "there is no folder missing"),
        ("sqlite:///{tmp}/rainbow.db", "/proc/rainbow-backup.db", "cannot write into /proc"),
    ],
)
def test_backup_refuses_bad_input_clearly_and_changes_nothing(
    demo_sqlite: str, tmp_path: Path, database: str, output: str, message: str
) -> None:
    before = sorted(tmp_path.iterdir())
    done = rainbow("backup", output, env={"RAINBOW_DATABASE_URL": database.format(tmp=tmp_path)})
    assert done.exit_code == 2
    assert message in done.stderr
    assert sorted(tmp_path.iterdir()) == before


def test_backup_of_the_database_onto_itself_is_refused(demo_sqlite: str, tmp_path: Path) -> None:
    done = rainbow("backup", str(tmp_path / "rainbow.db"), "--force")
    assert done.exit_code == 2 and "is the database itself" in done.stderr


def test_a_postgresql_backup_without_pg_dump_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    done = rainbow("backup", "backup.dump", env={"RAINBOW_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x"})
    assert done.exit_code == 2
    assert "pg_dump is not installed" in done.stderr
    assert not (tmp_path / "backup.dump").exists()


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")
def test_a_postgresql_backup_that_fails_says_why_and_leaves_no_file(tmp_path: Path) -> None:
    url = "postgresql://nobody:secret-word@127.0.0.1:1/x"
    done = rainbow("backup", "backup.dump", env={"RAINBOW_DATABASE_URL": url})
    assert done.exit_code == 2
    assert "pg_dump failed" in done.stderr and "secret-word" not in done.stderr + done.stdout
    assert os.listdir(tmp_path) == []
