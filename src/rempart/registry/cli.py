"""`rempart import rights`, `rempart demo seed`, `rempart stats`."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

from rempart.cli_support import (
    err_console,
    fail,
    interactive,
    operator_errors,
    parse_day,
    platform,
)
from rempart.payments.mandates import seed_demo_mandates
from rempart.registry import service
from rempart.registry.domain import InsurerStatus
from rempart.registry.generator import generate_france, generate_statements
from rempart.registry.rights_file import write_csv
from rempart.registry.schemas import CatalogueIn, InsurerSummary
from rempart.rights.service import revoke_after_import

import_app = typer.Typer(help="Import insurers' files.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo conveniences: a synthetic France.", no_args_is_help=True)
registry_app = typer.Typer(help="Insurers and their contracts.", no_args_is_help=True)
console = Console()


@import_app.command("rights")
def import_rights(
    file: Path = typer.Argument(..., help="CSV or JSON Lines rights file.", exists=False),
    file_format: str | None = typer.Option(
        None, "--format", help="csv or jsonl (default: from the file name)."
    ),
    snapshot: bool = typer.Option(
        False,
        "--snapshot",
        help="The file is complete for its insurers: close the rights of their beneficiaries "
        "absent from it (nobody is closed if a line fails).",
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Date rights are closed from with --snapshot (default today)."
    ),
    report: Path | None = typer.Option(
        None, "--report", help="Where to write rejected lines (default under REMPART_HOME)."
    ),
) -> None:
    """Import an insurer's rights file (docs/formats/rights-file.md).

    Exit status: 0 every line imported; 2 some lines rejected (the valid ones imported,
    the report written); 1 nothing imported.
    """
    as_of_day = parse_day(as_of, "--as-of")
    with platform() as opened:
        # Named after the file's full path too: two files both called rights.csv in
        # different folders keep separate reports.
        where = hashlib.sha256(str(file.resolve()).encode()).hexdigest()[:8]
        report_path = report or (
            opened.settings.home / "reports" / f"{file.name}.{where}.rejected.csv"
        )
        size = file.stat().st_size if file.is_file() else 0
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=err_console,
            disable=not interactive(),
            transient=True,
        ) as bar:
            task = bar.add_task("importing", total=size)
            outcome = service.import_rights_file(
                uow=opened.uow(),
                path=file,
                file_format=file_format,
                snapshot=snapshot,
                as_of=as_of_day,
                report_path=report_path,
                batch_size=opened.settings.import_batch_size,
                on_progress=lambda p: bar.update(task, completed=p.bytes_read),
            )
        # Rights closed retroactively: accreditations issued for those dates no longer
        # guarantee payment, and software learns it from the revoked list.
        revoked = revoke_after_import(uow=opened.uow(), run_id=outcome.run_id)
    console.print(
        f"{outcome.lines} lines: {outcome.created} created, {outcome.updated} updated, "
        f"{outcome.unchanged} unchanged, {outcome.rejected} rejected"
        + (f", {outcome.closed} closed by snapshot" if snapshot else "")
        + (" (resumed)" if outcome.resumed else "")
        + (f"; {revoked} accreditations revoked" if revoked else "")
    )
    if outcome.report is not None:
        console.print(f"rejected lines, with line numbers and reasons: {outcome.report}")
    if outcome.snapshot_blocked:
        console.print(
            f"snapshot: nobody was closed, because {outcome.snapshot_blocked} lines could not "
            "be applied; fix them and import the file again"
        )
    raise typer.Exit(outcome.exit_code)


@demo_app.command("seed")
def seed(
    beneficiaries: int = typer.Option(10_000, "--beneficiaries", min=1, help="How many."),
    seed_value: int = typer.Option(1, "--seed", help="Same seed, same France."),
    export: Path | None = typer.Option(
        None, "--export", help="Also write DIR/rights.csv (plaintext, for tests and benchmarks)."
    ),
    today: str | None = typer.Option(None, "--today", help="Reference date (default today)."),
) -> None:
    """Generate a deterministic synthetic France and load it through the real import."""
    with platform(migrate=True) as opened:
        reference = parse_day(today, "--today") or opened.clock.today()
        france = generate_france(seed=seed_value, beneficiaries=beneficiaries, today=reference)
        service.register_reference_data(
            uow=opened.uow(),
            insurers=france.insurers,
            structures=france.structures,
            professionals=france.professionals,
        )
        with tempfile.TemporaryDirectory() as scratch:
            directory = export or Path(scratch)
            directory.mkdir(parents=True, exist_ok=True)
            rights = directory / "rights.csv"
            # Plaintext identities, even if synthetic: readable by the owner only.
            descriptor = os.open(rights, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
                write_csv(
                    generate_statements(
                        france=france, seed=seed_value, beneficiaries=beneficiaries, today=reference
                    ),
                    handle,
                )
            outcome = service.import_rights_file(
                uow=opened.uow(),
                path=rights,
                as_of=reference,
                batch_size=opened.settings.import_batch_size,
            )
        seed_demo_mandates(
            uow=opened.uow(),
            amc_numbers=[insurer.amc_number for insurer in france.insurers],
            signed_on=reference.replace(month=1, day=2),
        )
    console.print(
        f"seeded {len(france.insurers)} insurers, {len(france.structures)} structures, "
        f"{len(france.professionals)} professionals, {outcome.imported} beneficiaries"
    )
    if export:
        console.print(f"exported {export / 'rights.csv'}")


def stats(
    as_json: bool = typer.Option(False, "--json", help="One JSON object on stdout."),
) -> None:
    """Rows per table (registry data; import bookkeeping left out)."""
    with platform() as opened:
        counts = service.count_rows(uow=opened.uow())
    if as_json:
        typer.echo(json.dumps(counts, sort_keys=True))
        return
    for table, count in counts.items():
        console.print(f"{table:<20} {count:>12,}")


@registry_app.command("load")
def load_catalogue(
    file: Path = typer.Argument(..., help="JSON catalogue (docs/formats/insurers.md)."),
) -> None:
    """Create or update insurers and their contracts from a JSON catalogue.

    All or nothing: one invalid insurer or contract and nothing is written.
    """
    with operator_errors():
        document = file.read_bytes()
    try:
        catalogue = CatalogueIn.model_validate_json(document)
    except ValidationError as exc:
        problems = "; ".join(
            ".".join(str(p) for p in error["loc"]) + ": " + error["msg"]
            for error in exc.errors(include_input=False, include_url=False)
        )
        fail(f"the catalogue is invalid: {problems}")
    with platform() as opened:
        insurers = catalogue.to_domain()
        service.register_reference_data(uow=opened.uow(), insurers=insurers)
    console.print(
        f"{len(insurers)} insurers and {sum(len(i.contracts) for i in insurers)} contracts loaded"
    )


@registry_app.command("insurers")
def list_insurers(
    as_json: bool = typer.Option(False, "--json", help="One JSON array on stdout."),
) -> None:
    """The registered insurers: AMC number, name, status, number of contracts."""
    with platform() as opened:
        overview = service.insurer_overview(uow=opened.uow())
    summaries = [
        InsurerSummary(amc_number=a, name=n, status=InsurerStatus(s), contracts=c)
        for a, n, s, c in overview
    ]
    if as_json:
        typer.echo(json.dumps([s.model_dump(mode="json") for s in summaries]))
        return
    for summary in summaries:
        console.print(
            f"{summary.amc_number}  {summary.status.value:<9} {summary.contracts:>3} contracts  "
            f"{summary.name}"
        )
