"""Every table of the service, registered on SQLModel's metadata: what the migrations build and the tests
compare them with. Import this module, not a single table module, to have them all."""

from __future__ import annotations

from app.db import disclosure_tables, identity_tables, rollup_tables, tables

TABLE_MODULES = (tables, rollup_tables, disclosure_tables, identity_tables)
