"""Quotas shared by every worker through Redis: one Lua script checks and counts an
admission across every subject and window, and a worker that cannot reach Redis falls
back to a conservative local share of the budget (never unlimited) and raises one alert
per outage. See `rempart.shield.quotas` for the buckets and docs/security/quotas.md."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import datetime

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from rempart.identity.permissions import Actor
from rempart.shield.alerts import (
    QUOTA_STORE_BACK,
    QUOTA_STORE_DOWN,
    Alert,
    AlertSink,
    LoggingAlertSink,
    Severity,
)
from rempart.shield.quotas import (
    BUCKETS,
    Check,
    LocalQuotas,
    QuotaPolicy,
    SubjectKind,
    epoch_ms,
    plan,
    refusal,
)

# KEYS: one hash per subject and window (field: bucket number, value: count).
# ARGV[1]: now in ms; then per key: bucket size in ms, limit. BUCKETS is ARGV[2].
# First pass reads every window and drops buckets that have left it; if any is spent,
# answer the longest wait and count nothing. Otherwise count the request everywhere.
_ADMIT = """
local now = tonumber(ARGV[1])
local width = tonumber(ARGV[2])
local worst = 0
for i, key in ipairs(KEYS) do
  local size = tonumber(ARGV[1 + 2 * i])
  local limit = tonumber(ARGV[2 + 2 * i])
  local current = math.floor(now / size)
  local flat = redis.call('HGETALL', key)
  local live = {}
  local total = 0
  for j = 1, #flat, 2 do
    local bucket = tonumber(flat[j])
    local count = tonumber(flat[j + 1])
    if bucket < current - width then
      redis.call('HDEL', key, flat[j])
    else
      total = total + count
      live[#live + 1] = {bucket, count}
    end
  end
  if total >= limit then
    table.sort(live, function(a, b) return a[1] < b[1] end)
    for _, entry in ipairs(live) do
      total = total - entry[2]
      if total < limit then
        local wait = (entry[1] + width + 1) * size - now
        if wait > worst then worst = wait end
        break
      end
    end
  end
end
if worst > 0 then
  return worst
end
for i, key in ipairs(KEYS) do
  local size = tonumber(ARGV[1 + 2 * i])
  redis.call('HINCRBY', key, string.format('%d', math.floor(now / size)), 1)
  redis.call('PEXPIRE', key, (width + 1) * size)
end
return 0
"""


class RedisShield:
    """Quotas shared by every worker through Redis, failing safe to a local share.

    `fallback_share` is this worker's part of every limit while Redis is unreachable:
    one over the number of workers, so that all of them together stay within the
    budget. `recheck_after` (seconds) spaces the attempts to reach Redis again during an
    outage, so that requests do not each pay a timeout."""

    def __init__(
        self,
        url: str,
        policy: QuotaPolicy | None = None,
        *,
        fallback_share: float = 0.25,
        alerts: AlertSink | None = None,
        namespace: str = "rempart:shield:quota",
        timeout: float = 0.1,
        recheck_after: float = 1.0,
    ) -> None:
        self.policy = policy or QuotaPolicy()
        self.fallback_policy = self.policy.scaled(fallback_share)
        self._alerts: AlertSink = alerts or LoggingAlertSink()
        self._namespace = namespace
        self._recheck_after = recheck_after
        # Short timeouts and no retries: a request must not wait on a sick Redis; the
        # local share answers instead. Connecting is lazy, so a process starts without it.
        self._client = redis.Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
            retry_on_timeout=False,
        )
        self._script = self._client.register_script(_ADMIT)
        self._local = LocalQuotas()
        self._lock = threading.Lock()
        self._down_since: float | None = None  # monotonic; None while Redis answers
        self._next_attempt = 0.0

    @property
    def degraded(self) -> bool:
        return self._down_since is not None

    def admit(
        self,
        *,
        actor: Actor,
        action: str,
        structure: str | None,
        now: datetime,
        address: str | None = None,
        new_account: bool = False,
        throttled: frozenset[SubjectKind] = frozenset(),
    ) -> None:
        now_ms = epoch_ms(now)
        if self._should_try_redis():
            checks = plan(
                self.policy,
                actor=actor,
                structure=structure,
                address=address,
                new_account=new_account,
                throttled=throttled,
                action=action,
            )
            try:
                wait = self._shared(checks, now_ms)
            except redis.RedisError as error:
                self._went_down(error)
            else:
                self._came_back()
                if wait > 0:
                    raise refusal(wait)
                return
        local = plan(
            self.fallback_policy,
            actor=actor,
            structure=structure,
            address=address,
            new_account=new_account,
            throttled=throttled,
            action=action,
        )
        self._local.admit(local, now_ms)

    def close(self) -> None:
        self._client.close()

    def _shared(self, checks: Sequence[Check], now_ms: int) -> int:
        keys = [f"{self._namespace}:{check.key}" for check in checks]
        args: list[int] = [now_ms, BUCKETS]
        for check in checks:
            args += [check.window.bucket_ms, check.limit]
        return int(self._script(keys=keys, args=args))

    def _should_try_redis(self) -> bool:
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
                    QUOTA_STORE_DOWN,
                    Severity.WARNING,
                    f"Redis did not answer ({type(error).__name__}); quotas fall back to "
                    "this worker's local share of the budget",
                )
            )

    def _came_back(self) -> None:
        with self._lock:
            since, self._down_since = self._down_since, None
        if since is not None:
            self._alerts.raise_alert(
                Alert(
                    QUOTA_STORE_BACK,
                    Severity.INFO,
                    f"Redis answers again after {time.monotonic() - since:.0f} s; "
                    "quotas are shared again",
                )
            )
