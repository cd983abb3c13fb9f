"""`rempart demo personas`: the demo accounts of `make demo` (development only)."""

from __future__ import annotations

from rich.console import Console

from rempart.cli_support import fail, load_settings, platform
from rempart.demo.personas import PERSONAS, seed_personas

console = Console()


def personas() -> None:
    """Create the demo personas over the seeded synthetic France (idempotent).

    Development only (REMPART_ENV=development): they sign in without any factor through
    the demo landing page, which production never serves."""
    if not load_settings().is_development:
        fail("demo personas exist in development only (REMPART_ENV=development)")
    with platform(migrate=True) as opened:
        seeded = seed_personas(uow=opened.uow())
    created = ", ".join(seeded.created) or "none (all there already)"
    console.print(
        f"demo personas: {len(PERSONAS)} (created now: {created}); pharmacy FINESS "
        f"{seeded.pharmacy}, insurer AMC {seeded.amc_number}"
    )
