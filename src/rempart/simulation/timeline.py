"""Simulated time: a queue of actions by instant. Running it moves the world's clock to
each action's instant before the action runs, so every use case sees the simulated
`now` (its unit of work reads the clock), and a month passes in minutes."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from datetime import datetime

from rempart.kernel.clock import FixedClock

Action = Callable[[], None]


class Timeline:
    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self._queue: list[tuple[datetime, int, Action]] = []
        self._order = itertools.count()

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def at(self, when: datetime, action: Action) -> None:
        """Run `action` at `when` (at once, in order, if `when` has passed)."""
        heapq.heappush(self._queue, (max(when, self.now), next(self._order), action))

    def run_until(self, end: datetime) -> None:
        """Every action due up to `end`, in order of instant (then of scheduling)."""
        while self._queue and self._queue[0][0] <= end:
            when, _, action = heapq.heappop(self._queue)
            if when > self.clock.now():
                self.clock.set(when)
            action()
        if end > self.clock.now():
            self.clock.set(end)
