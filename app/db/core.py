"""The tables behind the SQLModel classes, for the few statements that run as plain SQLAlchemy Core.

Queries go through the SQLModel classes (with `sqlmodel.col` where a column is used as an expression). A
statement runs as Core, on the table, only where that pays: on a hot path (every request of signed-in staff,
every join, every batch of answers), where it is built once and reused, because building a statement costs
more than running it. Each such statement says so where it is built.
"""

from __future__ import annotations

from sqlalchemy import Table, inspect
from sqlmodel import SQLModel


def table(model: type[SQLModel]) -> Table:
    """The table a table model (``table=True``) maps; SQLModel declares ``__table__`` without a type."""
    mapped = inspect(model).local_table
    if not isinstance(mapped, Table):  # a model mapped onto a join or a query: none of ours is
        raise TypeError(f"{model.__name__} is not mapped onto a table")
    return mapped
