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

`RedisShield` (in `rempart.shield.redis_quotas`) keeps the buckets in Redis, shared by
every worker, and runs the whole admission as one Lua script (Redis runs a script alone:
no other admission interleaves). When Redis does not answer it does not admit everything
(principle 5, fail safe): each worker falls back to a conservative share of the budget
kept in process, raises one alert per outage, and goes back to Redis as soon as it
answers again.
"""

from __future__ import annotations

import functools
import hashlib
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from enum import StrEnum

from rempart.identity.permissions import Actor, Role
from rempart.kernel.errors import RateLimited
from rempart.shield.detectors.events import BurstPolicy

# The account-burst detector's factors by role, from one place: the account-request
# budget follows them.
_BURST = BurstPolicy()

BUCKETS = 60  # buckets per window: the window is exact to one bucket (a sixtieth)
# The action of an account request: counted, besides the actor's own budget, against a
# budget of account requests (`QuotaPolicy.account_requests`).
ACCOUNT_REQUEST = "identity.account.request"


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
        if window is MINUTE:
            return self.per_minute
        return self.per_hour if window is HOUR else self.per_day

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
    # A subject the containment ladder throttles gets this share of its budget: a
    # counter's slow pace still passes, a scraper's does not.
    throttle_share: float = 0.1
    # Account requests of one structure administrator, on a budget of their own: the
    # actor budget is sized for reading cards, and a tenth of it would not slow anyone
    # creating accounts. Platform administrators onboard five times more, insurer staff
    # request their members' accounts (25 times): the account-burst detector's
    # factors. Whole, it lets an honest day through; its tenth (the throttle rung) is
    # one request an hour (six for a platform administrator), with a day still above
    # the detector's suspension step, so that the ladder goes on climbing.
    account_requests: Limits = field(default_factory=lambda: Limits(2, 12, 150))
    account_request_factors: tuple[tuple[Role, float], ...] = (
        (Role.PLATFORM_ADMIN, _BURST.platform_admin_factor),
        (Role.INSURER_STAFF, _BURST.insurer_factor),
    )

    def __post_init__(self) -> None:
        if not 0 < self.new_account_share <= 1:
            raise ValueError("new_account_share lies in (0, 1]")
        if not 0 < self.throttle_share <= 1:
            raise ValueError("throttle_share lies in (0, 1]")
        if any(factor < 1 for _, factor in self.account_request_factors):
            raise ValueError("an account-request factor is at least 1")

    def account_limits(self, role: Role) -> Limits:
        """The account-request budget of a person of `role`."""
        factor = dict(self.account_request_factors).get(role, 1.0)
        return self.account_requests.scaled(factor)

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


# Memoised: every admission names the same few subjects again (its actor, structure and
# address), and four hashes a request were a tenth of a rights check's own work. A pure
# function of its arguments, bounded: it changes no answer, only how often it is computed.
@functools.lru_cache(maxsize=16_384)
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
    throttled: frozenset[SubjectKind] = frozenset(),
    action: str = "",
) -> list[Check]:
    """Every subject and window one admission counts against. The action is not part of
    the key: all data-serving actions share a subject's budget, so that an attacker does
    not multiply it by switching endpoints. An account request (`ACCOUNT_REQUEST`) also
    counts against the actor's account-request budget. A `throttled` actor or structure
    counts in the same buckets against a tenth of its limits (`throttle_share`)."""
    if actor.client_id is not None:
        # Software: the client for the named professional at the counter.
        who = f"client={actor.client_id};rpps={actor.rpps or ''}"
        client = str(actor.client_id)
    else:
        who, client = f"account={actor.account_id}", None
    accounts = policy.account_limits(actor.role) if action == ACCOUNT_REQUEST else None
    return list(_plan(policy, who, client, structure, address, new_account, throttled, accounts))


# Memoised, like `subject_key`: a counter's admissions name the same subjects again and
# again, and building a dozen keyed checks each time was most of an admission's cost. A
# pure function of hashable, immutable arguments (the policy is frozen), bounded.
@functools.lru_cache(maxsize=4096)
def _plan(
    policy: QuotaPolicy,
    who: str,
    client: str | None,
    structure: str | None,
    address: str | None,
    new_account: bool,
    throttled: frozenset[SubjectKind],
    accounts: Limits | None = None,
) -> tuple[Check, ...]:
    actor_limits = policy.actor
    if new_account:
        actor_limits = actor_limits.scaled(policy.new_account_share)
    if SubjectKind.ACTOR in throttled:
        actor_limits = actor_limits.scaled(policy.throttle_share)
        if accounts is not None:
            accounts = accounts.scaled(policy.throttle_share)
    structure_limits = policy.structure
    if SubjectKind.STRUCTURE in throttled:
        structure_limits = structure_limits.scaled(policy.throttle_share)
    subjects: list[tuple[SubjectKind, str, Limits]] = [
        (SubjectKind.ACTOR, who, actor_limits),
        (SubjectKind.GLOBAL, "", policy.everyone),
    ]
    if structure is not None:
        subjects.append((SubjectKind.STRUCTURE, structure, structure_limits))
    if client is not None:
        subjects.append((SubjectKind.CLIENT, client, policy.client))
    if address:
        subjects.append((SubjectKind.ADDRESS, address, policy.address))
    if accounts is not None:
        # The same person, in keys of their own: these buckets count account requests only.
        subjects.append((SubjectKind.ACTOR, f"{who};accounts", accounts))
    return tuple(
        Check(f"{subject_key(kind, identifier)}:{window.name}", window, limits.of(window))
        for kind, identifier, limits in subjects
        for window in WINDOWS
    )


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


class _Tally:
    """One key's buckets, with their sum and their oldest bucket kept up to date, so that
    an admission whose buckets are all still in the window reads its count without
    summing or sorting them (the usual case: buckets leave once a bucket's time)."""

    __slots__ = ("buckets", "oldest", "total")

    def __init__(self, buckets: dict[int, int] | None = None) -> None:
        self.buckets: dict[int, int] = dict(buckets or {})
        self.total = sum(self.buckets.values())
        self.oldest = min(self.buckets, default=0)

    def wait_ms(self, check: Check, now_ms: int) -> int:
        """`_wait_ms` of these buckets, without walking them while none has left."""
        if not self.buckets:
            return 0  # limits are at least 1
        every_bucket_live = self.oldest >= now_ms // check.window.bucket_ms - BUCKETS
        if every_bucket_live and self.total < check.limit:
            return 0
        return _wait_ms(self.buckets, check, now_ms)

    def count(self, bucket: int) -> None:
        """One more in `bucket`, and forget the buckets that left the window there."""
        buckets = self.buckets
        if not buckets or bucket < self.oldest:
            self.oldest = bucket
        buckets[bucket] = buckets.get(bucket, 0) + 1
        self.total += 1
        if self.oldest < bucket - BUCKETS:
            for stale in [b for b in buckets if b < bucket - BUCKETS]:
                self.total -= buckets.pop(stale)
            self.oldest = min(buckets)


class LocalQuotas:
    """The same buckets, kept in this process: the default shield of a single process,
    and the fallback of `RedisShield` when Redis does not answer."""

    _SWEEP_EVERY = 4096  # admissions between two sweeps of subjects gone quiet

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tallies: dict[str, _Tally] = {}
        self._admitted = 0

    def copy(self) -> LocalQuotas:
        """An independent copy of every counter (a forked simulation's world)."""
        twin = LocalQuotas()
        with self._lock:
            twin._tallies = {k: _Tally(t.buckets) for k, t in self._tallies.items()}
            twin._admitted = self._admitted
        return twin

    def admit(self, checks: Sequence[Check], now_ms: int) -> None:
        with self._lock:
            tallies = self._tallies
            wait = 0
            for check in checks:
                tally = tallies.get(check.key)
                if tally is not None:
                    wait = max(wait, tally.wait_ms(check, now_ms))
            if wait > 0:
                raise refusal(wait)
            for check in checks:
                tally = tallies.get(check.key)
                if tally is None:
                    tally = tallies[check.key] = _Tally()
                tally.count(now_ms // check.window.bucket_ms)
            self._admitted += 1
            if self._admitted % self._SWEEP_EVERY == 0:
                self._sweep(now_ms)

    def _sweep(self, now_ms: int) -> None:
        # Keys carry their window's name last; a subject whose newest bucket has left
        # the window holds nothing that could refuse anyone.
        spans = {window.name: window for window in WINDOWS}
        for key in list(self._tallies):
            window = spans[key.rsplit(":", 1)[1]]
            current = now_ms // window.bucket_ms
            if max(self._tallies[key].buckets, default=-1) < current - BUCKETS:
                del self._tallies[key]
