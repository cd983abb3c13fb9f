"""Verification: every record against its payload, and every leaf against the exported
checkpoints, naming each record that differs.

The exported checkpoints (signature checked against keys the ring derives) are the
trusted side: they hold the signed roots and, beside each, the leaf hashes it newly
covered. Verification streams the records once in leaf order and

- recomputes each unexpired record's leaf hash from its payload, and checks that the
  indexed columns say what the payload says;
- compares each leaf hash with the one exported at the same index; a difference is then
  classified by where the two hashes are found elsewhere: a record carrying a leaf
  exported at another index was reordered (or shifted by a hidden deletion or
  insertion), one carrying a leaf no checkpoint knows was inserted if the signed leaf
  still exists elsewhere, altered if it does not; a signed leaf found in no record was
  deleted (truncated when the whole tail is gone);
- rebuilds the root at every checkpoint's size from the exported leaves (the database's
  leaves fill ranges whose checkpoint file is missing) and compares it with the signed
  root: a single leaf sequence reproducing every signed root is consistency between
  consecutive checkpoints;
- rebuilds the root of the whole sealed table and compares it with the sequencer's state.

Findings never hold identifiers: leaf indexes, record ids (random UUIDs) and sizes only.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy import select

from rempart.audit.checkpoints import (
    CheckpointStore,
    ExportedCheckpoint,
    MalformedCheckpoint,
    signature_valid,
    trusted_keys,
)
from rempart.audit.domain import (
    Finding,
    FindingKind,
    VerificationReport,
    encode_fields,
    leaf_of,
)
from rempart.audit.models import AuditCheckpointRow, AuditRecordRow
from rempart.audit.sequencer import load_state
from rempart.audit.status import record_verification
from rempart.audit.tree import HASH_BYTES, CompactRange
from rempart.db.base import table_of
from rempart.db.uow import UnitOfWork

logger = logging.getLogger("rempart.audit")

STREAM_BATCH = 20_000


class AlertSink(Protocol):
    """Where a failed verification is raised (the shield adds the real adapter)."""

    def raise_alert(self, *, kind: str, summary: str, counts: Mapping[str, int]) -> None: ...


class NullAlertSink:
    def __init__(self) -> None:
        self.raised: list[tuple[str, str, dict[str, int]]] = []

    def raise_alert(self, *, kind: str, summary: str, counts: Mapping[str, int]) -> None:
        self.raised.append((kind, summary, dict(counts)))


class LoggingAlertSink:
    def raise_alert(self, *, kind: str, summary: str, counts: Mapping[str, int]) -> None:
        logger.error("%s: %s %s", kind, summary, dict(sorted(counts.items())))


ALERT_KIND = "audit-log-tampering"


def _expected_payload(row: Any) -> bytes:
    actor, client = row.actor_account_id, row.client_id
    return encode_fields(
        record_id=str(row.id),
        at=row.at,
        tag=row.tag,
        outcome=row.outcome,
        channel=row.channel,
        actor=None if actor is None else str(actor),
        rpps=row.actor_rpps,
        finess=row.structure_finess,
        client=None if client is None else str(client),
        target=row.target_pseudonym,
        amc=row.target_amc,
        categories=row.categories,
        request=row.request_id,
        address=row.address_hash,
        agent=row.user_agent_hash,
        purpose=row.purpose,
    )


def _payload_finding(row: Any) -> Finding | None:
    if row.payload is None:
        return None
    payload = bytes(row.payload)
    if leaf_of(payload) != bytes(row.leaf_hash):
        return Finding(
            FindingKind.ALTERED, row.leaf_index, row.id, detail="payload differs from its leaf hash"
        )
    try:
        same = _expected_payload(row) == payload
    except (KeyError, ValueError, TypeError):
        same = False  # a column holds what no encoder could have written
    if not same:
        return Finding(
            FindingKind.ALTERED,
            row.leaf_index,
            row.id,
            detail="indexed columns differ from the hashed payload",
        )
    return None


class _Exported:
    """Every leaf hash the trusted checkpoints export, by index."""

    def __init__(self, checkpoints: list[ExportedCheckpoint]) -> None:
        self.size = checkpoints[-1].checkpoint.tree_size if checkpoints else 0
        self.leaves = bytearray(self.size * HASH_BYTES)
        self.known = bytearray(self.size)
        for exported in checkpoints:
            start, end = exported.from_size, exported.checkpoint.tree_size
            self.leaves[start * HASH_BYTES : end * HASH_BYTES] = exported.leaves
            self.known[start:end] = b"\x01" * (end - start)

    def get(self, index: int) -> bytes | None:
        if index >= self.size or not self.known[index]:
            return None
        return bytes(self.leaves[index * HASH_BYTES : (index + 1) * HASH_BYTES])

    def positions_of(self, wanted: set[bytes]) -> dict[bytes, int]:
        found: dict[bytes, int] = {}
        view = memoryview(self.leaves)
        for index in range(self.size):
            if self.known[index]:
                leaf = bytes(view[index * HASH_BYTES : (index + 1) * HASH_BYTES])
                if leaf in wanted:
                    found[leaf] = index
        return found


def _trusted_checkpoints(
    store: CheckpointStore, trusted: Mapping[str, bytes], findings: list[Finding]
) -> tuple[list[ExportedCheckpoint], set[int]]:
    valid: dict[int, ExportedCheckpoint] = {}
    forged: set[int] = set()
    for document in store.documents():
        try:
            exported = ExportedCheckpoint.from_document(document)
        except MalformedCheckpoint:
            findings.append(Finding(FindingKind.CHECKPOINT_FORGED, detail="unreadable file"))
            continue
        size = exported.checkpoint.tree_size
        if not signature_valid(exported, dict(trusted)):
            forged.add(size)
            findings.append(
                Finding(
                    FindingKind.CHECKPOINT_FORGED,
                    tree_size=size,
                    detail="signature does not verify under a trusted key",
                )
            )
            continue
        valid[size] = exported
    return [valid[size] for size in sorted(valid)], forged


def verify(
    *,
    uow: UnitOfWork,
    store: CheckpointStore,
    alerts: AlertSink | None = None,
    trusted: Mapping[str, bytes] | None = None,
    batch_size: int = STREAM_BATCH,
) -> VerificationReport:
    with uow:
        report = _verify(uow, store, trusted, batch_size)
        record_verification(uow, report)  # the security page shows the latest
        uow.commit()
    if not report.ok:
        (alerts or LoggingAlertSink()).raise_alert(
            kind=ALERT_KIND,
            summary=f"audit log verification found {len(report.findings)} problems",
            counts=report.counts(),
        )
    return report


def _verify(
    uow: UnitOfWork, store: CheckpointStore, trusted: Mapping[str, bytes] | None, batch_size: int
) -> VerificationReport:
    findings: list[Finding] = []
    keys = trusted if trusted is not None else trusted_keys(uow.vault)
    checkpoints, forged = _trusted_checkpoints(store, keys, findings)
    by_size = {c.checkpoint.tree_size: c for c in checkpoints}
    for size, root in uow.session.execute(
        select(AuditCheckpointRow.tree_size, AuditCheckpointRow.root)
    ).all():
        exported = by_size.get(size)
        if exported is None and size not in forged:
            findings.append(
                Finding(FindingKind.CHECKPOINT_MISSING, tree_size=size, detail="not in the store")
            )
        elif exported is not None and exported.checkpoint.root != bytes(root):
            findings.append(
                Finding(
                    FindingKind.CHECKPOINT_MISMATCH,
                    tree_size=size,
                    detail="the database's copy differs from the exported one",
                )
            )

    exported_leaves = _Exported(checkpoints)
    covered = exported_leaves.size
    table = table_of(AuditRecordRow)
    columns = list(table.c)

    # -- one pass over the sealed records, in leaf order ----------------------------------
    mismatched: list[tuple[int, uuid.UUID, bytes]] = []
    missing: list[tuple[int, int]] = []  # [start, end) ranges with no record
    fill: dict[int, bytes] = {}  # leaves no exported file covers (a file went missing)
    elsewhere: set[bytes] = set()  # leaf hashes held beyond the covered range or twice
    database_tree = CompactRange()
    tree_broken = False
    expected = 0
    records = payloads = 0
    result = uow.session.execute(
        select(*columns)
        .where(table.c.leaf_index.is_not(None))
        .order_by(table.c.leaf_index, table.c.id)
        .execution_options(yield_per=batch_size)
    )
    for row in result:
        records += 1
        index: int = row.leaf_index
        leaf = bytes(row.leaf_hash)
        if row.payload is not None:
            payloads += 1
        problem = _payload_finding(row)
        if problem is not None:
            findings.append(problem)
        if index < expected:
            findings.append(
                Finding(
                    FindingKind.DUPLICATED, index, row.id, detail="a second record at this index"
                )
            )
            elsewhere.add(leaf)
            tree_broken = True
            continue
        if index > expected:
            missing.append((expected, index))
            tree_broken = True
        expected = index + 1
        if not tree_broken:
            database_tree.append(leaf)
        if index < covered:
            signed = exported_leaves.get(index)
            if signed is None:
                fill[index] = leaf
            elif signed != leaf:
                mismatched.append((index, row.id, leaf))
                elsewhere.add(leaf)
        else:
            elsewhere.add(leaf)
    result.close()
    sealed_size = expected

    # -- differences with the exported leaves, named --------------------------------------
    positions = exported_leaves.positions_of({leaf for _, _, leaf in mismatched})
    for index, record_id, leaf in mismatched:
        signed = exported_leaves.get(index)
        assert signed is not None
        origin = positions.get(leaf)
        if origin is not None:
            findings.append(
                Finding(
                    FindingKind.REORDERED,
                    index,
                    record_id,
                    detail=f"holds the leaf checkpointed at index {origin}",
                )
            )
        elif signed in elsewhere:
            findings.append(
                Finding(
                    FindingKind.INSERTED,
                    index,
                    record_id,
                    detail="a leaf no checkpoint covers; the signed one sits at another index",
                )
            )
        else:
            findings.append(
                Finding(
                    FindingKind.ALTERED,
                    index,
                    record_id,
                    detail="leaf hash differs from the checkpointed one",
                )
            )
        if origin is not None and signed not in elsewhere:
            findings.append(
                Finding(FindingKind.DELETED, index, detail="the leaf checkpointed here is gone")
            )
    for start, end in missing:
        if end > covered:
            # One finding a range: a forged index far out must not make the check endless.
            first = max(start, covered)
            findings.append(
                Finding(FindingKind.GAP, first, detail=f"no records at {end - first} indexes")
            )
        for index in range(start, min(end, covered)):
            signed = exported_leaves.get(index)
            if signed is None or signed not in elsewhere:
                findings.append(
                    Finding(FindingKind.DELETED, index, detail="no record at this index")
                )
    for index in range(max(sealed_size, 0), covered):
        signed = exported_leaves.get(index)
        if signed is None or signed not in elsewhere:
            findings.append(
                Finding(
                    FindingKind.TRUNCATED, index, detail="the tail the checkpoints cover is gone"
                )
            )

    # -- signed roots, rebuilt from the exported leaves -----------------------------------
    rebuilt = CompactRange()
    for exported in checkpoints:
        size = exported.checkpoint.tree_size
        complete = True
        while rebuilt.size < size:
            index = rebuilt.size
            leaf_or_none = exported_leaves.get(index)
            if leaf_or_none is None:
                leaf_or_none = fill.get(index)
            if leaf_or_none is None:
                complete = False
                break
            rebuilt.append(leaf_or_none)
        if not complete:
            findings.append(
                Finding(
                    FindingKind.CHECKPOINT_MISMATCH,
                    tree_size=size,
                    detail="leaves missing from both the store and the database",
                )
            )
            break
        if rebuilt.root() != exported.checkpoint.root:
            findings.append(
                Finding(
                    FindingKind.CHECKPOINT_MISMATCH,
                    tree_size=size,
                    detail="the leaves before it do not give its signed root",
                )
            )

    # -- the sequencer's own state --------------------------------------------------------
    state, _ = load_state(uow)
    state_size = 0 if state is None else state.tree_size
    if state_size != sealed_size:
        findings.append(
            Finding(
                FindingKind.STATE_MISMATCH,
                tree_size=state_size,
                detail=f"the sequencer sealed {state_size} leaves, the table holds {sealed_size}",
            )
        )
    elif state is not None and not tree_broken and database_tree.root() != bytes(state.root):
        findings.append(
            Finding(
                FindingKind.STATE_MISMATCH,
                tree_size=state_size,
                detail="the sealed leaves do not give the sequencer's root",
            )
        )

    # -- committed but not yet sealed -----------------------------------------------------
    pending = 0
    result = uow.session.execute(
        select(*columns).where(table.c.leaf_index.is_(None)).execution_options(yield_per=batch_size)
    )
    for row in result:
        pending += 1
        if row.payload is not None:
            payloads += 1
        problem = _payload_finding(row)
        if problem is not None:
            findings.append(problem)
    result.close()
    uow.rollback()

    return VerificationReport(
        findings=tuple(findings),
        records_checked=records + pending,
        payloads_checked=payloads,
        pending=pending,
        tree_size=sealed_size,
        checkpoints_checked=len(checkpoints),
        covered_size=covered,
    )
