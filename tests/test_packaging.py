"""The project as a wheel: built, installed into a fresh virtual environment away from the source, and run.

The wheel must carry everything the service reads at run time (templates, static files with htmx, migrations,
the framework and the questionnaires), and nothing may depend on the source tree's layout. The fresh
environment borrows the installed dependencies of the one running the tests through a ``.pth`` file (a folder
added that way has its own ``.pth`` files ignored, so the developer's editable install of the project is not
seen), and gets the wheel itself with ``pip install --no-deps``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow

HTMX = PROJECT_ROOT / "app" / "static" / "vendor" / "htmx.min.js"
#: What a build needs from the source tree (as the Dockerfile's builder stage copies it).
BUILD_INPUTS = ("pyproject.toml", "README.md", "app", "framework", "surveys")
#: Data files the service reads at run time, as globs under the project root: each must be in the wheel.
DATA_FILES = (
    "app/templates/**/*.*",
    "app/static/**/*.*",
    "app/db/migrations/*.py",
    "app/db/migrations/*.mako",
    "app/db/migrations/versions/*.py",
    "framework/*.yaml",
    "surveys/*.yaml",
)
LEAD = "lead@riverside.example.org"


def run(*command: str | Path, env: dict[str, str], cwd: Path, timeout: float = 120) -> str:
    done = subprocess.run(
        [str(part) for part in command], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{' '.join(map(str, command))} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def build_wheel(work: Path) -> Path:
    """A wheel built from a clean copy of the build inputs (an in-tree build would reuse ``build/``, where
    files deleted from the source can linger)."""
    source = work / "source"
    source.mkdir()
    for name in BUILD_INPUTS:
        original = PROJECT_ROOT / name
        if original.is_dir():
            shutil.copytree(original, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(original, source / name)
    pip = (sys.executable, "-m", "pip")
    run(*pip, "wheel", "--no-deps", "-q", "-w", work / "dist", source, env=dict(os.environ), cwd=work)
    (wheel,) = (work / "dist").glob("ocw_rainbow-*.whl")
    return wheel


def fresh_environment(work: Path, wheel: Path) -> Path:
    """A new virtual environment with the wheel installed and the test environment's dependencies visible."""
    venv = work / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, env=dict(os.environ), cwd=work)
    python = venv / "bin" / "python"
    inside = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", env={}, cwd=work)
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(inside.strip(), "test-dependencies.pth").write_text("\n".join(sorted(ours)) + "\n", encoding="utf-8")
    pip = (sys.executable, "-m", "pip", "--python", python)
    run(*pip, "install", "--no-deps", "--ignore-installed", "-q", wheel, env=dict(os.environ), cwd=work)
    return venv


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(venv: Path, env: dict[str, str], cwd: Path) -> Iterator[str]:
    port = free_port()
    with (cwd / "serve.log").open("wb") as log:
        server = subprocess.Popen(
            [str(venv / "bin" / "rainbow"), "serve", "--port", str(port)],
            env=env,
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(f"rainbow serve did not answer:\n{(cwd / 'serve.log').read_text()}")
                time.sleep(0.1)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=10)


