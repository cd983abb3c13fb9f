"""`rempart keys`: create, inspect, rotate and retire the key ring."""

from __future__ import annotations

import typer
from rich.console import Console

from rempart.cli_support import fail, load_settings, operator_errors, platform
from rempart.schema import SEALED_TABLES
from rempart.vault.keyring import KeyRing
from rempart.vault.provider import local_key_file
from rempart.vault.service import reseal_all, retire_version, rows_per_version, verify_ring

app = typer.Typer(help="Manage the key ring that encrypts personal fields.", no_args_is_help=True)
console = Console()


@app.command("init")
def init(
    if_missing: bool = typer.Option(False, "--if-missing", help="Do nothing if keys exist."),
) -> None:
    """Write a new key ring to REMPART_HOME/keys.json (mode 0600)."""
    with operator_errors():
        source = local_key_file(load_settings())
        if source.exists():
            if if_missing:
                return
            fail(f"{source.path} already exists; refusing to overwrite keys that may be in use")
        source.save(KeyRing.generate())
    console.print(
        f"key ring written to {source.path} (mode 0600); back it up apart from the database"
    )


@app.command("status")
def status() -> None:
    """Key versions in the ring and how many rows each seals."""
    with platform() as opened, opened.uow() as uow:
        counts = rows_per_version(session=uow.session, tables=SEALED_TABLES)
        vault = uow.vault
        for version in sorted(vault.ring.data.secrets):
            marker = " (active)" if version == vault.active_version else ""
            console.print(f"data key v{version}{marker}: {counts.get(version, 0)} rows")


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
        with opened.uow() as uow:
            behind = {
                v: n
                for v, n in rows_per_version(session=uow.session, tables=SEALED_TABLES).items()
                if v != uow.vault.active_version
            }
        if not behind:
            source.save(source.load().with_new_data_version())
            console.print("new key version created; re-sealing every row")
        else:
            console.print(f"resuming an unfinished rotation ({sum(behind.values())} rows left)")
        opened_vault = opened.vaults.reload()
        with opened.uow() as uow:
            verify_ring(session=uow.session, vault=uow.vault, clock=opened.clock)
            uow.commit()
        with opened.uow() as uow:
            total = reseal_all(
                session=uow.session,
                vault=uow.vault,
                tables=SEALED_TABLES,
                batch_size=settings.rotation_batch_size,
            )
        old = sorted(v for v in opened_vault.ring.data.secrets if v != opened_vault.active_version)
        console.print(f"{total} rows re-sealed under key version {opened_vault.active_version}")
        for version in old:
            console.print(f"version {version} can now be retired: rempart keys retire {version}")


@app.command("retire")
def retire(version: int = typer.Argument(..., help="The data key version to remove.")) -> None:
    """Remove an old key version once no row uses it any more."""
    settings = load_settings()
    with operator_errors():
        source = local_key_file(settings)
    with platform() as opened, opened.uow() as uow:
        retire_version(
            session=uow.session,
            vault=uow.vault,
            tables=SEALED_TABLES,
            version=version,
            clock=opened.clock,
        )
        # The database first: a ring still holding a retired version is harmless, a
        # database still expecting a removed one would refuse to start.
        uow.commit()
        source.save(source.load().without_data_version(version))
    console.print(f"key version {version} retired and removed from {source.path}")
