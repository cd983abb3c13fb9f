"""How long scoping an incident takes over a large audit log on PostgreSQL, against the
bare audit scoping it wraps, measured in the same run.

Scoping an incident (`rempart.incidents.scoping.scope_incident`) runs the audit log's
exposure scoping, then streams every person of the scope from the log into the register
(`incident_exposures`, keyed pseudonyms, in batches), tallies each insurer's figures and
records the insurers to inform. The log is the audit scoping benchmark's: N synthetic
records over 90 days (default 1,000,000; --quick 100,000; --events 10000000 for the
headline), loaded by the server, with one compromised account (1% of the last 30 days'
events, from one address) standing for the 2024 attack.

Scopings timed (the use case, on an open incident, platform-wide):

- attacker_30d: the compromised account over 30 days (tens of thousands of people at
  ten million events)
- structure_90d: the busiest structure over 90 days

Floor: the audit scoping of the same selector — its summary plus its people streamed
from the server-side cursor — which the incident scoping cannot do without. Ratio:
floor / incident scoping (1.0: the register's own work is free). Medians over --repeats.

    python benchmarks/incident_scoping.py --postgres URL [--quick] [--events N]

Targets: each incident scoping within 10 s (the issue's "seconds") and a ratio of at
least 0.3 (the register's work costs at most about twice the scoping it stores).
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import median, report, timed
from audit_scoping import END, loaded_log, selectors
from rempart.audit import scoping as audit_scoping
from rempart.audit.exposure import ExposureSelector
from rempart.bootstrap import Platform
from rempart.identity.permissions import Actor, Role
from rempart.incidents.scoping import scope_incident
from rempart.incidents.service import open_incident
from rempart.shield.port import FixedBudgetShield

ANALYST = Actor(account_id=uuid.uuid4(), role=Role.SECURITY_ANALYST)
TIMED = ("attacker_30d", "structure_90d")
SECONDS_TARGET = 10.0
RATIO_TARGET = 0.3


def new_incident(platform: Platform) -> uuid.UUID:
    return open_incident(
        uow=platform.uow(),
        actor=ANALYST,
        shield=FixedBudgetShield(),
        kinds=["confidentiality"],
        description="Benchmark: a phished pharmacist account",
        detected_at=END - timedelta(hours=1),
        controller_target=timedelta(hours=24),
    )


def measure(
    platform: Platform, repeats: int, figures: dict[str, float], ratios: dict[str, float]
) -> None:
    incident_id = new_incident(platform)
    shield = FixedBudgetShield()
    for label, selector in selectors(platform).items():
        if label not in TIMED:
            continue

        def incident(selector: ExposureSelector = selector) -> int:
            view = scope_incident(
                uow_factory=platform.uow,
                actor=ANALYST,
                shield=shield,
                incident_id=incident_id,
                selector=selector,
            )
            return view.people

        def bare(selector: ExposureSelector = selector) -> int:
            audit_scoping.scope_exposure(uow=platform.uow(), actor=ANALYST, selector=selector)
            people = audit_scoping.stream_exposure(
                uow=platform.uow(), actor=ANALYST, selector=selector
            )
            return sum(1 for _ in people)

        people = incident()  # warm the cache: the figures are for a hot server
        assert people == bare(), "the incident must hold exactly the audit scoping's people"
        scoped = median([timed(incident) for _ in range(repeats)])
        floor = median([timed(bare) for _ in range(repeats)])
        figures[f"{label}_s"] = scoped
        figures[f"{label}_floor_s"] = floor
        figures[f"{label}_people"] = people
        figures[f"{label}_people_per_s"] = people / scoped if scoped else 0.0
        ratios[f"{label}_floor_vs_incident"] = floor / scoped if scoped else 0.0
        print(
            f"{label}: {people:,} people; incident scoping {scoped:.2f} s "
            f"({people / scoped:,.0f} people/s), bare audit scoping {floor:.2f} s "
            f"(ratio {ratios[f'{label}_floor_vs_incident']:.2f}, median of {repeats})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="100,000 events, under a minute")
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--postgres", default=os.environ.get("REMPART_TEST_DATABASE_URL"))
    args = parser.parse_args()
    if not args.postgres:
        parser.error("--postgres URL (or REMPART_TEST_DATABASE_URL) is required")
    events = args.events or (100_000 if args.quick else 1_000_000)

    figures: dict[str, float] = {"events": events}
    ratios: dict[str, float] = {}
    with loaded_log(args.postgres, events, figures) as platform:
        measure(platform, args.repeats, figures, ratios)

    targets: dict[str, float] = {}
    met = True
    for label in TIMED:
        targets[f"{label}_s"] = SECONDS_TARGET
        targets[f"{label}_floor_vs_incident"] = RATIO_TARGET
        met &= figures[f"{label}_s"] <= SECONDS_TARGET
        met &= ratios[f"{label}_floor_vs_incident"] >= RATIO_TARGET
    report("incident_scoping", figures, ratios, targets, met)


if __name__ == "__main__":
    main()
