"""Quotas: sliding windows of a minute, an hour and a day over several subjects at once —
the actor, its structure, its software client, its address and the whole platform.

One admission is one check-and-count across every subject and window: if any of them is
spent, nothing is counted and the caller is told when to come back (the longest wait).
Counting the refused attempts too would let a scraper lock a whole structure out by
hammering; counting only some subjects would let a refusal on one subject still spend
the others.

Each window is cut into `BUCKETS` buckets (a second for the minute, a minute for the
hour, 24 minutes for the day) and a request is counted in its bucket. The window at
`now` sums the current bucket and the `BUCKETS` before it, so it always covers at least
the last full window: a request is forgotten between one window and one window plus one
bucket after it was made — never early. That keeps memory bounded (61 counters per
subject and window, however busy the platform) where a log of every instant would hold a
day of requests for the global budget.

`RedisShield` keeps the buckets in Redis, shared by every worker, and runs the whole
admission as one Lua script (Redis runs a script alone: no other admission interleaves).
When Redis does not answer it does not admit everything (principle 5, fail safe): each
worker falls back to a conservative share of the budget kept in process, raises one
alert per outage, and goes back to Redis as soon as it answers again.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from rempart.identity.permissions import Actor
from rempart.kernel.errors import RateLimited

BUCKETS = 60  # buckets per window: the window is exact to one bucket (a sixtieth)


@dataclass(frozen=True)
class Window:
    name: str  # short, it is part of every Redis key
    span_ms: int

    @property
    def bucket_ms(self) -> int:
        return self.span_ms // BUCKETS


MINUTE = Window("m", 60_000)
HOUR = Window("h", 3_600_000)
DAY = Window("d", 86_400_000)
WINDOWS = (MINUTE, HOUR, DAY)


@dataclass(frozen=True)
class Limits:
    """Requests allowed to one subject over each window."""

    per_minute: int
    per_hour: int
    per_day: int

    def __post_init__(self) -> None:
        # A zero limit would be a closed door, which is containment's job, not a quota's.
        if min(self.per_minute, self.per_hour, self.per_day) < 1:
            raise ValueError("quota limits are at least 1")

    def of(self, window: Window) -> int:
        return {MINUTE: self.per_minute, HOUR: self.per_hour, DAY: self.per_day}[window]

    def scaled(self, share: float) -> Limits:
        # Rounded down but never to zero: a share is conservative, not a shutdown.
        return Limits(*(max(1, math.floor(limit * share)) for limit in self._all()))

    def _all(self) -> tuple[int, int, int]:
        return self.per_minute, self.per_hour, self.per_day


class SubjectKind(StrEnum):
    ACTOR = "actor"
    STRUCTURE = "structure"
    CLIENT = "client"
    ADDRESS = "address"
    GLOBAL = "global"


@dataclass(frozen=True)
class QuotaPolicy:
    """Limits per subject kind, sized for a pharmacy counter: a professional checks a
    few cards a minute at a busy moment, a few hundred on a long day; a structure has a
    handful of counters; a software client belongs to one structure; an address may
    front a few structures (a shared building, a group's network)."""

    actor: Limits = field(default_factory=lambda: Limits(60, 600, 3_000))
    structure: Limits = field(default_factory=lambda: Limits(240, 2_400, 12_000))
    client: Limits = field(default_factory=lambda: Limits(240, 2_400, 12_000))
    address: Limits = field(default_factory=lambda: Limits(480, 4_800, 24_000))
    # The whole platform: far above any real peak, a ceiling against a distributed
    # scrape that keeps each account, structure and address under its own limits.
    everyone: Limits = field(default_factory=lambda: Limits(60_000, 1_500_000, 10_000_000))
    # New accounts get this share of the actor budget until they have a history.
    new_account_share: float = 0.5

    def __post_init__(self) -> None:
        if not 0 < self.new_account_share <= 1:
            raise ValueError("new_account_share lies in (0, 1]")

    def limits(self, kind: SubjectKind) -> Limits:
        return {
            SubjectKind.ACTOR: self.actor,
            SubjectKind.STRUCTURE: self.structure,
            SubjectKind.CLIENT: self.client,
            SubjectKind.ADDRESS: self.address,
            SubjectKind.GLOBAL: self.everyone,
        }[kind]

    def scaled(self, share: float) -> QuotaPolicy:
        """Every limit times `share` (a worker's part of the budget when it is alone)."""
        if not 0 < share <= 1:
            raise ValueError("a share lies in (0, 1]")
        scaled = {
            f.name: getattr(self, f.name).scaled(share)
            for f in fields(self)
            if isinstance(getattr(self, f.name), Limits)
        }
        return replace(self, **scaled)

    @classmethod
    def everywhere(cls, limits: Limits) -> QuotaPolicy:
        """The same limits for every subject (benchmarks and tests)."""
        return cls(actor=limits, structure=limits, client=limits, address=limits, everyone=limits)


@dataclass(frozen=True)
class Check:
    """One subject over one window: its opaque key and its limit."""

    key: str
    window: Window
    limit: int


def subject_key(kind: SubjectKind, identifier: str) -> str:
    """Opaque: the identifiers are account and client UUIDs, FINESS, RPPS and addresses,
    none of which belongs in a key an operator lists. (Hashing makes the keys opaque,
    not secret: low-entropy identifiers can be guessed back, so Redis stays private.)"""
    digest = hashlib.sha256(f"{kind.value}\x00{identifier}".encode()).hexdigest()
    return f"{kind.value}:{digest}"


def plan(
    policy: QuotaPolicy,
    *,
    actor: Actor,
    structure: str | None,
    address: str | None,
    new_account: bool,
) -> list[Check]:
    """Every subject and window one admission counts against. The action is not part of
    the key: all data-serving actions share a subject's budget, so that an attacker does
    not multiply it by switching endpoints."""
    if actor.client_id is not None:
        # Software: the client for the named professional at the counter.
        who = f"client={actor.client_id};rpps={actor.rpps or ''}"
    else:
        who = f"account={actor.account_id}"
    actor_limits = policy.actor
    if new_account:
        actor_limits = actor_limits.scaled(policy.new_account_share)
    subjects: list[tuple[SubjectKind, str, Limits]] = [
        (SubjectKind.ACTOR, who, actor_limits),
        (SubjectKind.GLOBAL, "", policy.everyone),
    ]
    if structure is not None:
        subjects.append((SubjectKind.STRUCTURE, structure, policy.structure))
    if actor.client_id is not None:
        subjects.append((SubjectKind.CLIENT, str(actor.client_id), policy.client))
    if address:
        subjects.append((SubjectKind.ADDRESS, address, policy.address))
    return [
        Check(f"{subject_key(kind, identifier)}:{window.name}", window, limits.of(window))
        for kind, identifier, limits in subjects
        for window in WINDOWS
    ]


def epoch_ms(now: datetime) -> int:
    return math.floor(now.timestamp() * 1000)


def refusal(wait_ms: int) -> RateLimited:
    # Whole seconds, rounded up: coming back at Retry-After is always soon enough.
    return RateLimited("too many requests: slow down", retry_after=max(1, -(-wait_ms // 1000)))


def _wait_ms(buckets: dict[int, int], check: Check, now_ms: int) -> int:
    """0 when one more request fits in `check`'s window; else how long until it does."""
    size = check.window.bucket_ms
    current = now_ms // size
    live = sorted((b, n) for b, n in buckets.items() if b >= current - BUCKETS)
    remaining = sum(n for _, n in live)
    if remaining < check.limit:
        return 0
    for bucket, count in live:
        remaining -= count
        if remaining < check.limit:
            # This bucket leaves the window when the current bucket is BUCKETS + 1 on.
            return (bucket + BUCKETS + 1) * size - now_ms
    raise AssertionError("unreachable: limits are at least 1")


class LocalQuotas:
    """The same buckets, kept in this process: the default shield of a single process,
    and the fallback of `RedisShield` when Redis does not answer."""

    _SWEEP_EVERY = 4096  # admissions between two sweeps of subjects gone quiet

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, dict[int, int]] = {}
        self._admitted = 0

    def admit(self, checks: Sequence[Check], now_ms: int) -> None:
        with self._lock:
            wait = max(
                (_wait_ms(self._buckets.get(c.key, {}), c, now_ms) for c in checks), default=0
            )
            if wait > 0:
                raise refusal(wait)
            for check in checks:
                buckets = self._buckets.setdefault(check.key, {})
                current = now_ms // check.window.bucket_ms
                buckets[current] = buckets.get(current, 0) + 1
                for stale in [b for b in buckets if b < current - BUCKETS]:
                    del buckets[stale]
            self._admitted += 1
            if self._admitted % self._SWEEP_EVERY == 0:
                self._sweep(now_ms)

    def _sweep(self, now_ms: int) -> None:
        # Keys carry their window's name last; a subject whose newest bucket has left
        # the window holds nothing that could refuse anyone.
        spans = {window.name: window for window in WINDOWS}
        for key in list(self._buckets):
            window = spans[key.rsplit(":", 1)[1]]
            current = now_ms // window.bucket_ms
            if max(self._buckets[key], default=-1) < current - BUCKETS:
                del self._buckets[key]


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


class Severity(StrEnum):
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Alert:
    """What happened to the shield itself; never an identifier of a person or client."""

    code: str
    severity: Severity
    detail: str


QUOTA_STORE_DOWN = "shield.quota-store-unreachable"
QUOTA_STORE_BACK = "shield.quota-store-recovered"


class AlertSink(Protocol):
    def raise_alert(self, alert: Alert) -> None: ...


class LoggingAlertSink:
    """Alerts as log records, for the log pipeline to page on; the shield's alert store
    and outbox adapters come with the detectors."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._logger = logger or logging.getLogger("rempart.shield.alerts")

    def raise_alert(self, alert: Alert) -> None:
        level = logging.WARNING if alert.severity is Severity.WARNING else logging.INFO
        self._logger.log(level, "%s: %s", alert.code, alert.detail)


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
    ) -> None:
        now_ms = epoch_ms(now)
        if self._should_try_redis():
            checks = plan(
                self.policy,
                actor=actor,
                structure=structure,
                address=address,
                new_account=new_account,
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
