"""Alembic environment: the engine comes from the caller (rempart db upgrade, tests)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

import rempart.schema  # noqa: F401  (registers every table)
from rempart.db.base import Base

config = context.config
engine = config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("run migrations through 'rempart db upgrade', which supplies the engine")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things in place
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
