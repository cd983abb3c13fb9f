"""Fixtures of the registry tests: registries on each backend, and fresh SQLite copies of a
template built once per module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rempart.bootstrap import Platform

from ..conftest import write_keys
from .support import fresh_sqlite, open_sqlite, register_insurers


@pytest.fixture
def registered(platform: Platform) -> Platform:
    """On each backend: for the requirements that touch the database's behaviour."""
    return register_insurers(platform)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite registry holding the world's insurers, with its keys, built once:
    each SQLite-only test opens a copy instead of migrating and registering again."""
    directory = tmp_path_factory.mktemp("template")
    write_keys(directory / "home")
    register_insurers(open_sqlite(directory, migrate=True)).close()
    return directory


@pytest.fixture
def sqlite_registered(template: Path, tmp_path: Path) -> Iterator[Platform]:
    """SQLite only: for line-level reporting, which the backend does not change."""
    with fresh_sqlite(template, tmp_path / "registry") as opened:
        yield opened
