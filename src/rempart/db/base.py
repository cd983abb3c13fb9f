"""The declarative base. A naming convention makes constraint names identical on SQLite
and PostgreSQL, so migrations and drift checks agree on both."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, MetaData, Table, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from rempart.db.types import UtcDateTime
from rempart.kernel.ids import new_id

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def table_of(model: type[Base]) -> Table:
    """A model's Table, typed as such (SQLAlchemy types `__table__` as a FromClause)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def index_where_present(name: str, column: str, *others: str) -> Index:
    """An index of the rows whose `column` is set: rows without it (most of a busy
    table's, for a column only some of them name) cost no insert and no page. Queries
    that compare the column (`=`, `IN`, `>=`) use it on both backends."""
    present = text(f"{column} IS NOT NULL")
    return Index(name, column, *others, sqlite_where=present, postgresql_where=present)


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)


class SealedMixin:
    """Rows holding ciphertexts or blind indexes record the key version that made them."""

    key_version: Mapped[int] = mapped_column()


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
