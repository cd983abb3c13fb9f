"""Lookups that match nobody, and identifiers tried in a pattern (enumeration).

What is kept of a card is a `Trait`: keyed digests (truncated HMACs under the vault's
pseudonym key) and small numbers — the NIR's order number (3 digits: nothing without the
birth and place it follows) and the last digits of the member number. Nearness is
measured on those: two different NIRs born in the same month and commune whose order
numbers are a few apart, two member numbers of one insurer a few apart, or one NIR tried
with many birth dates. No identifier is stored, in clear or hashed whole."""

from __future__ import annotations

import bisect
import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from rempart.shield.domain import Detector, Signal, quiet, stepped


@dataclass(frozen=True, slots=True)
class Trait:
    matched: bool
    nir: str  # digest of the insured NIR
    prefix: str  # digest of the NIR's first ten characters (sex, birth, place)
    order: int  # the NIR's order number (-1 when not numeric)
    variant: str  # digest of the whole card (NIR, birth date, rank, insurer, member)
    member: str  # digest of the member number's shape (insurer, letters, length)
    tail: int  # the member number's last six digits (-1 when it has none)

    def encode(self) -> str:
        flag = "1" if self.matched else "0"
        fields = (flag, self.nir, self.prefix, str(self.order), self.variant, self.member)
        return "|".join((*fields, str(self.tail)))

    @staticmethod
    def decode(text: str) -> Trait | None:
        return _decoded(text)


# Every lookup reads its subject's last `window` traits back: each text was decoded again
# at each of the next fifty lookups. Bounded (about 10 MiB: the windows of a few hundred
# busy subjects); traits are immutable.
@functools.lru_cache(maxsize=1 << 14)
def _decoded(text: str) -> Trait | None:
    parts = text.split("|")
    if len(parts) != 7:
        return None
    flag, nir, prefix, order, variant, member, tail = parts
    try:
        return Trait(flag == "1", nir, prefix, int(order), variant, member, int(tail))
    except ValueError:
        return None


@functools.lru_cache(maxsize=1 << 14)
def dated_trait(item: str) -> tuple[int, Trait] | None:
    """A kept lookup, "<epoch ms>|<trait>", as (instant, trait); None if malformed. Each
    is read back at the next fifty lookups of its subject: memoised like `_decoded`."""
    when, _, text = item.partition("|")
    trait = _decoded(text)
    if trait is None or not when.isdigit():
        return None
    return int(when), trait


@dataclass(frozen=True)
class Matching:
    """Lookups in the last hour and 24 hours, and those that matched nobody."""

    hour: int
    hour_unmatched: int
    day: int
    day_unmatched: int


@dataclass(frozen=True)
class LookupPolicy:
    min_hour: int = 20  # lookups in an hour before its share means anything
    min_day: int = 60
    # Shares of lookups matching nobody: a counter reads cards, so typos and lapsed
    # cover stay a few percent; a list of guesses mostly misses.
    unmatched_steps: tuple[float, float, float] = (0.35, 0.5, 0.7)
    window: int = 50  # recent lookups compared for patterns
    order_gap: int = 10  # NIR order numbers this close are "sequential"
    tail_gap: int = 10  # member numbers this close are "sequential"
    sequential_steps: tuple[float, float, float] = (3, 6, 10)
    variant_steps: tuple[float, float, float] = (3, 5, 8)  # unmatched variants of one NIR


def unmatched(matching: Matching, policy: LookupPolicy) -> Signal:
    shares = []
    if matching.hour >= policy.min_hour:
        shares.append(matching.hour_unmatched / matching.hour)
    if matching.day >= policy.min_day:
        shares.append(matching.day_unmatched / matching.day)
    if not shares:
        return quiet(Detector.UNMATCHED)
    share = max(shares)
    return Signal(
        Detector.UNMATCHED,
        stepped(share, policy.unmatched_steps),
        f"{matching.hour_unmatched}/{matching.hour} unmatched in the hour, "
        f"{matching.day_unmatched}/{matching.day} in 24 h",
    )


def _near(sorted_values: list[int], value: int, gap: int) -> bool:
    """Whether a value other than `value` lies within `gap` of it."""
    low = bisect.bisect_left(sorted_values, value - gap)
    high = bisect.bisect_right(sorted_values, value + gap)
    return any(v != value for v in sorted_values[low:high])


