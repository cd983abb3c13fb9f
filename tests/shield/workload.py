"""A small, seeded workload for the detection engine: a pharmacist's honest weeks, and
scrapers. (The attack range of `rempart simulate` will model far more; this is what the
tests need: deterministic streams of sightings with their instants.)"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rempart.shield.domain import Subject
from rempart.shield.features import Card, trait
from rempart.shield.observations import Sighting

MONDAY = datetime(2026, 11, 30, tzinfo=UTC)  # a winter Monday
FINESS = "750000001"


def digest(text: str) -> str:
    return hashlib.sha256(b"workload-key|" + text.encode()).hexdigest()


def nir13(rng: random.Random) -> str:
    return (
        f"{rng.choice('12')}{rng.randint(30, 99):02d}{rng.randint(1, 12):02d}"
        f"{rng.randint(1, 95):02d}{rng.randint(1, 999):03d}{rng.randint(1, 999):03d}"
    )


@dataclass
class Counter:
    """One pharmacist at one counter, with a pool of regular patients."""

    account: Subject
    structure: Subject
    rng: random.Random
    patients: list[Card]
    address: str = "address-of-the-pharmacy"
    device: str = "the-counter-pc"
    session: str = "session-1"

    @classmethod
    def make(cls, seed: int, patients: int = 1500) -> Counter:
        rng = random.Random(seed)
        pool = [
            Card(
                nir13(rng) + "00",
                f"19{rng.randint(30, 99)}0{rng.randint(1, 9)}1{rng.randint(0, 9)}",
                1,
                "123456789",
                f"M{rng.randint(0, 10**7):07d}",
            )
            for _ in range(patients)
        ]
        return cls(Subject.account(uuid.UUID(int=seed)), Subject.structure(FINESS), rng, pool)

    def sighting(self, card: Card, *, matched: bool = True) -> Sighting:
        return Sighting(
            actor=self.account,
            structure=self.structure,
            trait=trait(card, matched=matched, digest=digest),
            matched=matched,
            accredited=matched,
            address=digest(self.address),
            device=digest(self.device),
            session=digest(self.session),
        )

    def day(self, start: datetime, lookups: int) -> Iterator[tuple[datetime, Sighting]]:
        """A day at the counter, 08:00-18:00 UTC, busier in the morning; now and then a
        family (the insured's card for a child too), a typo that matches nobody."""
        opening = start.replace(hour=8, minute=0, second=0, microsecond=0)
        instants = sorted(
            opening + timedelta(seconds=min(self.rng.betavariate(1.6, 2.2), 0.999) * 36_000)
            for _ in range(lookups)
        )
        for at in instants:
            card = self.rng.choice(self.patients)
            roll = self.rng.random()
            if roll < 0.03:  # a typo: the birth date misread
                yield (
                    at,
                    self.sighting(
                        Card(card.insured_nir, "19000101", 1, card.amc_number, card.member_number),
                        matched=False,
                    ),
                )
            elif roll < 0.08:  # a child on the insured's card
                yield (
                    at,
                    self.sighting(
                        Card(card.insured_nir, "20150607", 1, card.amc_number, card.member_number)
                    ),
                )
            else:
                yield at, self.sighting(card)

    def weeks(self, before: datetime, days: int = 28) -> Iterator[tuple[datetime, Sighting]]:
        """The `days` before `before`: Monday to Saturday, Mondays the busiest."""
        for back in range(days, 0, -1):
            start = before - timedelta(days=back)
            weekday = start.weekday()
            if weekday == 6:
                continue
            base = 170 if weekday == 0 else 90 if weekday == 5 else 140
            yield from self.day(start, base + self.rng.randint(-15, 15))


def leaked(rng: random.Random, count: int) -> list[Card]:
    """Cards from an earlier leak: real people, in no particular order."""
    return [
        Card(nir13(rng) + "00", "19750312", 1, "123456789", f"M{rng.randint(0, 10**7):07d}")
        for _ in range(count)
    ]
