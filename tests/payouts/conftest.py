from __future__ import annotations

import pytest

from rempart.bootstrap import Platform
from rempart.kernel.clock import FixedClock

from .support import Scene, build_scene


@pytest.fixture
def scene(platform: Platform, clock: FixedClock) -> Scene:
    return build_scene(platform, clock)
