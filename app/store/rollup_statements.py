"""The statements of the answer write path, built once per dialect and run as plain SQLAlchemy Core.

Core rather than the ORM on purpose: a room's batch of answers is hundreds of rows, and building an upsert
costs more than running it; the statements are built on the tables, once, and reused for every batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, Connection, Table, any_, bindparam, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from app.db.core import table
from app.db.rollup_tables import ScoreRollup, StatementRollup
from app.db.tables import Answer, Participant

#: The counters of a statement rollup (and of a cell: their sums), in the order a vector of counts gives them.
CELL_COUNTERS = ("rated_1", "rated_2", "rated_3", "rated_4", "rated_5", "dont_know", "not_applicable")


@dataclass(frozen=True)
class BulkUpsert:
    """An INSERT ... ON CONFLICT DO UPDATE of many rows at once, whose keys are all distinct.

    On PostgreSQL the rows go as one array per column, unnested into one statement: SQLAlchemy would send
    an upsert a row (its multi-row form skips statements with ON CONFLICT), and PostgreSQL's work and the
    driver's is then mostly per statement: for a room's batch of answers, hundreds of them. On SQLite, which
    runs in the process, a statement a row costs little, and it keeps the plain statement.
    """

    statement: Any
    array_columns: tuple[str, ...] = ()  # PostgreSQL: the columns, sent as arrays

    def run(self, connection: Connection, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if not self.array_columns:
            connection.execute(self.statement, rows)
            return
        connection.execute(self.statement, {name: [row[name] for row in rows] for name in self.array_columns})


def _bulk_upsert(
    dialect_name: str, table: Table, columns: tuple[str, ...], keys: list[str], set_: SetClause
) -> BulkUpsert:
    """An upsert of `columns` of `table` on the unique `keys`; `set_(table columns, excluded)` gives the
    columns to update."""
    if dialect_name != "postgresql":
        plain = sqlite.insert(table)
        return BulkUpsert(
            plain.on_conflict_do_update(index_elements=keys, set_=set_(table.c, plain.excluded))
        )
    arrays = [bindparam(name, type_=postgresql.ARRAY(table.c[name].type)) for name in columns]
    unnested = func.unnest(*arrays).table_valued(*columns).render_derived(name="given")
    statement = postgresql.insert(table).from_select(columns, select(*unnested.c))
    statement = statement.on_conflict_do_update(index_elements=keys, set_=set_(table.c, statement.excluded))
    return BulkUpsert(statement, columns)


#: (the table's columns, the row that conflicted) -> the columns an upsert sets
SetClause = Callable[[Any, Any], dict[str, Any]]


@dataclass(frozen=True)
class _Statements:
    """The statements of the write path, built once per dialect (building an upsert costs more than
    running it), on the tables rather than the ORM classes, so they run as plain Core."""

    upsert_answer: BulkUpsert
    delete_answer: Any
    move_score: BulkUpsert
    move_statement: BulkUpsert
    current_answers: Any
    lock_participants: Any


@cache
def statements_of_dialect(dialect_name: str) -> _Statements:
    answers, scores, statements = table(Answer), table(ScoreRollup), table(StatementRollup)
    participants = table(Participant)
    upsert_answer = _bulk_upsert(
        dialect_name,
        answers,
        ("participant_id", "item_code", "rating", "kind", "comment", "updated_at"),
        ["participant_id", "item_code"],
        lambda _, new: {name: new[name] for name in ("rating", "kind", "comment", "updated_at")},
    )
    move_score = _bulk_upsert(
        dialect_name,
        scores,
        ("round_id", "arc", "viewpoint", "shard", "score_num", "score_den", "participants"),
        ["round_id", "arc", "viewpoint", "score_num", "score_den", "shard"],
        lambda old, new: {"participants": old.participants + new.participants},
    )
    move_statement = _bulk_upsert(
        dialect_name,
        statements,
        ("round_id", "arc", "viewpoint", "item_code", "shard", *CELL_COUNTERS),
        ["round_id", "viewpoint", "item_code", "shard"],
        lambda old, new: {name: old[name] + new[name] for name in CELL_COUNTERS},
    )
    ids: BindParameter[int] = bindparam("ids", expanding=True)
    return _Statements(
        upsert_answer=upsert_answer,
        delete_answer=delete(answers).where(
            answers.c.participant_id == bindparam("pid"), answers.c.item_code == bindparam("code")
        ),
        move_score=move_score,
        move_statement=move_statement,
        current_answers=select(
            answers.c.participant_id, answers.c.item_code, answers.c.kind, answers.c.rating
        ).where(
            # One statement whatever the number of participants on PostgreSQL, so it is prepared once.
            answers.c.participant_id
            == any_(bindparam("ids", type_=postgresql.ARRAY(answers.c.participant_id.type)))
            if dialect_name == "postgresql"
            else answers.c.participant_id.in_(ids)
        ),
        lock_participants=select(participants.c.id)
        .where(participants.c.id.in_(ids))
        .order_by(participants.c.id)
        .with_for_update(),
    )


def statements_for(db: Session) -> _Statements:
    return statements_of_dialect(db.get_bind().dialect.name)
