"""`rempart identity`: housekeeping of the sign-in and client tables."""

from __future__ import annotations

import typer
from rich.console import Console

from rempart.cli_support import operator_errors, platform
from rempart.identity.client_auth import purge_expired
from rempart.identity.client_step_up import purge_step_ups
from rempart.identity.sessions import purge_stale

app = typer.Typer(help="Identity housekeeping.", no_args_is_help=True)
console = Console()


@app.command()
def purge() -> None:
    """Forget expired ceremonies, pending sign-ins, enrolment codes, spent JWT ids,
    expired access tokens and software step-up requests a month past (run it from cron;
    nothing depends on it for correctness)."""
    with operator_errors(), platform() as opened:
        stale = purge_stale(uow=opened.uow())
        spent = purge_expired(uow=opened.uow()) + purge_step_ups(uow=opened.uow())
    console.print(f"forgot {stale} expired sign-in items and {spent} spent client items")
