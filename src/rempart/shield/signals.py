"""A subject's memory of its signals, kept in the feature store as one small hash: each
detector's latest score (with when and why), the rung the subject was last contained at
(a hint: the database decides), and the end of its grace period after a lift.

A rights check recomputes the lookup detectors; the other detectors' latest scores count
for as long as their memory lasts (an hour for behaviour, a day or a month for events),
so that a "this wasn't me" report still weighs on the next lookups."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rempart.shield.domain import Detector, Risk, Rung, Signal, Subject
from rempart.shield.features import DAY_MS, HOUR_MS, MINUTE_MS, feature_key
from rempart.shield.store import Fields

MEMORY_MS: dict[Detector, int] = {
    Detector.OWN_BASELINE: HOUR_MS,
    Detector.PEERS: HOUR_MS,
    Detector.UNMATCHED: HOUR_MS,
    Detector.ENUMERATION: HOUR_MS,
    Detector.CADENCE: HOUR_MS,
    Detector.NEW_PLACE: HOUR_MS,
    Detector.UNUSUAL_HOURS: HOUR_MS,
    Detector.CONCURRENT_SESSIONS: HOUR_MS,
    Detector.QUOTA_PRESSURE: 10 * MINUTE_MS,
    Detector.NO_INVOICE: DAY_MS,
    Detector.ACCOUNT_BURST: DAY_MS,
    Detector.HONEYTOKEN: 30 * DAY_MS,
    Detector.IBAN_BURST: 30 * DAY_MS,
    Detector.NOT_ME: 30 * DAY_MS,
    Detector.UNCONFIRMED_CODES: HOUR_MS,
}
HINT_MS = 5 * MINUTE_MS  # a rung hint older than this is checked against the database
RUNG_FIELD = "~rung"
GRACE_FIELD = "~grace"
# The structure's usual hours: history, active weeks, share (a cache). Named anew when
# the weeks were added: a worker of the release before, still serving during a rolling
# deploy, reads "~hours" as `hour|history|share` and would fail on the longer value.
HOURS_FIELD = "~hours2"
TTL_MS = 31 * DAY_MS
_REFRESH_MS = 5 * MINUTE_MS


def signals_key(subject: Subject) -> str:
    return feature_key(subject, "signals")


def read(subject: Subject) -> Fields:
    return Fields(signals_key(subject), ttl_ms=TTL_MS)


@dataclass(frozen=True)
class Memory:
    """A subject's hash, decoded."""

    scores: dict[Detector, tuple[Signal, int]]  # detector -> (signal, when, in ms)
    rung: Rung
    rung_at: int
    grace_until: int
    hours: str | None

    @classmethod
    def decode(cls, fields: dict[str, str]) -> Memory:
        scores: dict[Detector, tuple[Signal, int]] = {}
        for name, value in fields.items():
            if name.startswith("~"):
                continue
            try:
                detector = Detector(name)
                score, at, critical, evidence = value.split("|", 3)
                scores[detector] = (
                    Signal(detector, int(score), evidence, critical == "1"),
                    int(at),
                )
            except ValueError:
                continue  # a field of an older version: ignored
        rung, _, rung_at = fields.get(RUNG_FIELD, "none|0").partition("|")
        try:
            hint = Rung(rung)
        except ValueError:
            hint = Rung.NONE
        return cls(
            scores,
            hint,
            int(rung_at or 0),
            int(fields.get(GRACE_FIELD, "0") or 0),
            fields.get(HOURS_FIELD),
        )

    def hint(self, now_ms: int) -> Rung:
        """The rung last reached, while the hint is fresh; NONE otherwise."""
        return self.rung if now_ms - self.rung_at <= HINT_MS else Rung.NONE

    def in_grace(self, now_ms: int) -> bool:
        return now_ms < self.grace_until

    def risk(self, subject: Subject, fresh: Iterable[Signal], now_ms: int) -> Risk:
        """The fresh signals, and the remembered ones of other detectors still in memory."""
        current = {signal.detector: signal for signal in fresh}
        for detector, (signal, at) in self.scores.items():
            if detector not in current and now_ms - at <= MEMORY_MS[detector]:
                current[detector] = signal
        return Risk(subject, tuple(current.values()))

    def changes(self, fresh: Iterable[Signal], now_ms: int) -> tuple[tuple[str, str], ...]:
        """The fields to write: scores that changed, and live ones to keep in memory."""
        writes = []
        for signal in fresh:
            known = self.scores.get(signal.detector)
            if known is not None:
                was, at = known
                same = was.score == signal.score
                if same and (signal.score == 0 or now_ms - at < _REFRESH_MS):
                    continue
            elif signal.score == 0:
                continue
            writes.append((signal.detector.value, encode(signal, now_ms)))
        return tuple(writes)


def encode(signal: Signal, now_ms: int) -> str:
    flag = "1" if signal.critical else "0"
    return f"{signal.score}|{now_ms}|{flag}|{signal.evidence.replace(chr(10), ' ')}"


def write(subject: Subject, values: tuple[tuple[str, str], ...]) -> Fields:
    return Fields(signals_key(subject), values, ttl_ms=TTL_MS)


def rung_hint(subject: Subject, rung: Rung, now_ms: int) -> Fields:
    return write(subject, ((RUNG_FIELD, f"{rung.value}|{now_ms}"),))


def forget(subject: Subject, *, grace_until: int) -> Fields:
    """After a lift: every signal forgotten, and a grace period begins."""
    return Fields(
        signals_key(subject), ((GRACE_FIELD, str(grace_until)),), clear=True, ttl_ms=TTL_MS
    )
