"""The shield port: every use case that serves personal data asks it first, with who is
asking and for what. It answers by returning (go on) or raising `RateLimited`.

`FixedBudgetShield` is the default adapter until the shield issue brings shared quotas,
detectors and containment: a sliding-window budget per actor (the account, or for
software the client and the acting professional), per structure and per action, kept in
this process. It is deliberately conservative — never unlimited — and, being per
process, several workers each grant their own budget: the shield issue replaces it with
shared state (Redis) that degrades to a local share of the budget, not to unlimited."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from rempart.identity.permissions import Actor
from rempart.kernel.errors import RateLimited


class Shield(Protocol):
    def admit(self, *, actor: Actor, action: str, structure: str | None, now: datetime) -> None:
        """Return to go on; raise RateLimited to refuse."""
        ...


@dataclass(frozen=True)
class Budget:
    per_minute: int = 60  # a busy counter does a few checks a minute, not sixty
    per_hour: int = 600
    per_structure_per_minute: int = 240


class FixedBudgetShield:
    def __init__(self, budget: Budget | None = None) -> None:
        self.budget = budget or Budget()
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, ...], deque[datetime]] = {}

    def admit(self, *, actor: Actor, action: str, structure: str | None, now: datetime) -> None:
        who = str(actor.client_id or actor.account_id), actor.rpps or ""
        windows: list[tuple[tuple[str, ...], timedelta, int]] = [
            (("actor", *who, action), timedelta(minutes=1), self.budget.per_minute),
            (("actor", *who, action), timedelta(hours=1), self.budget.per_hour),
        ]
        if structure is not None:
            windows.append(
                (
                    ("structure", structure, action),
                    timedelta(minutes=1),
                    self.budget.per_structure_per_minute,
                )
            )
        with self._lock:
            for key, span, limit in windows:
                seen = self._seen.setdefault(key, deque())
                while seen and now - seen[0] >= timedelta(hours=1):
                    seen.popleft()
                recent = sum(1 for instant in seen if now - instant < span)
                if recent >= limit:
                    oldest = next(instant for instant in seen if now - instant < span)
                    wait = max(1, int((oldest + span - now).total_seconds() + 0.999))
                    raise RateLimited("too many requests: slow down", retry_after=wait)
            for key in {key for key, _, _ in windows}:
                self._seen[key].append(now)
