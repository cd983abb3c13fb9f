"""`rempart keys`: create, inspect, rotate and retire the key ring."""

from __future__ import annotations

import typer
from rich.console import Console

from rempart.cli_support import load_settings, operator_errors, platform
from rempart.schema import SEALED_TABLES
from rempart.vault.provider import local_key_file
from rempart.vault.service import init_keys, key_status, retire_key, rotate_keys

app = typer.Typer(help="Manage the key ring that encrypts personal fields.", no_args_is_help=True)
console = Console()


@app.command("init")
def init(
    if_missing: bool = typer.Option(False, "--if-missing", help="Do nothing if keys exist."),
) -> None:
    """Write a new key ring to REMPART_HOME/keys.json (mode 0600)."""
    with operator_errors():
        source = local_key_file(load_settings())
        if not init_keys(source=source, if_missing=if_missing):
            return
    console.print(
        f"key ring written to {source.path} (mode 0600); back it up apart from the database"
    )


@app.command("status")
def status() -> None:
    """Key versions in the ring and how many rows each seals."""
    with platform() as opened:
        versions = key_status(uow=opened.uow(), tables=SEALED_TABLES)
    for entry in versions:
        marker = " (active)" if entry.active else ""
        console.print(f"data key v{entry.version}{marker}: {entry.rows} rows")


@app.command("rotate")
def rotate() -> None:
    """Seal every row under a new key version, in batches, while the app keeps serving.

    Creates a new version only when the previous rotation is complete; otherwise it
    resumes the unfinished one. Running workers pick up the new ring within a second.
    """
    settings = load_settings()
    with operator_errors():
        source = local_key_file(settings)
    with platform() as opened:
        outcome = rotate_keys(
            source=source,
            vaults=opened.vaults,
            uow_factory=opened.uow,
            tables=SEALED_TABLES,
            batch_size=settings.rotation_batch_size,
        )
    if outcome.new_version is None:
        console.print(f"resuming an unfinished rotation ({outcome.rows_behind} rows left)")
    else:
        console.print(f"new key version created (v{outcome.new_version}); every row re-sealed")
    console.print(f"{outcome.resealed} rows re-sealed under key version {outcome.active_version}")
    for version in outcome.retirable:
        console.print(f"version {version} can now be retired: rempart keys retire {version}")


@app.command("retire")
def retire(version: int = typer.Argument(..., help="The data key version to remove.")) -> None:
    """Remove an old key version once no row uses it any more."""
    settings = load_settings()
    with operator_errors():
        source = local_key_file(settings)
    with platform() as opened, opened.uow() as uow:
        retire_key(source=source, uow=uow, tables=SEALED_TABLES, version=version)
    console.print(f"key version {version} retired and removed from {source.path}")
