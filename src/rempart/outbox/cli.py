"""`rempart outbox`: deliver what the platform decided to send (run it from cron)."""

from __future__ import annotations

import typer
from rich.console import Console

from rempart.cli_support import operator_errors, platform
from rempart.outbox.port import sender_for
from rempart.outbox.service import deliver_pending, pending_count

app = typer.Typer(
    help="Outbound messages to structures, insurers and analysts.", no_args_is_help=True
)
console = Console()


@app.command()
def deliver(limit: int = typer.Option(500, min=1, help="At most this many messages")) -> None:
    """Hand pending messages to the configured adapter (REMPART_OUTBOX); failures stay
    pending and are tried again next time."""
    with operator_errors(), platform() as opened:
        report = deliver_pending(uow=opened.uow(), sender=sender_for(opened.settings), limit=limit)
    console.print(f"delivered {report.delivered}, failed {report.failed}")
    if report.failed:
        raise typer.Exit(1)


@app.command()
def pending() -> None:
    """How many messages wait for delivery."""
    with operator_errors(), platform() as opened:
        console.print(str(pending_count(uow=opened.uow())))
