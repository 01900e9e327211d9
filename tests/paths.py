"""Where the project's files are, for tests that read them (the README, the source tree)."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
