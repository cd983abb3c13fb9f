"""Each way of tampering with the log is detected and located; the exported checkpoints
stay the trusted side, whatever happens to the database.

The log: checkpoints at sizes 5, 9 and 12, and two sealed leaves (12, 13) after them.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, select, update

from rempart.audit import merkle
from rempart.audit.checkpoints import InMemoryCheckpointStore, raw_public_key
from rempart.audit.domain import (
    FindingKind,
    VerificationReport,
    checkpoint_message,
    decode,
    encode,
)
from rempart.audit.models import AuditCheckpointRow, AuditRecordRow
from rempart.audit.recorder import BENEFICIARY
from rempart.audit.sequencer import load_state
from rempart.audit.tree import CompactRange
from rempart.audit.verification import ALERT_KIND, NullAlertSink, verify
from rempart.bootstrap import Platform
from rempart.db.uow import UnitOfWork
from rempart.kernel.ids import new_id
from tests.audit.support import build_log, event_for, row_at


def located(report: VerificationReport) -> set[tuple[str, int | None]]:
    return {(f.kind.value, f.leaf_index) for f in report.findings}


def shift(uow: UnitOfWork, indexes: range, by: int) -> None:
    """Renumber one row at a time, in an order the unique index tolerates."""
    for index in indexes:
        uow.session.execute(
            update(AuditRecordRow)
            .where(AuditRecordRow.leaf_index == index)
            .values(leaf_index=index + by)
        )


def rebuild_state(uow: UnitOfWork) -> None:
    """What an attacker who understands the sequencer would do to cover their tracks."""
    leaves = list(
        uow.session.scalars(
            select(AuditRecordRow.leaf_hash)
            .where(AuditRecordRow.leaf_index.is_not(None))
            .order_by(AuditRecordRow.leaf_index)
        )
    )
    tree = CompactRange()
    tree.extend(leaves)
    state, _ = load_state(uow)
    assert state is not None
    state.tree_size, state.compact_range, state.root = tree.size, tree.to_bytes(), tree.root()


def tamper(platform: Platform, change: Callable[[UnitOfWork], None]) -> None:
    with platform.uow() as uow:
        change(uow)
        uow.session.commit()


@pytest.fixture
def log(platform: Platform) -> InMemoryCheckpointStore:
    store = build_log(platform)
    assert verify(uow=platform.uow(), store=store).ok
    return store


def test_an_edited_payload_is_located(platform: Platform, log: InMemoryCheckpointStore) -> None:
    def edit(uow: UnitOfWork) -> None:
        row = row_at(uow, 3)
        assert row.payload is not None
        row.payload = row.payload.replace(b'"outcome":"allowed"', b'"outcome":"refused"')

    tamper(platform, edit)
    alerts = NullAlertSink()
    report = verify(uow=platform.uow(), store=log, alerts=alerts)
    assert located(report) == {("altered", 3)}
    assert [kind for kind, _, _ in alerts.raised] == [ALERT_KIND]


def test_an_edited_column_is_located(platform: Platform, log: InMemoryCheckpointStore) -> None:
    def edit(uow: UnitOfWork) -> None:
        row_at(uow, 2).structure_finess = "750000019"

    tamper(platform, edit)
    report = verify(uow=platform.uow(), store=log)
    assert located(report) == {("altered", 2)}
    assert "columns" in report.findings[0].detail


def test_an_edited_leaf_hash_is_located(platform: Platform, log: InMemoryCheckpointStore) -> None:
    def edit(uow: UnitOfWork) -> None:
        row_at(uow, 6).leaf_hash = merkle.leaf_hash(b"forged")

    tamper(platform, edit)
    report = verify(uow=platform.uow(), store=log)
    # The payload check and the checkpoint comparison both see it; the sequencer's root too.
    assert located(report) == {("altered", 6), ("state_mismatch", None)}
    assert report.counts()["altered"] == 2


def test_a_deleted_record_is_located(platform: Platform, log: InMemoryCheckpointStore) -> None:
    tamper(platform, lambda uow: uow.session.delete(row_at(uow, 4)))
    assert located(verify(uow=platform.uow(), store=log)) == {("deleted", 4)}


def test_a_deletion_hidden_by_renumbering_is_located(
    platform: Platform, log: InMemoryCheckpointStore
) -> None:
    def hide(uow: UnitOfWork) -> None:
        uow.session.delete(row_at(uow, 4))
        uow.session.flush()
        shift(uow, range(5, 14), -1)
        rebuild_state(uow)

    tamper(platform, hide)
    report = verify(uow=platform.uow(), store=log)
    assert ("deleted", 4) in located(report)
    moved = {f.leaf_index for f in report.of_kind(FindingKind.REORDERED)}
    assert moved == set(range(4, 11))  # leaves 5..11 now sit one index early
    assert not report.of_kind(FindingKind.TRUNCATED)


def test_an_inserted_record_is_located(platform: Platform, log: InMemoryCheckpointStore) -> None:
    forged_id = new_id()

    def insert(uow: UnitOfWork) -> None:
        shift(uow, range(13, 6, -1), +1)
        event = event_for(platform, 99)
        payload = encode(forged_id, event)
        template = row_at(uow, 0)
        uow.session.add(
            AuditRecordRow(
                id=forged_id,
                leaf_index=7,
                at=event.at,
                tag=template.tag,
                outcome=template.outcome,
                channel=template.channel,
                actor_account_id=event.actor_account_id,
                actor_rpps=event.actor_rpps,
                structure_finess=event.structure_finess,
                client_id=None,
                target_pseudonym=event.target_pseudonym,
                target_amc=event.target_amc,
                categories=template.categories,
                request_id=event.request_id,
                address_hash=event.address_hash,
                user_agent_hash=None,
                payload=payload,
                leaf_hash=merkle.leaf_hash(payload),
                recorded_at=event.at,
                payload_expired_at=None,
            )
        )
        uow.session.flush()
        rebuild_state(uow)

    tamper(platform, insert)
    report = verify(uow=platform.uow(), store=log)
    [inserted] = report.of_kind(FindingKind.INSERTED)
    assert (inserted.leaf_index, inserted.record_id) == (7, forged_id)
    assert not report.of_kind(FindingKind.DELETED)
    assert {f.leaf_index for f in report.of_kind(FindingKind.REORDERED)} == set(range(8, 12))


def test_swapped_records_are_located(platform: Platform, log: InMemoryCheckpointStore) -> None:
    def swap(uow: UnitOfWork) -> None:
        first, second = row_at(uow, 2), row_at(uow, 8)
        first_id, second_id = first.id, second.id
        for record_id, index in ((first_id, -1), (second_id, 2), (first_id, 8)):
            uow.session.execute(
                update(AuditRecordRow)
                .where(AuditRecordRow.id == record_id)
                .values(leaf_index=index)
            )
        rebuild_state(uow)

    tamper(platform, swap)
    report = verify(uow=platform.uow(), store=log)
    assert located(report) == {("reordered", 2), ("reordered", 8)}


def test_a_truncated_tail_is_located(platform: Platform, log: InMemoryCheckpointStore) -> None:
    def truncate(uow: UnitOfWork) -> None:
        uow.session.execute(delete(AuditRecordRow).where(AuditRecordRow.leaf_index >= 10))
        rebuild_state(uow)

    tamper(platform, truncate)
    report = verify(uow=platform.uow(), store=log)
    assert located(report) == {("truncated", 10), ("truncated", 11)}


def test_a_consistent_rewrite_of_the_whole_database_is_located(
    platform: Platform, log: InMemoryCheckpointStore
) -> None:
    """Payload, leaf hash, tree state and checkpoint rows all rewritten to agree: only the
    exported checkpoints still know what was signed."""

    def rewrite(uow: UnitOfWork) -> None:
        row = row_at(uow, 5)
        assert row.payload is not None
        _, event = decode(row.payload)
        changed = replace(event, target_pseudonym=uow.vault.pseudonym(BENEFICIARY, "elsewhere"))
        row.target_pseudonym = changed.target_pseudonym
        row.payload = encode(row.id, changed)
        row.leaf_hash = merkle.leaf_hash(row.payload)
        uow.session.flush()
        rebuild_state(uow)
        uow.session.execute(delete(AuditCheckpointRow))

    tamper(platform, rewrite)
    report = verify(uow=platform.uow(), store=log)
    assert located(report) == {("altered", 5)}
    assert "checkpointed" in report.findings[0].detail


def _document(store: InMemoryCheckpointStore, size: int) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(store.files[size])
    return loaded


def test_a_checkpoint_with_a_bad_signature_is_named(
    platform: Platform, log: InMemoryCheckpointStore
) -> None:
    document = _document(log, 9)
    document["root"] = "00" * 32
    log.files[9] = json.dumps(document).encode()
    report = verify(uow=platform.uow(), store=log)
    assert {(f.kind, f.tree_size) for f in report.findings} == {(FindingKind.CHECKPOINT_FORGED, 9)}


def test_a_checkpoint_signed_by_another_key_is_named(
    platform: Platform, log: InMemoryCheckpointStore
) -> None:
    document = _document(log, 12)
    key = Ed25519PrivateKey.generate()
    public = raw_public_key(key.public_key())
    from datetime import datetime

    from rempart.audit.checkpoints import key_id_of

    issued = datetime.strptime(str(document["issued_at"]), "%Y-%m-%dT%H:%M:%S.%fZ")
    from datetime import UTC

    message = checkpoint_message(
        tree_size=12,
        root=bytes.fromhex(str(document["root"])),
        issued_at=issued.replace(tzinfo=UTC),
        key_id=key_id_of(public),
    )
    document.update(
        key_id=key_id_of(public),
        public_key=base64.b64encode(public).decode(),
        signature=base64.b64encode(key.sign(message)).decode(),
    )
    log.files[12] = json.dumps(document).encode()
    report = verify(uow=platform.uow(), store=log)
    assert {(f.kind, f.tree_size) for f in report.findings} == {(FindingKind.CHECKPOINT_FORGED, 12)}


def test_a_checkpoint_removed_from_the_store_is_named(
    platform: Platform, log: InMemoryCheckpointStore
) -> None:
    del log.files[9]
    report = verify(uow=platform.uow(), store=log)
    assert {(f.kind, f.tree_size) for f in report.findings} == {(FindingKind.CHECKPOINT_MISSING, 9)}


def test_corrupted_exported_leaves_are_named(
    platform: Platform, log: InMemoryCheckpointStore
) -> None:
    document = _document(log, 5)
    document["leaves"] = base64.b64encode(bytes(32 * 5)).decode()
    log.files[5] = json.dumps(document).encode()
    report = verify(uow=platform.uow(), store=log)
    assert (FindingKind.CHECKPOINT_MISMATCH, 5) in {(f.kind, f.tree_size) for f in report.findings}


def test_findings_carry_no_identifier(platform: Platform, log: InMemoryCheckpointStore) -> None:
    tamper(platform, lambda uow: uow.session.delete(row_at(uow, 1)))
    report = verify(uow=platform.uow(), store=log)
    text = " ".join(f.describe() for f in report.findings)
    assert "beneficiary" not in text
    assert "10000000006" not in text
    assert all(f.record_id is None or isinstance(f.record_id, uuid.UUID) for f in report.findings)


def test_a_far_forged_index_is_one_gap(platform: Platform, log: InMemoryCheckpointStore) -> None:
    tamper(
        platform,
        lambda uow: uow.session.execute(
            update(AuditRecordRow).where(AuditRecordRow.leaf_index == 13).values(leaf_index=10**12)
        ),
    )
    report = verify(uow=platform.uow(), store=log)
    assert located(report) == {("gap", 13), ("state_mismatch", None)}
