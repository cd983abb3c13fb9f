"""The feature store in Redis, shared by every worker: each operation is a small Lua
script (Redis runs each alone), and one batch is one pipeline (one round trip).

When Redis does not answer, the worker keeps detecting on its own features
(`LocalFeatureStore`): weaker — it sees only its own requests — but never off. One alert
per outage, one on recovery, as for the quotas; the local features are not copied back.
"""

from __future__ import annotations

from collections.abc import Sequence

from rempart.shield.alerts import (
    FEATURE_STORE_BACK,
    FEATURE_STORE_DOWN,
    AlertSink,
    LoggingAlertSink,
)
from rempart.shield.redis_outage import RedisOutage, fail_fast_client
from rempart.shield.store import (
    Add,
    Answer,
    Answers,
    Fields,
    LocalFeatureStore,
    Mark,
    Op,
    Recent,
    Tally,
)

# ARGV: bucket, amount, floor, ttl. Answers the flat hash of live buckets.
_TALLY = """
local key = KEYS[1]
local amount = tonumber(ARGV[2])
if amount ~= 0 then
  redis.call('HINCRBY', key, ARGV[1], amount)
  redis.call('PEXPIRE', key, ARGV[4])
end
local floor = tonumber(ARGV[3])
local flat = redis.call('HGETALL', key)
local out = {}
for i = 1, #flat, 2 do
  if tonumber(flat[i]) < floor then
    redis.call('HDEL', key, flat[i])
  else
    out[#out + 1] = flat[i]
    out[#out + 1] = flat[i + 1]
  end
end
return out
"""

# ARGV: field, amount, ttl.
_ADD = """
local value = redis.call('HINCRBY', KEYS[1], ARGV[1], tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return value
"""

# ARGV: value ('' for none), keep, ttl.
_RECENT = """
if ARGV[1] ~= '' then
  redis.call('LPUSH', KEYS[1], ARGV[1])
  redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return redis.call('LRANGE', KEYS[1], 0, -1)
"""

# ARGV: member ('' for none), at, floor, ttl. Values are "first:last" in ms.
_MARK = """
local key = KEYS[1]
if ARGV[1] ~= '' then
  local old = redis.call('HGET', key, ARGV[1])
  local first = ARGV[2]
  local last = ARGV[2]
  if old then
    local sep = string.find(old, ':', 1, true)
    first = string.sub(old, 1, sep - 1)
    local was = string.sub(old, sep + 1)
    if tonumber(was) > tonumber(last) then last = was end
  end
  redis.call('HSET', key, ARGV[1], first .. ':' .. last)
  redis.call('PEXPIRE', key, ARGV[4])
end
local floor = tonumber(ARGV[3])
local flat = redis.call('HGETALL', key)
local out = {}
for i = 1, #flat, 2 do
  local sep = string.find(flat[i + 1], ':', 1, true)
  if tonumber(string.sub(flat[i + 1], sep + 1)) < floor then
    redis.call('HDEL', key, flat[i])
  else
    out[#out + 1] = flat[i]
    out[#out + 1] = flat[i + 1]
  end
end
return out
"""

# ARGV: clear ('1'/'0'), ttl, then field, value, ...
_FIELDS = """
local key = KEYS[1]
if ARGV[1] == '1' then redis.call('DEL', key) end
for i = 3, #ARGV, 2 do
  redis.call('HSET', key, ARGV[i], ARGV[i + 1])
end
if #ARGV > 2 then redis.call('PEXPIRE', key, ARGV[2]) end
return redis.call('HGETALL', key)
"""


def _pairs(flat: list[bytes]) -> list[tuple[str, str]]:
    return [(flat[i].decode(), flat[i + 1].decode()) for i in range(0, len(flat), 2)]


class RedisFeatureStore:
    def __init__(
        self,
        url: str,
        *,
        namespace: str = "rempart:shield:features",
        alerts: AlertSink | None = None,
        timeout: float = 0.1,
        recheck_after: float = 1.0,
    ) -> None:
        self._namespace = namespace
        self._alerts: AlertSink = alerts or LoggingAlertSink()
        self._client = fail_fast_client(url, timeout)
        register = self._client.register_script
        self._scripts = {
            Tally: register(_TALLY),
            Add: register(_ADD),
            Recent: register(_RECENT),
            Mark: register(_MARK),
            Fields: register(_FIELDS),
        }
        self.local = LocalFeatureStore()
        self._outage = RedisOutage(
            self._alerts,
            recheck_after=recheck_after,
            down_code=FEATURE_STORE_DOWN,
            meanwhile="detectors use this worker's own features until it does",
            back_code=FEATURE_STORE_BACK,
            recovered="detectors share their features again",
        )

    @property
    def degraded(self) -> bool:
        return self._outage.degraded

    def close(self) -> None:
        self._client.close()

    def run(self, ops: Sequence[Op], now_ms: int) -> Answers:
        answers = self._outage.attempt(lambda: self._shared(ops))
        return self.local.run(ops, now_ms) if answers is None else answers

    def _shared(self, ops: Sequence[Op]) -> Answers:
        pipe = self._client.pipeline(transaction=False)
        for op in ops:
            key = f"{self._namespace}:{op.key}"
            self._scripts[type(op)](keys=[key], args=_args(op), client=pipe)
        raw = pipe.execute()
        return Answers([_answer(op, value) for op, value in zip(ops, raw, strict=True)])


def _args(op: Op) -> list[str | int]:
    match op:
        case Tally():
            return [op.bucket, op.amount, op.floor, op.ttl_ms]
        case Add():
            return [op.field, op.amount, op.ttl_ms]
        case Recent():
            return [op.value or "", op.keep, op.ttl_ms]
        case Mark():
            return [op.member or "", op.at, op.floor, op.ttl_ms]
        case Fields():
            flat: list[str | int] = ["1" if op.clear else "0", op.ttl_ms]
            for name, value in op.values:
                flat += [name, value]
            return flat
    raise AssertionError("unknown feature operation")


def _answer(op: Op, raw: object) -> Answer:
    match op:
        case Tally():
            assert isinstance(raw, list)
            return {int(k): int(v) for k, v in _pairs(raw)}
        case Add():
            assert isinstance(raw, int)
            return raw
        case Recent():
            assert isinstance(raw, list)
            return [item.decode() for item in raw]
        case Mark():
            assert isinstance(raw, list)
            seen: dict[str, tuple[int, int]] = {}
            for member, value in _pairs(raw):
                first, _, last = value.partition(":")
                seen[member] = (int(first), int(last))
            return seen
        case Fields():
            assert isinstance(raw, list)
            return dict(_pairs(raw))
    raise AssertionError("unknown feature operation")
