"""`rempart shield`: operators' commands for the shield."""

from __future__ import annotations

import uuid

import typer
from rich.console import Console

from rempart.cli_support import operator_errors, platform
from rempart.shield.honeytokens import honeytoken_count, plant_honeytoken

app = typer.Typer(help="Detection and containment.", no_args_is_help=True)
console = Console()


@app.command("plant-honeytoken")
def plant(beneficiary_id: str = typer.Argument(..., help="The beneficiary record's UUID")) -> None:
    """Flag a beneficiary record (planted through a rights file) as a honeytoken: any
    lookup of it suspends the account that made it."""
    with operator_errors(), platform() as opened:
        try:
            record = uuid.UUID(beneficiary_id)
        except ValueError:
            raise typer.BadParameter("not a UUID") from None
        plant_honeytoken(uow=opened.uow(), beneficiary_id=record)
        console.print(f"honeytokens: {honeytoken_count(uow=opened.uow())}")
