"""Quotas shared by every worker through Redis: one Lua script checks and counts an
admission across every subject and window, and a worker that cannot reach Redis falls
back to a conservative local share of the budget (never unlimited) and raises one alert
per outage. See `rempart.shield.quotas` for the buckets and docs/security/quotas.md."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rempart.identity.permissions import Actor
from rempart.shield.alerts import QUOTA_STORE_BACK, QUOTA_STORE_DOWN, AlertSink, LoggingAlertSink
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
from rempart.shield.redis_outage import RedisOutage, fail_fast_client

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
        self._client = fail_fast_client(url, timeout)
        self._script = self._client.register_script(_ADMIT)
        self._local = LocalQuotas()
        self._outage = RedisOutage(
            self._alerts,
            recheck_after=recheck_after,
            down_code=QUOTA_STORE_DOWN,
            meanwhile="quotas fall back to this worker's local share of the budget",
            back_code=QUOTA_STORE_BACK,
            recovered="quotas are shared again",
        )

    @property
    def degraded(self) -> bool:
        return self._outage.degraded

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

        def checks(policy: QuotaPolicy) -> list[Check]:
            return plan(
                policy,
                actor=actor,
                structure=structure,
                address=address,
                new_account=new_account,
                throttled=throttled,
                action=action,
            )

        wait = self._outage.attempt(lambda: self._shared(checks(self.policy), now_ms))
        if wait is None:
            self._local.admit(checks(self.fallback_policy), now_ms)
        elif wait > 0:
            raise refusal(wait)

    def close(self) -> None:
        self._client.close()

    def _shared(self, checks: Sequence[Check], now_ms: int) -> int:
        keys = [f"{self._namespace}:{check.key}" for check in checks]
        args: list[int] = [now_ms, BUCKETS]
        for check in checks:
            args += [check.window.bucket_ms, check.limit]
        return int(self._script(keys=keys, args=args))