def _near_other(tails: list[tuple[int, str]], tail: int, nir: str, gap: int) -> bool:
    """Whether another member number within `gap` of `tail` was looked up for another
    insured NIR. A member number keyed wrong in its last digit, then read again, is a
    neighbour of itself under one NIR: a counter's typo, not a walk. Walking member
    numbers under one NIR learns nothing (a lookup matches the whole card) and leaves
    unmatched variants of that NIR, which `guessed_variants` counts. `tails` is sorted
    (tail, NIR digest): a one-element tuple sorts before every pair of its tail, so the
    bounds are found by plain tuple comparison, without a key function."""
    low = bisect.bisect_left(tails, (tail - gap,))
    high = bisect.bisect_left(tails, (tail + gap + 1,))
    return any(t != tail and n != nir for t, n in tails[low:high])


def _close_groups(grouped: dict[str, list[int]], gap: int) -> set[str]:
    """The groups in which two numbers (equal ones included) lie within `gap`."""
    return {
        group
        for group, values in grouped.items()
        if len(values) > 1 and any(b - a <= gap for a, b in itertools.pairwise(sorted(values)))
    }


def sequential_count(traits: Sequence[Trait], policy: LookupPolicy) -> int:
    """Lookups of the window that sit next to an earlier one of another person. Older
    lookups are indexed by NIR prefix and member-number shape (sorted), so each lookup
    costs a couple of binary searches, not a pass over the window. Member numbers keep
    the digest of their insured NIR beside them, so that a neighbour under the same NIR
    (a misread number and its correction) is not "another person"."""
    window = traits[: policy.window]
    # Only a prefix (or member-number shape) under which two numbers of the window lie
    # within the gap can hold a neighbour: most of an honest counter's hold none
    # (different people, numbers far apart), and their lookups are not walked at all.
    by_prefix: dict[str, list[int]] = {}
    by_member: dict[str, list[int]] = {}
    for t in window:
        if t.order >= 0:
            by_prefix.setdefault(t.prefix, []).append(t.order)
        if t.tail >= 0:
            by_member.setdefault(t.member, []).append(t.tail)
    prefixes = _close_groups(by_prefix, policy.order_gap)
    members = _close_groups(by_member, policy.tail_gap)
    if not prefixes and not members:
        return 0
    count = 0
    orders: dict[str, list[int]] = {}
    tails: dict[str, list[tuple[int, str]]] = {}
    for trait in reversed(window):  # oldest first
        shared_prefix = trait.order >= 0 and trait.prefix in prefixes
        shared_member = trait.tail >= 0 and trait.member in members
        near_nir = shared_prefix and _near(
            orders.get(trait.prefix, []), trait.order, policy.order_gap
        )
        near_member = shared_member and _near_other(
            tails.get(trait.member, []), trait.tail, trait.nir, policy.tail_gap
        )
        if near_nir or near_member:
            count += 1
        if shared_prefix:
            bisect.insort(orders.setdefault(trait.prefix, []), trait.order)
        if shared_member:
            bisect.insort(tails.setdefault(trait.member, []), (trait.tail, trait.nir))
    return count


def guessed_variants(traits: Sequence[Trait], policy: LookupPolicy) -> int:
    """The most unmatched variants (birth date, rank, member number) tried for one NIR.
    A family shares the insured's NIR, but their cards match."""
    variants: dict[str, set[str]] = {}
    for trait in traits[: policy.window]:
        if not trait.matched:
            variants.setdefault(trait.nir, set()).add(trait.variant)
    return max((len(v) for v in variants.values()), default=0)


def enumeration(traits: Sequence[Trait], policy: LookupPolicy) -> Signal:
    sequential = sequential_count(traits, policy)
    variants = guessed_variants(traits, policy)
    score = max(
        stepped(sequential, policy.sequential_steps), stepped(variants, policy.variant_steps)
    )
    return Signal(
        Detector.ENUMERATION,
        score,
        f"{sequential} sequential identifiers and at most {variants} unmatched variants of "
        f"one NIR in the last {min(len(traits), policy.window)} lookups",
    )
