"""How a subject reads: at a machine's cadence, from a new place with volume, at hours
its structure never works, from several sessions at once, or hammering refusals."""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from rempart.shield.domain import Detector, Signal, quiet, stepped


@dataclass(frozen=True)
class CadencePolicy:
    samples: int = 20  # inter-arrival gaps looked at
    fast_gap_ms: int = 60_000  # only a fast stream can be told from a counter
    # Coefficient of variation of the gaps: people at a counter are irregular (well
    # above 0.5); a loop with a sleep is not, even with some jitter.
    regular_cv: float = 0.25
    machine_cv: float = 0.10
    # Lookups in ten minutes: two cards a minute for ten minutes is no counter's pace (a
    # patient takes minutes; a family, a few checks at once). A software client serving
    # several counters gets three times this.
    sustained_steps: tuple[float, float, float] = (20, 40, 60)
    sustained_factor: float = 1.0


def cadence(arrivals_ms: Sequence[int], ten_minutes: int, policy: CadencePolicy) -> Signal:
    """`arrivals_ms`: the latest instants, newest first; `ten_minutes`: lookups in the
    last ten minutes."""
    ordered = sorted(arrivals_ms[: policy.samples + 1])
    gaps = [b - a for a, b in itertools.pairwise(ordered)]
    regularity = 0
    cv = None
    if len(gaps) >= policy.samples:
        mean = statistics.fmean(gaps)
        if 0 < mean <= policy.fast_gap_ms:
            # Population deviation in floats: `statistics.pstdev` computes it exactly in
            # fractions, a tenth of a rights check's time for a threshold of 0.1.
            cv = math.sqrt(math.fsum((gap - mean) ** 2 for gap in gaps) / len(gaps)) / mean
            regularity = 70 if cv < policy.machine_cv else 40 if cv < policy.regular_cv else 0
        elif mean == 0:
            cv, regularity = 0.0, 70  # a burst within one millisecond
    low, mid, high = (s * policy.sustained_factor for s in policy.sustained_steps)
    sustained = stepped(ten_minutes, (low, mid, high))
    score = max(regularity, sustained)
    shown = "n/a" if cv is None else f"{cv:.2f}"
    return Signal(
        Detector.CADENCE,
        score,
        f"gap variation {shown} over {len(gaps)} gaps; {ten_minutes} lookups in 10 min",
    )


@dataclass(frozen=True)
class Place:
    """Whether the request's address or device (user agent) was first seen by this
    subject in the last day, whether the subject has older ones (an established
    subject), its lookups in the hour and its busy day (None while immature).
    `off_hours`: the subject's lookups of the last 24 h made from a new address in hours
    its structure does not work (this one included; 0 when this one is not)."""

    new_address: bool
    new_device: bool
    established: bool
    hour: int
    busy_day: int | None
    off_hours: int = 0


@dataclass(frozen=True)
class PlacePolicy:
    hour_share: float = 0.25  # a quarter of a busy day within an hour, from a new place
    min_hour: int = 30
    # From a new address while the structure is closed, volume is not needed: a
    # phished account read at night, a few lookups an hour, is a trickle no counter
    # makes (a pharmacy on night duty reads from its usual address). Counted over 24 h,
    # so that a trickle adds up: about 4 h at 10 an hour reaches the third step.
    off_hours_steps: tuple[float, float, float] = (10, 20, 40)


def new_place(place: Place, policy: PlacePolicy) -> Signal:
    if not place.established or not (place.new_address or place.new_device):
        return quiet(Detector.NEW_PLACE)
    threshold = max(policy.hour_share * (place.busy_day or 0), policy.min_hour)
    score = 70 if place.hour >= 2 * threshold else 40 if place.hour >= threshold else 0
    what = "address" if place.new_address else "device"
    evidence = f"new {what}, {place.hour} lookups in the hour (threshold {threshold:.0f})"
    closed = stepped(place.off_hours, policy.off_hours_steps) if place.new_address else 0
    if closed > score:
        score = closed
        evidence = (
            f"new address, {place.off_hours} lookups in 24 h from it while the structure "
            f"is closed (steps {'/'.join(f'{s:.0f}' for s in policy.off_hours_steps)})"
        )
    return Signal(Detector.NEW_PLACE, score, evidence)


@dataclass(frozen=True)
class Hours:
    """The structure's lookups in the last hour, its lookups over the previous four
    weeks, how many of those weeks had any, and the share of those lookups made in this
    hour of the week (None: not known)."""

    hour: int
    history: int
    weeks: int
    usual_share: float | None


@dataclass(frozen=True)
class HoursPolicy:
    min_history: int = 200  # four weeks of a small structure
    # Volume alone is not a week's pattern: a busy first week holds 200 lookups, and
    # every hour it has not worked yet would read as closed. Three weeks with activity
    # out of four leave room for a week of holiday.
    min_weeks: int = 3
    rare_share: float = 0.002  # this hour of the week held under 0.2 % of its work
    # Scores stay under the throttle (40): a night-duty pharmacy (garde) is never
    # contained for its night; the hour only adds to other signals.
    steps: tuple[int, int] = (10, 30)
    scores: tuple[int, int] = (20, 35)


def is_off_hours(history: int, weeks: int, usual_share: float | None, policy: HoursPolicy) -> bool:
    """Whether the structure, known well enough (enough lookups, spread over enough of
    the previous weeks), hardly ever works in this hour of the week."""
    return (
        usual_share is not None
        and history >= policy.min_history
        and weeks >= policy.min_weeks
        and usual_share < policy.rare_share
    )


def unusual_hours(hours: Hours, policy: HoursPolicy) -> Signal:
    if not is_off_hours(hours.history, hours.weeks, hours.usual_share, policy):
        return quiet(Detector.UNUSUAL_HOURS)
    assert hours.usual_share is not None
    low, high = policy.steps
    score = policy.scores[1] if hours.hour >= high else policy.scores[0] if hours.hour >= low else 0
    return Signal(
        Detector.UNUSUAL_HOURS,
        score,
        f"{hours.hour} lookups in an hour of the week holding {hours.usual_share:.2%} of "
        f"{hours.history} over four weeks ({hours.weeks} active)",
    )


def concurrent_sessions(sessions: int, addresses: int) -> Signal:
    """Distinct sessions and addresses of one account seen in the last ten minutes. Two
    counters of one pharmacy share its address; one person is not in two places."""
    if sessions >= 5 or addresses >= 3:
        score = 70
    elif sessions >= 3 or (sessions >= 2 and addresses >= 2):
        score = 40
    else:
        score = 0
    return Signal(
        Detector.CONCURRENT_SESSIONS,
        score,
        f"{sessions} sessions from {addresses} addresses in 10 min",
    )


def quota_pressure(refusals: int, steps: tuple[int, int, int] = (10, 30, 60)) -> Signal:
    """Refusals (429, step-up) in the last ten minutes: a person waits for Retry-After
    or steps up; a program hammers."""
    low, mid, high = steps
    score = 100 if refusals >= high else 60 if refusals >= mid else 30 if refusals >= low else 0
    return Signal(Detector.QUOTA_PRESSURE, score, f"{refusals} refusals in 10 min")
