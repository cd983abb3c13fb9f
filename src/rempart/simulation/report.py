"""The range's results: the targets of issue #7 checked over every seed, a table for
people, and one closing JSON line carrying every figure for machines."""

from __future__ import annotations

import dataclasses
import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rempart.simulation.parameters import Parameters
from rempart.simulation.runner import ScenarioFigures, SeedResult


@dataclass(frozen=True)
class Target:
    name: str
    wanted: str
    observed: str
    met: bool


def by_scenario(results: Sequence[SeedResult]) -> dict[str, list[ScenarioFigures]]:
    grouped: dict[str, list[ScenarioFigures]] = {}
    for result in results:
        for figures in result.scenarios:
            grouped.setdefault(figures.scenario, []).append(figures)
    return grouped


def legitimate_totals(results: Sequence[SeedResult]) -> dict[str, float]:
    days = sum(r.legitimate.professional_days for r in results)
    disrupted = sum(r.legitimate.disrupted_days for r in results)
    checks = sum(r.legitimate.pharmacy_checks for r in results)
    invoices = sum(r.legitimate.pharmacy_invoices for r in results)
    return {
        "professional_days": days,
        "disrupted_days": disrupted,
        "disrupted_share": disrupted / days if days else 0.0,
        "checks": sum(r.legitimate.checks for r in results),
        "software_checks": sum(r.legitimate.software_checks for r in results),
        "invoices": sum(r.legitimate.invoices for r in results),
        "pharmacy_invoice_ratio": invoices / checks if checks else 0.0,
        "containments": sum(r.legitimate.containments for r in results),
        "alerts": sum(r.legitimate.alerts for r in results),
    }


def targets(results: Sequence[SeedResult], params: Parameters) -> list[Target]:
    """The targets of the scenarios that ran, and the false positives (always)."""
    found: list[Target] = []
    grouped = by_scenario(results)
    replay = grouped.get("replay-2024")
    if replay:
        worst = max(
            (f.lookups_to_containment for f in replay if f.lookups_to_containment is not None),
            default=None,
        )
        fields = sum(f.identity_fields for f in replay)
        met = all(
            f.contained
            and f.lookups_to_containment is not None
            and f.lookups_to_containment <= params.replay_max_lookups
            for f in replay
        )
        found.append(
            Target(
                "replay-2024",
                f"contained within {params.replay_max_lookups} lookups beyond the account's "
                "normal volume, 0 identity fields disclosed",
                f"{sum(f.contained for f in replay)}/{len(replay)} seeds contained, at most "
                f"{worst if worst is not None else '-'} lookups; {fields} identity fields",
                met and fields == 0,
            )
        )
    slow = grouped.get("slow-scraper")
    if slow:
        hours = [
            f.minutes_to_containment / 60 for f in slow if f.minutes_to_containment is not None
        ]
        met = all(
            f.contained
            and f.minutes_to_containment is not None
            and f.minutes_to_containment <= params.slow_max_hours * 60
            for f in slow
        )
        found.append(
            Target(
                "slow-scraper",
                f"contained within one working day ({params.slow_max_hours:g} h)",
                f"{sum(f.contained for f in slow)}/{len(slow)} seeds contained, at most "
                + (f"{max(hours):.1f} h" if hours else "-"),
                met,
            )
        )
    fields = sum(f.identity_fields for fs in grouped.values() for f in fs)
    found.append(
        Target(
            "identity fields",
            "0 identity fields in any answer of any scenario",
            str(fields),
            fields == 0,
        )
    )
    legit = legitimate_totals(results)
    found.append(
        Target(
            "false positives",
            f"at most {params.false_positive_max:.1%} of legitimate professional-days disrupted",
            f"{legit['disrupted_days']:.0f} of {legit['professional_days']:.0f} "
            f"({legit['disrupted_share']:.2%})",
            legit["disrupted_share"] <= params.false_positive_max,
        )
    )
    return found


def _cell(values: Iterable[object]) -> str:
    shown = []
    for value in values:
        if value is None:
            shown.append("-")
        elif isinstance(value, float):
            shown.append(f"{value:.1f}" if value < 100 else f"{value:.0f}")
        else:
            shown.append(str(value))
    return " ".join(shown)


def _hours(minutes: float | None) -> float | None:
    return None if minutes is None else minutes / 60


