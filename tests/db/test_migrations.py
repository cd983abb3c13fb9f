"""Migrations reach head on both backends and match the models exactly (no drift)."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import rempart.schema
from rempart.db.database import Database, DatabaseUnavailable


def test_upgrade_to_head_creates_every_table(database_url: str) -> None:
    database = Database(database_url)
    try:
        database.upgrade()
        database.check_ready()
        with database.engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
        assert set(rempart.schema.metadata.tables) <= tables
    finally:
        database.dispose()


def test_models_and_migrations_do_not_drift(database_url: str) -> None:
    database = Database(database_url)
    try:
        database.upgrade()
        with database.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            differences = compare_metadata(context, rempart.schema.metadata)
        assert differences == [], f"models differ from migrations: {differences}"
    finally:
        database.dispose()


def test_upgrade_is_repeatable(database_url: str) -> None:
    database = Database(database_url)
    try:
        database.upgrade()
        database.upgrade()
        database.check_ready()
    finally:
        database.dispose()


def test_an_unmigrated_database_is_refused_clearly(database_url: str) -> None:
    database = Database(database_url)
    try:
        with pytest.raises(DatabaseUnavailable, match="rempart db upgrade"):
            database.check_ready()
    finally:
        database.dispose()
