"""Baseline: the schema history starts here; tables arrive with the features that use them.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to create yet: applying it records that the database is under migration control."""


def downgrade() -> None:
    """Nothing to drop."""
