"""Assessment rounds: one trust, one period, one framework version (e.g. "2009 baseline")."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import bindparam, delete, func, select
from sqlmodel import Session, col

from app.choices import Role
from app.db.core import table
from app.db.disclosure_tables import Disclosure
from app.db.tables import Round, Trust
from app.errors import Conflict, Invalid, NotFound
from app.identity import Staff
from app.permissions import ANY_MEMBER, check_trust_access
from app.schemas.staff import RoundCreate
from app.store import audit, trusts


def create_round(
    db: Session, *, actor: Staff, trust_id: int, round_in: RoundCreate, framework_version: str
) -> Round:
    """A new open round in `trust_id`, pinned to `framework_version`.

    :raises Conflict: when the trust already has a round of that name.
    """
    same_name = select(Round).where(col(Round.trust_id) == trust_id, col(Round.name) == round_in.name)
    if db.scalar(same_name) is not None:
        raise Conflict(f"This trust already has a round called {round_in.name!r}.")
    db_round = Round(
        trust_id=trust_id,
        name=round_in.name,
        period_start=round_in.period_start,
        period_end=round_in.period_end,
        framework_version=framework_version,
        created_by_id=actor.user_id,
    )
    db.add(db_round)
    db.flush()
    audit.record(db, action="round.create", actor=actor, trust_id=trust_id, target=f"round {db_round.id}")
    return db_round


def rounds_of(db: Session, *, trust_id: int) -> Sequence[Round]:
    return db.scalars(
        select(Round)
        .where(col(Round.trust_id) == trust_id)
        .order_by(col(Round.created_at).desc(), col(Round.id).desc())
    ).all()


def get_round_for_staff(db: Session, *, staff: Staff, round_id: int, roles: frozenset[Role]) -> Round:
    """:raises NotFound: unknown round, or one in another trust; :raises Forbidden: role too low."""
    db_round = db.get(Round, round_id)
    if db_round is None:
        raise NotFound("There is no round with that id.")
    check_trust_access(staff, db_round.trust_id, roles=roles, what="round")
    return db_round


def get_round_with_trust(
    db: Session, *, staff: Staff, round_id: int, roles: frozenset[Role] = ANY_MEMBER
) -> tuple[Round, Trust]:
    """The round (`get_round_for_staff`) and its trust, which any member of the trust may see."""
    db_round = get_round_for_staff(db, staff=staff, round_id=round_id, roles=roles)
    trust = trusts.get_trust_for_staff(db, staff=staff, trust_id=db_round.trust_id, roles=ANY_MEMBER)
    return db_round, trust


def get_round_and_baseline(
    db: Session, *, staff: Staff, round_id: int, baseline_id: int | None, field: str = "baseline"
) -> tuple[Round, Trust, Round | None]:
    """A round, its trust and, when asked, a baseline round of the same trust, all readable by `staff`.

    :raises NotFound: an unknown round or baseline, one in another trust; :raises Invalid: the round as its
        own baseline (naming `field`).
    """
    rows = db.execute(_ROUNDS_AND_TRUSTS, {"ids": _wanted(round_id, baseline_id)})
    found = {db_round.id: (db_round, trust) for db_round, trust in rows}
    (db_round, trust), baseline = _round_and_baseline(
        found,
        trust_of=lambda pair: pair[0].trust_id,
        staff=staff,
        round_id=round_id,
        baseline_id=baseline_id,
        field=field,
    )
    return db_round, trust, None if baseline is None else baseline[0]


@dataclass(frozen=True)
class RoundLabel:
    """A round as its charts name it, read without loading the round: its trust, names, and the fingerprint
    of what its charts are drawn from (its latest publication and its targets' version); `published` is
    None for a round never published."""

    id: int
    trust_id: int
    name: str
    trust_name: str
    fingerprint: str
    published: int | None


def round_labels(
    db: Session, *, staff: Staff, round_id: int, baseline_id: int | None
) -> tuple[RoundLabel, RoundLabel | None]:
    """As `get_round_and_baseline`, in one light query: what a cached chart needs to be found.

    :raises NotFound: an unknown round or baseline, one in another trust; :raises Invalid: the round as its
        own baseline.
    """
    found = {}
    for row in db.connection().execute(_ROUND_LABELS, {"ids": _wanted(round_id, baseline_id)}):
        fingerprint = f"{row.scores_version}.{row.publication or 0}"
        found[row.id] = RoundLabel(
            row.id, row.trust_id, row.name, row.trust_name, fingerprint, row.publication
        )
    return _round_and_baseline(
        found, trust_of=lambda label: label.trust_id, staff=staff, round_id=round_id, baseline_id=baseline_id
    )


def _wanted(round_id: int, baseline_id: int | None) -> list[int]:
    return [round_id] if baseline_id is None else [round_id, baseline_id]


_Found = TypeVar("_Found")


def _round_and_baseline(
    found: Mapping[int, _Found],
    *,
    trust_of: Callable[[_Found], int],
    staff: Staff,
    round_id: int,
    baseline_id: int | None,
    field: str = "baseline",
) -> tuple[_Found, _Found | None]:
    """The round and the baseline among `found` (by id, each in the trust `trust_of` gives), checked as
    `get_round_and_baseline` says."""
    if round_id not in found:
        raise NotFound("There is no round with that id.")
    current = found[round_id]
    check_trust_access(staff, trust_of(current), roles=ANY_MEMBER, what="round")
    if baseline_id is None:
        return current, None
    baseline = found.get(baseline_id)
    check_baseline(
        round_id=round_id,
        trust_id=trust_of(current),
        baseline_id=baseline_id,
        baseline_trust_id=None if baseline is None else trust_of(baseline),
        field=field,
    )
    assert baseline is not None
    return current, baseline


def check_baseline(
    *, round_id: int, trust_id: int, baseline_id: int, baseline_trust_id: int | None, field: str = "baseline"
) -> None:
    """The baseline rule: a round is compared with another round of the same trust.

    :raises Invalid: the round as its own baseline (naming `field`); :raises NotFound: a baseline that does
        not exist (`baseline_trust_id` None) or belongs to another trust, which is not revealed.
    """
    if baseline_id == round_id:
        raise Invalid(field, "choose another round of the trust as the baseline, not the round itself")
    if baseline_trust_id != trust_id:
        raise NotFound("There is no round with that id in this trust to compare with.")


def _when(db_round: Round) -> tuple[date, datetime, int]:
    """When a round took place, for ordering a trust's rounds: its period's start, else the day it was
    started; then when it was started, and its id."""
    return (db_round.period_start or db_round.created_at.date(), db_round.created_at, db_round.id or 0)


def in_time_order(trust_rounds: Sequence[Round]) -> list[Round]:
    """A trust's rounds, earliest first (by period, then when started)."""
    return sorted(trust_rounds, key=_when)


def latest_round(trust_rounds: Sequence[Round]) -> Round | None:
    """The latest of a trust's rounds; None when it has none."""
    return max(trust_rounds, key=_when, default=None)


def round_before(current: Round, trust_rounds: Sequence[Round]) -> Round | None:
    """The trust's latest round before `current`: the baseline it is compared with by default."""
    return latest_round([r for r in trust_rounds if r.id != current.id and _when(r) < _when(current)])


# Built once: the charts and downloads ask them on every request, and building a statement costs more than
# running it. The labels are Core on the tables: a cached chart needs a few columns, not the rounds loaded.
_ROUNDS_AND_TRUSTS = (
    select(Round, Trust)
    .join(Trust, col(Trust.id) == Round.trust_id)
    .where(col(Round.id).in_(bindparam("ids", expanding=True)))
)
_ROUNDS, _TRUSTS, _DISCLOSURES = table(Round).c, table(Trust).c, table(Disclosure).c
_ROUND_LABELS = (
    select(
        _ROUNDS.id,
        _ROUNDS.trust_id,
        _ROUNDS.name,
        _ROUNDS.scores_version,
        _TRUSTS.name.label("trust_name"),
        select(func.max(_DISCLOSURES.id))
        .where(_DISCLOSURES.round_id == _ROUNDS.id, _DISCLOSURES.kind == "publication")
        .scalar_subquery()
        .label("publication"),
    )
    .join_from(table(Round), table(Trust), _TRUSTS.id == _ROUNDS.trust_id)
    .where(_ROUNDS.id.in_(bindparam("ids", expanding=True)))
)


def delete_round(db: Session, *, actor: Staff, db_round: Round) -> None:
    """Delete the round and, through the database's cascades, everything recorded under it."""
    db.execute(delete(Round).where(col(Round.id) == db_round.id))
    audit.record(
        db,
        action="round.delete",
        actor=actor,
        trust_id=db_round.trust_id,
        target=f"round {db_round.id}",
        detail=f"name {db_round.name!r}",
    )
