"""Migrations reach head on both backends and match the models exactly (no drift)."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

import rempart.schema
from rempart.db.database import Database, DatabaseUnavailable
from rempart.db.engine import ServerTimeouts


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


def test_an_upgrade_behind_a_held_lock_names_the_lock_not_a_backup(postgres_url: str) -> None:
    """On a server, the operator's remedy for a lock not had in time is to wait for the
    transaction holding it; restoring a backup is the remedy for a damaged SQLite file."""
    Database(postgres_url).upgrade()
    holder = Database(postgres_url)
    database = Database(postgres_url, timeouts=ServerTimeouts(lock_s=0.2))
    try:
        with holder.engine.connect() as connection:
            connection.execute(text("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE"))
            with pytest.raises(DatabaseUnavailable) as refused:
                database.upgrade()
        message = str(refused.value)
        assert "REMPART_DATABASE_LOCK_TIMEOUT_S" in message
        assert "backup" not in message
        database.upgrade()  # once the lock is gone
    finally:
        holder.dispose()
        database.dispose()


def test_an_unreachable_server_is_told_as_such(postgres_url: str) -> None:
    unreachable = make_url(postgres_url).set(host="127.0.0.1", port=1)
    database = Database(unreachable.render_as_string(hide_password=False))
    try:
        with pytest.raises(DatabaseUnavailable, match="server is running") as refused:
            database.check_ready()
        assert "backup" not in str(refused.value)
    finally:
        database.dispose()
