"""Volume: a subject reading more than its own history, or than its peers (the same
kind of structure, of the same size), allows; and checks that never lead to an invoice.

Allowances are generous on purpose: a winter Monday brings a pharmacy one and a half to
twice its usual day, and the own baseline is a high percentile of past days that already
holds previous Mondays. Volume alone throttles a subject reading three times its busy
days, and suspends it at six."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from rempart.shield.domain import Detector, Signal, graded, quiet


@dataclass(frozen=True)
class Volume:
    """Lookups by one subject: in the last hour, in the last 24 hours, on each past
    active day (the previous 28 days, today excluded), and its peers' mean per active
    subject-day over the previous 7 days (None when they are too few)."""

    hour: int
    day: int
    past_days: tuple[int, ...] = ()
    peer_mean: float | None = None
    peer_days: int = 0


@dataclass(frozen=True)
class VolumePolicy:
    mature_days: int = 5  # past active days before the own baseline is trusted
    percentile: float = 0.9  # the baseline: this percentile of past active days
    day_factor: float = 3.0  # allowance over 24 hours: this times the baseline
    hour_share: float = 0.5  # allowance over an hour: this share of the baseline
    min_day: int = 400  # floors: a busy single-counter pharmacy stays under them
    min_hour: int = 60
    peer_day_factor: float = 5.0  # immature subjects: this times the peers' mean day
    peer_hour_share: float = 1.0
    mature_peer_factor: float = 10.0  # mature subjects creeping far above their peers
    min_peer_days: int = 20  # peer subject-days before peers are trusted

    def scaled(self, factor: float) -> VolumePolicy:
        """Floors for a subject serving several counters (a structure, its software)."""
        return replace(
            self, min_day=round(self.min_day * factor), min_hour=round(self.min_hour * factor)
        )


def baseline(past_days: Sequence[int], policy: VolumePolicy) -> int | None:
    """The subject's busy day: a high percentile (nearest rank) of its past active days;
    None until it has `mature_days` of them."""
    if len(past_days) < policy.mature_days:
        return None
    ordered = sorted(past_days)
    return ordered[max(0, math.ceil(policy.percentile * len(ordered)) - 1)]


def own_baseline(volume: Volume, policy: VolumePolicy) -> Signal:
    busy = baseline(volume.past_days, policy)
    if busy is None:
        return quiet(Detector.OWN_BASELINE)
    day_allowance = max(policy.day_factor * busy, policy.min_day)
    hour_allowance = max(policy.hour_share * busy, policy.min_hour)
    ratio = max(volume.day / day_allowance, volume.hour / hour_allowance)
    return Signal(
        Detector.OWN_BASELINE,
        graded(ratio),
        f"{volume.hour} in the hour, {volume.day} in 24 h; busy day {busy}; "
        f"allowances {hour_allowance:.0f}/h, {day_allowance:.0f}/24 h",
    )


def peers(volume: Volume, policy: VolumePolicy) -> Signal:
    """Against peers: the allowance of a subject without a history of its own (the
    floors when peers are too few), and a wide bound for subjects with one (a slow
    scraper raising its own baseline day after day still meets its peers')."""
    trusted = volume.peer_mean is not None and volume.peer_days >= policy.min_peer_days
    mean = volume.peer_mean if trusted and volume.peer_mean is not None else 0.0
    mature = baseline(volume.past_days, policy) is not None
    if mature:
        if not trusted:
            return quiet(Detector.PEERS)
        allowance = max(policy.mature_peer_factor * mean, policy.min_day)
        ratio = volume.day / allowance
        hour_allowance = float("inf")
    else:
        allowance = max(policy.peer_day_factor * mean, policy.min_day)
        hour_allowance = max(policy.peer_hour_share * mean, policy.min_hour)
        ratio = max(volume.day / allowance, volume.hour / hour_allowance)
    return Signal(
        Detector.PEERS,
        graded(ratio),
        f"{volume.hour} in the hour, {volume.day} in 24 h; peers' day {mean:.0f} over "
        f"{volume.peer_days} subject-days; allowance {allowance:.0f}/24 h",
    )


@dataclass(frozen=True)
class Conversion:
    """Checks that issued an accreditation between 48 and 24 hours ago, and invoices
    received for the structure in the last 48 hours. `active` is false until the
    platform receives invoices at all (the detector waits for the claims intake)."""

    checks: int
    invoices: int
    active: bool


@dataclass(frozen=True)
class ConversionPolicy:
    min_checks: int = 150  # a day of a busy counter: below it, too few to judge
    throttle_below: float = 0.25  # a pharmacy invoices most of what it checks
    step_up_below: float = 0.10
    suspend_below: float = 0.02


def checks_without_invoice(conversion: Conversion, policy: ConversionPolicy) -> Signal:
    if not conversion.active or conversion.checks < policy.min_checks:
        return quiet(Detector.NO_INVOICE)
    rate = conversion.invoices / conversion.checks
    if rate < policy.suspend_below:
        score = 100
    elif rate < policy.step_up_below:
        score = 70
    elif rate < policy.throttle_below:
        score = 40
    else:
        score = 0
    return Signal(
        Detector.NO_INVOICE,
        score,
        f"{conversion.checks} accredited checks a day ago, {conversion.invoices} invoices "
        f"since ({rate:.0%})",
    )
