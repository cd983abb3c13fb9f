"""How a shield store in Redis lives through an outage, for the quotas and the feature
store alike: a client that gives up fast, one probe at a time while Redis is down, and
one alert when it goes, one when it comes back. What the worker does meanwhile (a local
share of the budget, its own features) is the caller's: `attempt` only says whether
Redis answered."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from rempart.shield.alerts import Alert, AlertSink, Severity

T = TypeVar("T")


def fail_fast_client(url: str, timeout: float) -> redis.Redis:
    """Short timeouts and no retries: a request must not wait on a sick Redis; the
    fallback answers instead. Connecting is lazy, so a process starts without Redis."""
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
        retry_on_timeout=False,
    )


class RedisOutage:
    """Whether Redis answers, as this worker last saw it. `recheck_after` (seconds)
    spaces the attempts to reach Redis again during an outage, so that requests do not
    each pay a timeout. `down_code`/`back_code` are the alerts' codes; `meanwhile` and
    `recovered` finish their texts (what the store does without Redis, and once back)."""

    def __init__(
        self,
        alerts: AlertSink,
        *,
        recheck_after: float,
        down_code: str,
        meanwhile: str,
        back_code: str,
        recovered: str,
    ) -> None:
        self._alerts = alerts
        self._recheck_after = recheck_after
        self._down_code, self._meanwhile = down_code, meanwhile
        self._back_code, self._recovered = back_code, recovered
        self._lock = threading.Lock()
        self._down_since: float | None = None  # monotonic; None while Redis answers
        self._next_attempt = 0.0

    @property
    def degraded(self) -> bool:
        return self._down_since is not None

    def attempt(self, shared: Callable[[], T]) -> T | None:
        """`shared()`'s answer, or None when Redis did not answer or is known down and
        not due for another probe (`shared` is then not called). Errors other than
        Redis's pass through and say nothing of Redis."""
        if not self._should_try():
            return None
        try:
            answer = shared()
        except redis.RedisError as error:
            self._went_down(error)
            return None
        self._came_back()
        return answer

    def _should_try(self) -> bool:
        with self._lock:
            if self._down_since is None:
                return True
            if time.monotonic() < self._next_attempt:
                return False
            # One request at a time probes Redis during an outage; the others stay local.
            self._next_attempt = time.monotonic() + self._recheck_after
            return True

    def _went_down(self, error: redis.RedisError) -> None:
        with self._lock:
            first = self._down_since is None
            if first:
                self._down_since = time.monotonic()
            self._next_attempt = time.monotonic() + self._recheck_after
        if first:
            # The error's class only: its message may carry the URL and its credentials.
            self._alerts.raise_alert(
                Alert(
                    self._down_code,
                    Severity.WARNING,
                    f"Redis did not answer ({type(error).__name__}); {self._meanwhile}",
                )
            )

    def _came_back(self) -> None:
        with self._lock:
            since, self._down_since = self._down_since, None
        if since is not None:
            self._alerts.raise_alert(
                Alert(
                    self._back_code,
                    Severity.INFO,
                    f"Redis answers again after {time.monotonic() - since:.0f} s; "
                    f"{self._recovered}",
                )
            )
