"""The ``rainbow`` command line: run the service and look after its data.

Every setting comes from the ``RAINBOW_*`` environment variables (or ``.env``), as for the service itself.

- running: ``serve`` (the web app and API), ``migrate`` (create or upgrade the database schema),
  ``check-framework`` (validate a framework and its questionnaires);
- accounts: ``create-user`` (a staff account, optionally with a role in a trust), ``create-token`` (a
  personal API token, printed once);
- data: ``demo`` (a fictional trust with two rounds of answers), ``rebuild-rollups`` (recompute the score
  rollups from the answers), ``export`` (a round's CSV, XLSX or PDF download into a file, as the API gives it
  to a lead), ``backup`` (a consistent copy of the database, taken while the service runs).

Bad input is reported on stderr, naming what is wrong, with a non-zero exit status (2; 1 for an invalid
framework) and no change made. ``rainbow COMMAND --help`` describes each command.
"""

from __future__ import annotations

import os

from app.cli import accounts, data, running
from app.cli.common import cli

__all__ = ["accounts", "cli", "data", "main", "running"]


def main() -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    cli()