def test_the_wheel_installs_and_serves_everything_away_from_the_source_tree(tmp_path: Path) -> None:
    if not HTMX.is_file():
        pytest.fail(
            f"{HTMX.relative_to(PROJECT_ROOT)} is missing: `make setup` copies it from npm (before a build)"
        )
    started = time.perf_counter()
    wheel = build_wheel(tmp_path)
    built = time.perf_counter()

    # Every data file of the source tree is in the wheel.
    packed = set(zipfile.ZipFile(wheel).namelist())
    wanted = {
        path.relative_to(PROJECT_ROOT).as_posix()
        for pattern in DATA_FILES
        for path in PROJECT_ROOT.glob(pattern)
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert "app/static/vendor/htmx.min.js" in wanted
    assert wanted - packed == set()

    venv = fresh_environment(tmp_path, wheel)
    installed = time.perf_counter()

    # The service runs from the new environment, with nothing from the source tree on its path.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(elsewhere),
        "RAINBOW_DATABASE_URL": f"sqlite:///{elsewhere / 'var' / 'rainbow.db'}",
        "RAINBOW_LOG_LEVEL": "warning",
    }
    where = run(
        venv / "bin" / "python",
        "-c",
        "import sys, app, framework, surveys, app.web.templating as t;"
        "print(app.__file__, framework.__file__, surveys.__file__, t.TEMPLATES_DIR, sep='\\n');"
        "print(*sys.path, sep='\\n')",
        env=env,
        cwd=elsewhere,
    ).splitlines()
    modules, search_path = where[:4], where[4:]
    assert all(Path(path).resolve().is_relative_to(venv.resolve()) for path in modules), modules
    project_paths = [
        entry
        for entry in search_path
        if entry
        and Path(entry).resolve().is_relative_to(PROJECT_ROOT)
        and not Path(entry).resolve().is_relative_to(PROJECT_ROOT / ".venv")
    ]
    assert project_paths == []

    rainbow = venv / "bin" / "rainbow"
    assert "database at revision" in run(rainbow, "migrate", env=env, cwd=elsewhere)
    assert "created the demo trust" in run(rainbow, "demo", env=env, cwd=elsewhere)
    token = run(rainbow, "create-token", LEAD, env=env, cwd=elsewhere).strip().splitlines()[-1]
    commands = time.perf_counter()

    with serving(venv, env, elsewhere) as base:
        page = httpx.get(f"{base}/", timeout=10)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "The One Children's Workforce rainbow</h1>" in page.text
        assert '<script src="/static/vendor/htmx.min.js"' in page.text

        survey = httpx.get(f"{base}/api/surveys/orange/child", timeout=10)
        assert survey.status_code == 200
        assert survey.json()["items"][0]["code"] == "orange.child.1"
        arc = httpx.get(f"{base}/arcs/orange", timeout=10)
        assert arc.status_code == 200 and survey.json()["items"][0]["text"] in arc.text

        for path, media_type in (
            ("/static/vendor/htmx.min.js", "text/javascript"),
            ("/static/css/rainbow.css", "text/css"),
        ):
            static = httpx.get(f"{base}{path}", timeout=10)
            assert static.status_code == 200 and static.headers["content-type"].startswith(media_type)
        assert httpx.get(f"{base}/static/vendor/htmx.min.js").content == HTMX.read_bytes()

        headers = {"Authorization": f"Bearer {token}"}
        (trust,) = httpx.get(f"{base}/api/trusts", headers=headers, timeout=10).json()
        rounds = httpx.get(f"{base}/api/trusts/{trust['id']}/rounds", headers=headers, timeout=10).json()
        baseline, *_, latest = sorted(rounds, key=lambda r: r["id"])  # the demo: 2009, 2010 and 2011
        chart = httpx.get(
            f"{base}/api/rounds/{latest['id']}/rainbow.svg",
            params={"baseline": baseline["id"]},
            headers=headers,
            timeout=30,
        )
        assert chart.status_code == 200, chart.text
        assert chart.headers["content-type"].startswith("image/svg+xml")
        assert b"<svg" in chart.content[:1000]
    served = time.perf_counter()

    # The downloads and the backup work from the installed package too.
    compared = ("--baseline", str(baseline["id"]), "-o", "pack.pdf")
    exported = run(rainbow, "export", str(latest["id"]), "--format", "pdf", *compared, env=env, cwd=elsewhere)
    assert "board pack (PDF)" in exported and (elsewhere / "pack.pdf").read_bytes().startswith(b"%PDF-")
    assert "a SQLite database file" in run(rainbow, "backup", "backup.db", env=env, cwd=elsewhere)
    looked_after = time.perf_counter()
    print(  # noqa: T201  (the timings, for `pytest -s`)
        f"wheel {built - started:.1f} s, install {installed - built:.1f} s, "
        f"migrate+demo+token {commands - installed:.1f} s, serve+requests {served - commands:.1f} s, "
        f"export+backup {looked_after - served:.1f} s"
    )
