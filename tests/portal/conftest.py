"""Fixtures of the portal tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from .support import DemoWorld, demo_world


@pytest.fixture
def world(tmp_path: Path, sqlite_url: str) -> DemoWorld:
    return demo_world(tmp_path, sqlite_url)