def table(results: Sequence[SeedResult], params: Parameters, days: int, elapsed: float) -> str:
    """The results as text: one row per scenario, one value per seed in each cell."""
    seeds = [r.seed for r in results]
    lines = [
        f"Rempart attack range: seeds {_cell(seeds)}; {days} days of legitimate work, then "
        f"the attacks on {params.attack_day.isoformat()} (a {params.attack_day:%A}).",
        "Each cell holds one value per seed, in seed order.",
        "",
    ]
    header = (
        "scenario",
        "records answered",
        "identity fields",
        "lookups to containment",
        "hours to containment",
        "alerts",
        "colleague days disrupted",
    )
    rows: list[tuple[str, ...]] = [header]
    grouped = by_scenario(results)
    for name, figures in grouped.items():
        lookups = (
            [f.lookups_to_containment for f in figures]
            if name not in ("rogue-admin", "iban-takeover")
            else [f"({f.extra.get('actions_to_containment', 0):.0f} req)" for f in figures]
        )
        rows.append(
            (
                name,
                _cell(f.records for f in figures),
                _cell(f.identity_fields for f in figures),
                _cell(lookups),
                _cell(_hours(f.minutes_to_containment) for f in figures),
                _cell(f.alerts for f in figures),
                _cell(f"{f.collateral_days}/{f.colleague_days}" for f in figures),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for number, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    lines.append("")
    lines.append("What closed the door (rung and detector), per seed:")
    for name, figures in grouped.items():
        lines.append(f"  {name}: " + "; ".join(f.contained_by or "not contained" for f in figures))
    extras = [(name, figures) for name, figures in grouped.items() if any(f.extra for f in figures)]
    for name, figures in extras:
        keys = [k for k in figures[0].extra if k != "actions_to_containment"]
        if keys:
            lines.append(
                f"  {name}: "
                + "; ".join(
                    f"{k.replace('_', ' ')} {_cell(f.extra[k] for f in figures)}" for k in keys
                )
            )
    legit = legitimate_totals(results)
    kinds: dict[str, int] = {}
    for result in results:
        for kind, count in result.legitimate.disruptions.items():
            kinds[kind] = kinds.get(kind, 0) + count
    lines += [
        "",
        f"Legitimate work: {legit['professional_days']:.0f} professional-days, "
        f"{legit['checks']:,.0f} rights checks ({legit['software_checks']:,.0f} through counter "
        f"software), {legit['invoices']:,.0f} invoices (pharmacies "
        f"invoice {legit['pharmacy_invoice_ratio']:.0%} of their checks); "
        f"{legit['disrupted_days']:.0f} professional-days disrupted "
        f"({legit['disrupted_share']:.2%})"
        + (f": {kinds}" if kinds else "")
        + f"; {legit['containments']:.0f} containments, {legit['alerts']:.0f} alerts.",
        "",
        "Targets (issue #7):",
    ]
    for target in targets(results, params):
        verdict = "met" if target.met else "NOT MET"
        lines.append(f"  {target.name}: {target.wanted} -> {target.observed}: {verdict}")
    lines.append(f"\nRan in {elapsed:.0f} s.")
    return "\n".join(lines)


def json_line(
    results: Sequence[SeedResult],
    params: Parameters,
    days: int,
    scenarios: Sequence[str],
    elapsed: float,
) -> str:
    found = targets(results, params)
    grouped = by_scenario(results)
    summary: dict[str, Any] = {}
    for name, figures in grouped.items():
        counts = [f.lookups_to_containment for f in figures if f.lookups_to_containment is not None]
        minutes = [
            f.minutes_to_containment for f in figures if f.minutes_to_containment is not None
        ]
        summary[name] = {
            "seeds": len(figures),
            "contained": sum(f.contained for f in figures),
            "records_max": max(f.records for f in figures),
            "identity_fields": sum(f.identity_fields for f in figures),
            "lookups_to_containment_median": statistics.median(counts) if counts else None,
            "lookups_to_containment_max": max(counts) if counts else None,
            "minutes_to_containment_median": statistics.median(minutes) if minutes else None,
            "minutes_to_containment_max": max(minutes) if minutes else None,
            "alerts_median": statistics.median(f.alerts for f in figures),
            "collateral_days": sum(f.collateral_days for f in figures),
            "colleague_days": sum(f.colleague_days for f in figures),
        }
    document = {
        "simulation": "rempart-attack-range",
        "seeds": [r.seed for r in results],
        "days": days,
        "scenarios_run": list(scenarios),
        "parameters": dataclasses.asdict(params),
        "legitimate": {
            **legitimate_totals(results),
            "per_seed": [dataclasses.asdict(r.legitimate) | {"seed": r.seed} for r in results],
        },
        "scenarios": {
            name: {"summary": summary[name], "per_seed": [dataclasses.asdict(f) for f in figures]}
            for name, figures in grouped.items()
        },
        "targets": {
            t.name: {"wanted": t.wanted, "observed": t.observed, "met": t.met} for t in found
        },
        "elapsed_s": round(elapsed, 1),
        "seed_elapsed_s": [round(r.elapsed_s, 1) for r in results],
        "met": all(t.met for t in found),
    }
    return json.dumps(document, default=str, separators=(",", ":"))
