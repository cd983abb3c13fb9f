"""The shield's rules, pure: who can be contained, the rungs of the ladder, what a
detector's signal is, how signals combine into a risk, and the two-person rule.

A detector turns features (counts, digests, instants: never an identifier) into a
`Signal`: a code, a score from 0 to 100 (a honeytoken scores more: it alone contains)
and an evidence line made of numbers. A subject's risk is the sum of its detectors'
current scores; the ladder maps it to a rung. Rungs only go up by themselves: going
down is a lift, which two different security analysts make."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from rempart.kernel.errors import DomainError, Forbidden


class SubjectType(StrEnum):
    ACCOUNT = "account"  # a person's account (its UUID)
    CLIENT = "client"  # a software client (its UUID)
    STRUCTURE = "structure"  # a FINESS
    CHANNEL = "channel"  # portal | api | insurer
    PLATFORM = "platform"  # the whole platform: alerts only, never contained


@dataclass(frozen=True, slots=True)
class Subject:
    type: SubjectType
    ref: str  # UUID, FINESS or channel name: internal or public, never personal

    @property
    def key(self) -> str:
        return f"{self.type.value}:{self.ref}"

    @classmethod
    def account(cls, account_id: uuid.UUID) -> Subject:
        return cls(SubjectType.ACCOUNT, str(account_id))

    @classmethod
    def client(cls, client_id: uuid.UUID) -> Subject:
        return cls(SubjectType.CLIENT, str(client_id))

    @classmethod
    def structure(cls, finess: str) -> Subject:
        return cls(SubjectType.STRUCTURE, finess)

    @classmethod
    def channel(cls, name: str) -> Subject:
        return cls(SubjectType.CHANNEL, name)


class Rung(StrEnum):
    """The containment ladder, lowest first. BRAKE is a channel's only rung."""

    NONE = "none"
    THROTTLE = "throttle"  # a tenth of the quotas: 429 with Retry-After sooner
    STEP_UP = "step_up"  # a phishing-resistant factor presented in the last minutes
    SUSPEND = "suspend"  # the account or client opens nothing; sessions end
    BRAKE = "brake"  # a whole channel reads nothing

    @property
    def level(self) -> int:
        return _LEVELS[self]

    def at_least(self, other: Rung) -> bool:
        return self.level >= other.level


_LEVELS = {Rung.NONE: 0, Rung.THROTTLE: 1, Rung.STEP_UP: 2, Rung.SUSPEND: 3, Rung.BRAKE: 4}


class Detector(StrEnum):
    """Each detector's code: the field of a subject's signals, an alert's detector."""

    OWN_BASELINE = "volume.own-baseline"
    PEERS = "volume.peers"
    NO_INVOICE = "volume.checks-without-invoice"
    UNMATCHED = "lookups.unmatched"
    ENUMERATION = "lookups.enumeration"
    CADENCE = "behaviour.cadence"
    NEW_PLACE = "behaviour.new-place"
    UNUSUAL_HOURS = "behaviour.unusual-hours"
    CONCURRENT_SESSIONS = "behaviour.concurrent-sessions"
    QUOTA_PRESSURE = "behaviour.quota-pressure"
    HONEYTOKEN = "event.honeytoken"
    ACCOUNT_BURST = "event.account-burst"
    IBAN_BURST = "event.iban-burst"
    NOT_ME = "event.not-me-reports"
    UNCONFIRMED_CODES = "event.unconfirmed-step-up-codes"


@dataclass(frozen=True, slots=True)
class Signal:
    detector: Detector
    score: int  # 0 (quiet) to 100 (enough alone to suspend); a honeytoken scores 1000
    evidence: str = ""  # numbers and thresholds only
    critical: bool = False  # escalates even during a grace period after a lift

    @property
    def fired(self) -> bool:
        return self.score > 0


def quiet(detector: Detector) -> Signal:
    return Signal(detector, 0)


def graded(ratio: float) -> int:
    """The score of a measure `ratio` times its allowance: nothing below it, 40 (the
    throttle) at it, 70 (step-up) at one and a half times, 100 (suspension) at twice."""
    if ratio < 1:
        return 0
    return min(100, round(40 + 60 * (ratio - 1)))


def stepped(value: float, steps: tuple[float, float, float]) -> int:
    """40, 70 or 100 when `value` reaches the first, second or third step; else 0."""
    low, mid, high = steps
    if value >= high:
        return 100
    if value >= mid:
        return 70
    return 40 if value >= low else 0


@dataclass(frozen=True)
class Ladder:
    """Risk thresholds of each rung (a risk is a sum of detector scores)."""

    throttle_at: int = 40
    step_up_at: int = 70
    suspend_at: int = 100

    def rung_for(self, risk: int) -> Rung:
        if risk >= self.suspend_at:
            return Rung.SUSPEND
        if risk >= self.step_up_at:
            return Rung.STEP_UP
        if risk >= self.throttle_at:
            return Rung.THROTTLE
        return Rung.NONE


@dataclass(frozen=True)
class Risk:
    subject: Subject
    signals: tuple[Signal, ...]

    @property
    def score(self) -> int:
        return sum(s.score for s in self.signals)

    @property
    def fired(self) -> tuple[Signal, ...]:
        return tuple(sorted((s for s in self.signals if s.fired), key=lambda s: -s.score))

    @property
    def critical(self) -> bool:
        return any(s.critical and s.fired for s in self.signals)

    def rung(self, ladder: Ladder, *, in_grace: bool = False) -> Rung:
        """The rung the risk calls for. During the grace period after a lift only
        critical signals (a honeytoken, repeated reports) contain again."""
        if in_grace and not self.critical:
            return Rung.NONE
        if in_grace:
            critical = sum(s.score for s in self.signals if s.critical)
            return ladder.rung_for(critical)
        return ladder.rung_for(self.score)

    def summary(self) -> str:
        """The evidence of the detectors that fired, strongest first (no identifiers)."""
        return "; ".join(f"{s.detector.value} {s.score}: {s.evidence}" for s in self.fired)


class ChannelClosed(Forbidden):
    """A security analyst put a brake on this channel: it reads nothing for now."""

    code = "channel-closed"
    title = "This channel is closed for now"


class Suspended(Forbidden):
    code = "suspended"
    title = "Access is suspended"


def check_second_analyst(*, requested_by: uuid.UUID, approver: uuid.UUID) -> None:
    """Two persons: the analyst who asked for a lift never approves it."""
    if requested_by == approver:
        raise Forbidden("a lift is approved by a second security analyst, not by its requester")


class ContainmentError(DomainError):
    code = "containment-invalid"
    title = "The containment cannot change this way"
