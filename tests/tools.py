"""Debian's command-line tools that some tests read files with (pdfinfo and pdffonts from poppler-utils,
LibreOffice's soffice): `make test` installs them where it can (as root, with apt-get). Without one a test
skips on a developer's machine, saying which package brings it, and fails in CI (CI or BROWSER_TESTS_REQUIRED
set, as for the browser tests), so a CI run can never pass by skipping it."""

from __future__ import annotations

import os
import shutil

import pytest


def require_tool(command: str, package: str) -> str:
    """The path of `command`, or a skip (a failure in CI) naming the Debian package that brings it."""
    found = shutil.which(command)
    if found is not None:
        return found
    message = f"{command} is missing: apt-get install {package} (make test does, as root)"
    if os.environ.get("CI", "") or os.environ.get("BROWSER_TESTS_REQUIRED", ""):
        pytest.fail(f"{message}; CI is set, so this test may not skip", pytrace=False)
    pytest.skip(message)
