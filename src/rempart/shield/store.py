"""The detectors' feature store: fast, shared, forgetful counters.

Five operations cover every feature: bucketed counters (`Tally`, `Add`), short lists of
recent values (`Recent`), maps of things seen with their first and last instant
(`Mark`), and small hashes of values (`Fields`). A detector's observation is one batch of
them (`run`), answered in one round trip by Redis (`rempart.shield.redis_store`) or at
once by `LocalFeatureStore`, the in-process store of a single process and the fallback
of Redis.

Time is the caller's: every bucket number, instant and floor comes from the `now` the
use case passes, so the features — and the detectors — are deterministic given a clock.
Expiry (`ttl_ms`) only bounds memory and never decides an answer: the local store
expires keys on the logical clock, Redis on its own.

Keys are opaque (`rempart.shield.features.feature_key`): no identifier appears in one.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class Tally:
    """Add `amount` to bucket `bucket` of counter `key` (nothing when 0), forget the
    buckets below `floor`, answer every bucket left."""

    key: str
    bucket: int
    amount: int
    floor: int
    ttl_ms: int = DAY_MS


@dataclass(frozen=True, slots=True)
class Add:
    """Add `amount` to one field of the hash `key`; answer its new value."""

    key: str
    field: str
    amount: int
    ttl_ms: int = DAY_MS


@dataclass(frozen=True, slots=True)
class Recent:
    """Push `value` (unless None) on the list `key`, keep the `keep` newest; answer
    them, newest first."""

    key: str
    value: str | None
    keep: int
    ttl_ms: int = DAY_MS


@dataclass(frozen=True, slots=True)
class Mark:
    """Note `member` (unless None) seen at `at` in the map `key`, keeping when it was
    first seen; forget members not seen since `floor`; answer every member left as
    (first seen, last seen)."""

    key: str
    member: str | None
    at: int
    floor: int
    ttl_ms: int = DAY_MS


@dataclass(frozen=True, slots=True)
class Fields:
    """Empty the hash `key` first when `clear`, set `values`; answer the whole hash."""

    key: str
    values: tuple[tuple[str, str], ...] = ()
    clear: bool = False
    ttl_ms: int = DAY_MS


Op = Tally | Add | Recent | Mark | Fields
Answer = dict[int, int] | int | list[str] | dict[str, tuple[int, int]] | dict[str, str]


class Answers:
    """The answers of one batch, in the order of its operations, typed on the way out."""

    def __init__(self, answers: Sequence[Answer]) -> None:
        self._answers = list(answers)

    def counts(self, index: int) -> dict[int, int]:
        answer = self._answers[index]
        assert isinstance(answer, dict)
        if not answer or type(next(iter(answer))) is int:
            return answer  # type: ignore[return-value]  # the local store's own copy
        return {int(k): int(v) for k, v in answer.items()}  # type: ignore[arg-type]

    def number(self, index: int) -> int:
        answer = self._answers[index]
        assert isinstance(answer, int)
        return answer

    def values(self, index: int) -> list[str]:
        answer = self._answers[index]
        assert isinstance(answer, list)
        return answer

    def seen(self, index: int) -> dict[str, tuple[int, int]]:
        answer = self._answers[index]
        assert isinstance(answer, dict)
        return answer  # type: ignore[return-value]

    def fields(self, index: int) -> dict[str, str]:
        answer = self._answers[index]
        assert isinstance(answer, dict)
        return answer  # type: ignore[return-value]


class FeatureStore(Protocol):
    def run(self, ops: Sequence[Op], now_ms: int) -> Answers:
        """Apply the operations in order; answer each."""
        ...


def window_sum(counts: dict[int, int], first: int, last: int) -> int:
    """The sum of the buckets from `first` to `last`, both included."""
    return sum(n for bucket, n in counts.items() if first <= bucket <= last)


class LocalFeatureStore:
    """The features kept in this process: the store of a single process (development,
    tests, simulations) and the fallback of Redis. Everything it holds can be read back
    for tests (`snapshot`)."""

    _SWEEP_EVERY = 4096

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data: dict[str, object] = {}
        self._expiry: dict[str, int] = {}
        self._runs = 0

    def run(self, ops: Sequence[Op], now_ms: int) -> Answers:
        with self._lock:
            answers = [self._apply(op, now_ms) for op in ops]
            self._runs += 1
            if self._runs % self._SWEEP_EVERY == 0:
                self._sweep(now_ms)
        return Answers(answers)

    def snapshot(self) -> dict[str, object]:
        """A copy of every key's value (tests inspect the features)."""
        with self._lock:
            return {key: _copy(value) for key, value in self._data.items()}

    def _live(self, key: str, now_ms: int) -> object | None:
        if key in self._data and self._expiry.get(key, now_ms) < now_ms:
            del self._data[key]
            self._expiry.pop(key, None)
        return self._data.get(key)

    def _touch(self, key: str, value: object, now_ms: int, ttl_ms: int) -> None:
        self._data[key] = value
        self._expiry[key] = now_ms + ttl_ms

    def _apply(self, op: Op, now_ms: int) -> Answer:
        current = self._live(op.key, now_ms)
        match op:
            case Tally():
                counts: dict[int, int] = current if isinstance(current, dict) else {}
                if op.amount:
                    counts[op.bucket] = counts.get(op.bucket, 0) + op.amount
                if counts and min(counts) < op.floor:  # min in C: most tallies have none
                    for stale in [b for b in counts if b < op.floor]:
                        del counts[stale]
                if op.amount or counts:
                    self._touch(op.key, counts, now_ms, op.ttl_ms)
                return dict(counts)  # a copy: the answer outlives the lock
            case Add():
                table: dict[str, int] = dict(current) if isinstance(current, dict) else {}
                table[op.field] = table.get(op.field, 0) + op.amount
                self._touch(op.key, table, now_ms, op.ttl_ms)
                return table[op.field]
            case Recent():
                items: list[str] = list(current) if isinstance(current, list) else []
                if op.value is not None:
                    items = [op.value, *items][: op.keep]
                    self._touch(op.key, items, now_ms, op.ttl_ms)
                return list(items)
            case Mark():
                seen: dict[str, tuple[int, int]] = current if isinstance(current, dict) else {}
                if op.member is not None:
                    first, last = seen.get(op.member, (op.at, op.at))
                    seen[op.member] = (first, max(last, op.at))
                for gone in [m for m, (_, last) in seen.items() if last < op.floor]:
                    del seen[gone]
                if op.member is not None or seen:
                    self._touch(op.key, seen, now_ms, op.ttl_ms)
                return dict(seen)
            case Fields():
                table_s: dict[str, str] = (
                    {str(k): str(v) for k, v in current.items()}
                    if isinstance(current, dict) and not op.clear
                    else {}
                )
                table_s.update(op.values)
                if op.values or op.clear:
                    self._touch(op.key, table_s, now_ms, op.ttl_ms)
                return dict(table_s)
        raise AssertionError("unknown feature operation")

    def _sweep(self, now_ms: int) -> None:
        for key in [k for k, at in self._expiry.items() if at < now_ms]:
            self._data.pop(key, None)
            self._expiry.pop(key, None)


def _copy(value: object) -> object:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value
