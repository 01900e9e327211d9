"""Peer bands: one round per trust of the year, each other trust's latest."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from app.store.peer_bands import _one_round_per_trust, peer_bands
from sqlalchemy import Engine

from app.config import Settings
from app.db.engine import create_db_engine, read_session, write_session
from app.db.tables import Round, Trust
from app.services.reports import Thresholds
from framework.model import load_framework
from tests.factories import add_round

FRAMEWORK = load_framework()

pytestmark = pytest.mark.database


@pytest.fixture
def engine(migrated: Settings) -> Iterator[Engine]:
    engine = create_db_engine(migrated)
    yield engine
    engine.dispose()


def _trust(engine: Engine, name: str) -> int:
    with write_session(engine) as db:
        trust = Trust(name=name)
        db.add(trust)
        db.flush()
        assert trust.id is not None
        return trust.id


def test_a_trust_with_two_rounds_in_the_year_is_one_peer_compared_by_its_latest(engine: Engine) -> None:
    own_id = add_round(engine, trust_id=_trust(engine, "Own"), name="2009", period_start=date(2009, 9, 1))
    twice = _trust(engine, "Twice")
    add_round(engine, trust_id=twice, name="spring", period_start=date(2009, 3, 1))
    later = add_round(engine, trust_id=twice, name="autumn", period_start=date(2009, 10, 1))
    add_round(engine, trust_id=twice, name="next year", period_start=date(2010, 1, 1))
    once = _trust(engine, "Once")
    only = add_round(engine, trust_id=once, name="2009", period_start=date(2009, 5, 1))
    with read_session(engine) as db:
        own = db.get(Round, own_id)
        assert own is not None
        assert _one_round_per_trust(db, year=2009, own=own) == {
            own.trust_id: own_id,
            twice: later,
            once: only,
        }
        bands = peer_bands(db, db_round=own, framework=FRAMEWORK, thresholds=Thresholds(5, 5), min_trusts=3)
    assert bands.year == 2009 and not bands.enough_trusts  # three trusts, not four rounds: below five
