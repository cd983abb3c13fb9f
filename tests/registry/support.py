"""Shared by the registry's import tests: a small synthetic world and fresh platforms."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from rempart.bootstrap import Platform, open_platform
from rempart.kernel.clock import FixedClock
from rempart.registry import service
from rempart.registry.domain import BeneficiaryStatement
from rempart.registry.generator import SyntheticFrance

from ..conftest import NOW, make_settings
from ..factories import france, statements

SIZE = 120


@cache
def world() -> SyntheticFrance:
    return france(SIZE, seed=11)


@cache
def lines() -> tuple[BeneficiaryStatement, ...]:
    return tuple(statements(world(), SIZE, seed=11))


def register_insurers(platform: Platform) -> Platform:
    """The world's insurers and contracts: all an import needs."""
    service.register_reference_data(uow=platform.uow(), insurers=world().insurers)
    return platform


def open_sqlite(directory: Path, *, migrate: bool = False) -> Platform:
    settings = make_settings(directory / "home", f"sqlite:///{directory / 'rempart.sqlite3'}")
    return open_platform(settings, clock=FixedClock(NOW), migrate=migrate)


@contextmanager
def fresh_sqlite(template: Path, directory: Path) -> Iterator[Platform]:
    """Another fresh platform: a copy of the template, in its own directory."""
    shutil.copytree(template, directory, dirs_exist_ok=True)
    opened = open_sqlite(directory)
    try:
        yield opened
    finally:
        opened.close()
