"""`rempart simulate`: the attack range from the command line."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from enum import StrEnum

import typer
from rich.console import Console

err_console = Console(stderr=True)


class ScenarioChoice(StrEnum):
    ALL = "all"
    REPLAY_2024 = "replay-2024"
    SLOW_SCRAPER = "slow-scraper"
    DISTRIBUTED = "distributed"
    ENUMERATION = "enumeration"
    ROGUE_ADMIN = "rogue-admin"
    IBAN_TAKEOVER = "iban-takeover"
    STOLEN_CLIENT_KEY = "stolen-client-key"


def simulate(
    scenario: ScenarioChoice = typer.Option(
        ScenarioChoice.ALL,
        "--scenario",
        help="One attack scenario, or all of them (stolen-client-key: a pharmacy's "
        "software key copied, used with the thief's own DPoP key).",
    ),
    seeds: int = typer.Option(3, "--seeds", min=1, max=100, help="Seeds 1..N (a world each)."),
    days: int = typer.Option(
        6, "--days", min=1, max=60, help="Days of legitimate work before the attack day."
    ),
    as_json: bool = typer.Option(False, "--json", help="End with one JSON line of every figure."),
    jobs: int = typer.Option(
        0, "--jobs", min=0, max=32, help="Seeds run in parallel (0: one per CPU, at most 4)."
    ),
    scale: float = typer.Option(
        1.0, "--scale", min=0.01, max=10.0, help="Multiply every legitimate volume."
    ),
    beneficiaries: int | None = typer.Option(
        None, "--beneficiaries", min=500, max=200_000, help="People of each synthetic France."
    ),
    assignments: list[str] = typer.Option(
        [],
        "--set",
        help="Change a parameter, name=value (see simulation/parameters.py); repeatable.",
    ),
) -> None:
    """Run the attack range: a synthetic France, weeks of legitimate work through the real
    use cases under a simulated clock, then the attack scenarios; print what each
    attacker got, how fast the shield contained it, the legitimate work disrupted, and
    whether the targets of issue #7 are met (exit status 1 when they are not).
    See docs/security/attack-range.md."""
    from rempart.simulation.parameters import Parameters, override
    from rempart.simulation.report import json_line, table, targets
    from rempart.simulation.runner import SCENARIOS, SeedResult, run

    params = replace(Parameters(), scale=scale)
    if beneficiaries is not None:
        params = replace(params, beneficiaries=beneficiaries)
    try:
        params = override(params, assignments)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--set") from None
    chosen = list(SCENARIOS) if scenario is ScenarioChoice.ALL else [scenario.value]
    workers = jobs or min(seeds, os.cpu_count() or 1, 4)
    started = time.perf_counter()

    def progress(result: SeedResult) -> None:
        err_console.print(f"seed {result.seed}: done in {result.elapsed_s:.0f} s")

    results = run(
        seeds=range(1, seeds + 1),
        params=params,
        days=days,
        scenarios=chosen,
        jobs=workers,
        on_seed=progress,
    )
    elapsed = time.perf_counter() - started
    typer.echo(table(results, params, days, elapsed))
    if as_json:
        typer.echo(json_line(results, params, days, chosen, elapsed))
    if not all(t.met for t in targets(results, params)):
        raise typer.Exit(1)
