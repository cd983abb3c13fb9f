"""Shared fixtures: a platform on each backend, built the way production builds it.

PostgreSQL tests run when REMPART_TEST_DATABASE_URL is set (CI sets it); each test gets
a database of its own, created and dropped on that server. With REMPART_REQUIRE_SERVICES
set (CI), a missing or unreachable server fails the suite instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from rempart.bootstrap import Platform, open_platform
from rempart.db.database import Database
from rempart.kernel.clock import FixedClock
from rempart.registry import imports
from rempart.settings import Environment, Settings
from rempart.vault.keyring import KeyRing, LocalFileKeySource

# Timing lives in benchmarks/: a property is judged on what it returns, never on how long
# an example took on a shared machine (a 200 ms deadline failed under load).
hypothesis_settings.register_profile("rempart", deadline=None)
hypothesis_settings.load_profile("rempart")

TODAY = date(2026, 11, 28)
NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
BACKENDS = ["sqlite", "postgres"]


def _server_url() -> str | None:
    url = os.environ.get("REMPART_TEST_DATABASE_URL")
    if not url:
        if os.environ.get("REMPART_REQUIRE_SERVICES"):
            pytest.fail("REMPART_TEST_DATABASE_URL is required in CI")
        return None
    return url


def _admin_engine(url: str):  # type: ignore[no-untyped-def]
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, isolation_level="AUTOCOMMIT")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test."""
    server = _server_url()
    if server is None:
        pytest.skip("PostgreSQL tests need REMPART_TEST_DATABASE_URL")
    name = f"rempart_test_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine(server)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'rempart.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'rempart.sqlite3'}"


def make_settings(home: Path, database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "env": Environment.DEVELOPMENT,
        "home": home,
        "database_url": database_url,
        "import_batch_size": 500,
        "rotation_batch_size": 200,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def write_keys(home: Path) -> LocalFileKeySource:
    source = LocalFileKeySource(home / "keys.json", require_private=True)
    source.save(KeyRing.generate())
    return source


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    home = tmp_path / "home"
    write_keys(home)
    return make_settings(home, database_url)


@pytest.fixture
def platform(settings: Settings, clock: FixedClock) -> Iterator[Platform]:
    opened = open_platform(settings, clock=clock, migrate=True)
    yield opened
    opened.close()


@pytest.fixture
def sqlite_platform(tmp_path: Path, sqlite_url: str, clock: FixedClock) -> Iterator[Platform]:
    home = tmp_path / "home"
    write_keys(home)
    opened = open_platform(make_settings(home, sqlite_url), clock=clock, migrate=True)
    yield opened
    opened.close()


def fresh_database(url: str) -> Database:
    return Database(url)


@pytest.fixture(params=["in process", "second process"])
def preparation(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways an import prepares its lines: in its own process (small files), and in a
    second process while it writes (files past imports.SECOND_PROCESS_FROM_BYTES, here
    every file). What the registry ends up holding must not tell them apart."""
    if request.param == "second process":
        monkeypatch.setattr(imports, "SECOND_PROCESS_FROM_BYTES", 0)
    return str(request.param)
