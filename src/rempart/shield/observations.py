"""What the sentinel tells the detection engine about a rights check (`Sighting`), the
engine's thresholds (`DetectionPolicy`), and what it answers (`Assessment`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from rempart.shield.detectors import behaviour, events, lookups, volume
from rempart.shield.detectors.lookups import Trait
from rempart.shield.domain import Ladder, Risk, Rung, Subject
from rempart.shield.features import DAY_MS


@dataclass(frozen=True)
class DetectionPolicy:
    ladder: Ladder = field(default_factory=Ladder)
    person_volume: volume.VolumePolicy = field(default_factory=volume.VolumePolicy)
    # Structures and software clients serve several counters: four times the floors.
    shared_volume: volume.VolumePolicy = field(
        default_factory=lambda: volume.VolumePolicy().scaled(4)
    )
    conversion: volume.ConversionPolicy = field(default_factory=volume.ConversionPolicy)
    lookups: lookups.LookupPolicy = field(default_factory=lookups.LookupPolicy)
    cadence: behaviour.CadencePolicy = field(default_factory=behaviour.CadencePolicy)
    software_cadence: behaviour.CadencePolicy = field(
        default_factory=lambda: behaviour.CadencePolicy(sustained_factor=3.0)
    )
    place: behaviour.PlacePolicy = field(default_factory=behaviour.PlacePolicy)
    hours: behaviour.HoursPolicy = field(default_factory=behaviour.HoursPolicy)
    bursts: events.BurstPolicy = field(default_factory=events.BurstPolicy)
    grace_ms: int = DAY_MS  # after a lift, only critical signals contain again


@dataclass(frozen=True)
class Sighting:
    """One rights check as the shield sees it: subjects, peer groups, what the lookup
    gave, and keyed digests of where it came from."""

    actor: Subject  # the account, or the software client
    structure: Subject | None
    actor_group: str | None = None  # peers: "<structure kind>/<size>", None if unknown
    structure_group: str | None = None
    trait: Trait | None = None
    matched: bool = False
    accredited: bool = False
    honeytoken: bool = False
    address: str | None = None
    device: str | None = None
    session: str | None = None


@dataclass(frozen=True)
class Assessment:
    risk: Risk
    hint: Rung  # the rung the subject is known to be at (fresh hint), else NONE
    in_grace: bool

    def rung(self, ladder: Ladder) -> Rung:
        return self.risk.rung(ladder, in_grace=self.in_grace)
