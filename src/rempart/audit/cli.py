"""`rempart audit`: seal, checkpoint, verify, expire and prove the tamper-evident log.

Nothing printed here names a person: leaf indexes, record ids (random), sizes and hashes.
"""

from __future__ import annotations

import json
import time

import typer
from rich.console import Console

from rempart.audit.checkpoints import LocalDirectoryCheckpointStore, issue_checkpoint
from rempart.audit.proofs import consistency_proof, inclusion_proof, leaf_hash_of, root_at
from rempart.audit.retention import expire, retention_cutoff
from rempart.audit.sequencer import seal
from rempart.audit.verification import LoggingAlertSink, verify
from rempart.cli_support import fail, load_settings, platform

app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
console = Console()

# Verification found tampering (1 is taken by operator errors).
EXIT_TAMPERED = 3


def _store() -> LocalDirectoryCheckpointStore:
    return LocalDirectoryCheckpointStore(load_settings().effective_audit_checkpoints_dir)


@app.command("seal")
def seal_command() -> None:
    """Give committed records their leaf indexes (one sequencer at a time)."""
    with platform() as opened:
        sealed = seal(uow=opened.uow(), batch_size=opened.settings.audit_seal_batch_size)
    console.print(f"{sealed} records sealed")


@app.command("checkpoint")
def checkpoint_command(
    every: int = typer.Option(
        0, "--every", min=0, help="Keep issuing one every N seconds (0: once)."
    ),
) -> None:
    """Seal, sign the tree and export the checkpoint to REMPART_AUDIT_CHECKPOINTS_DIR."""
    store = _store()
    with platform() as opened:
        while True:
            checkpoint = issue_checkpoint(
                uow=opened.uow(), store=store, batch_size=opened.settings.audit_seal_batch_size
            )
            console.print(
                f"checkpoint at size {checkpoint.tree_size}, root {checkpoint.root.hex()}, "
                f"key {checkpoint.key_id}"
            )
            if not every:
                return
            time.sleep(every)


@app.command("verify")
def verify_command(
    as_json: bool = typer.Option(False, "--json", help="One JSON object on stdout."),
    limit: int = typer.Option(200, "--limit", min=1, help="Findings listed at most."),
) -> None:
    """Check every record against its payload and the exported checkpoints.

    Exit status: 0 the log verifies; 3 tampering found (each finding is listed); 1 the
    check could not run.
    """
    store = _store()
    with platform() as opened:
        report = verify(uow=opened.uow(), store=store, alerts=LoggingAlertSink())
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "ok": report.ok,
                    "records_checked": report.records_checked,
                    "payloads_checked": report.payloads_checked,
                    "pending": report.pending,
                    "tree_size": report.tree_size,
                    "covered_size": report.covered_size,
                    "checkpoints_checked": report.checkpoints_checked,
                    "counts": report.counts(),
                    "findings": [
                        {
                            "kind": f.kind.value,
                            "leaf_index": f.leaf_index,
                            "record_id": None if f.record_id is None else str(f.record_id),
                            "tree_size": f.tree_size,
                            "detail": f.detail,
                        }
                        for f in report.findings
                    ],
                },
                sort_keys=True,
            )
        )
    else:
        console.print(
            f"{report.records_checked} records checked ({report.payloads_checked} payloads, "
            f"{report.pending} not yet sealed); {report.checkpoints_checked} checkpoints cover "
            f"{report.covered_size} of {report.tree_size} leaves"
        )
        for finding in report.findings[:limit]:
            console.print(finding.describe(), markup=False, highlight=False)
        if len(report.findings) > limit:
            console.print(f"... and {len(report.findings) - limit} more (use --json)")
        console.print("the log verifies" if report.ok else f"TAMPERING FOUND: {report.counts()}")
    if not report.ok:
        raise typer.Exit(EXIT_TAMPERED)


@app.command("expire")
def expire_command(
    months: int = typer.Option(
        None, "--months", min=1, max=120, help="Default: REMPART_AUDIT_RETENTION_MONTHS."
    ),
) -> None:
    """Remove payloads (and person-pointing columns) of records older than the retention
    period; leaf hashes stay, so proofs and verification still hold."""
    with platform() as opened:
        period = months or opened.settings.audit_retention_months
        cutoff = retention_cutoff(opened.clock.now(), period)
        expired = expire(uow=opened.uow(), older_than=cutoff)
    console.print(f"{expired} records expired (older than {period} months)")


@app.command("proof")
def proof_command(
    tree_size: int = typer.Option(..., "--size", help="The tree size the proof is for."),
    leaf_index: int = typer.Option(None, "--leaf", help="Prove this leaf's inclusion."),
    old_size: int = typer.Option(None, "--old-size", help="Prove consistency from this size."),
) -> None:
    """Print an inclusion or consistency proof as JSON (hex hashes)."""
    if (leaf_index is None) == (old_size is None):
        fail("give exactly one of --leaf or --old-size")
    with platform() as opened:
        root = root_at(uow=opened.uow(), tree_size=tree_size)
        document: dict[str, object]
        if leaf_index is not None:
            proof = inclusion_proof(uow=opened.uow(), leaf_index=leaf_index, tree_size=tree_size)
            document = {
                "leaf_index": leaf_index,
                "leaf_hash": leaf_hash_of(uow=opened.uow(), leaf_index=leaf_index).hex(),
            }
        else:
            proof = consistency_proof(uow=opened.uow(), old_size=old_size, new_size=tree_size)
            document = {
                "old_size": old_size,
                "old_root": root_at(uow=opened.uow(), tree_size=old_size).hex(),
            }
    document.update({"tree_size": tree_size, "root": root.hex(), "proof": [p.hex() for p in proof]})
    typer.echo(json.dumps(document, sort_keys=True))
