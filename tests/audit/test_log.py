"""Recording, sealing, checkpoints, proofs and retention on both backends."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from rempart.audit import merkle
from rempart.audit.checkpoints import (
    ExportedCheckpoint,
    InMemoryCheckpointStore,
    LocalDirectoryCheckpointStore,
    issue_checkpoint,
    signature_valid,
    trusted_keys,
)
from rempart.audit.domain import decode
from rempart.audit.models import AuditCheckpointRow, AuditRecordRow
from rempart.audit.proofs import consistency_proof, inclusion_proof, leaf_hash_of, root_at
from rempart.audit.recorder import record
from rempart.audit.retention import expire
from rempart.audit.sequencer import seal
from rempart.audit.verification import NullAlertSink, verify
from rempart.bootstrap import Platform
from rempart.kernel.clock import FixedClock
from tests.audit.support import append, build_log, event_for
from tests.conftest import NOW


def indexes(platform: Platform) -> list[int | None]:
    with platform.uow() as uow:
        return list(
            uow.session.scalars(select(AuditRecordRow.leaf_index).order_by(AuditRecordRow.id))
        )


def test_a_record_in_a_unit_of_work_that_rolls_back_leaves_nothing(platform: Platform) -> None:
    with platform.uow() as uow:
        record(uow, event_for(platform, 1))
        uow.session.flush()
    # left without a commit
    with platform.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(AuditRecordRow)) == 0


def test_a_record_commits_with_the_action_and_keeps_no_identifier(platform: Platform) -> None:
    [record_id] = append(platform, 1, start=7)
    with platform.uow() as uow:
        row = uow.session.get(AuditRecordRow, record_id)
        assert row is not None
        assert row.payload is not None
        assert row.leaf_index is None  # the sequencer places it
        assert row.leaf_hash == merkle.leaf_hash(row.payload)
        assert decode(row.payload)[0] == record_id
        assert b"beneficiary-7" not in row.payload
        assert b"192.0.2.10" not in row.payload


def test_sealing_gives_consecutive_indexes_once(platform: Platform) -> None:
    append(platform, 7)
    assert seal(uow=platform.uow(), batch_size=3) == 7
    append(platform, 4, start=7)
    assert seal(uow=platform.uow(), batch_size=3) == 4
    assert seal(uow=platform.uow()) == 0
    assert sorted(i for i in indexes(platform) if i is not None) == list(range(11))


def test_an_untouched_log_verifies_and_checkpoints_are_exported_signed(
    platform: Platform, tmp_path: Path
) -> None:
    store = LocalDirectoryCheckpointStore(tmp_path / "checkpoints")
    append(platform, 5)
    first = issue_checkpoint(uow=platform.uow(), store=store)
    assert issue_checkpoint(uow=platform.uow(), store=store) == first  # nothing new
    append(platform, 3, start=5)
    second = issue_checkpoint(uow=platform.uow(), store=store)
    assert (first.tree_size, second.tree_size) == (5, 8)

    files = sorted((tmp_path / "checkpoints").glob("checkpoint-*.json"))
    assert len(files) == 2
    assert all(f.stat().st_mode & 0o777 == 0o600 for f in files)
    # Verifiable from the file alone, with the published key and its id.
    exported = ExportedCheckpoint.from_document(files[1].read_bytes())
    assert signature_valid(exported, {exported.checkpoint.key_id: exported.public_key})
    assert signature_valid(exported, trusted_keys(platform.vault))
    leaves = ExportedCheckpoint.from_document(files[0].read_bytes()).leaves + exported.leaves
    assert merkle.root([leaves[i : i + 32] for i in range(0, len(leaves), 32)]) == second.root

    alerts = NullAlertSink()
    report = verify(uow=platform.uow(), store=store, alerts=alerts)
    assert report.ok, report.findings
    assert (report.records_checked, report.checkpoints_checked, report.covered_size) == (8, 2, 8)
    assert alerts.raised == []


def test_an_empty_log_verifies(platform: Platform) -> None:
    store = InMemoryCheckpointStore()
    assert issue_checkpoint(uow=platform.uow(), store=store).root == merkle.EMPTY_ROOT
    assert verify(uow=platform.uow(), store=store).ok


def test_proofs_verify_against_signed_roots(platform: Platform) -> None:
    store = InMemoryCheckpointStore()
    append(platform, 6)
    old = issue_checkpoint(uow=platform.uow(), store=store)
    append(platform, 7, start=6)
    new = issue_checkpoint(uow=platform.uow(), store=store)
    uow = platform.uow
    for index in (0, 5, 12):
        proof = inclusion_proof(uow=uow(), leaf_index=index, tree_size=new.tree_size)
        assert merkle.verify_inclusion(
            leaf=leaf_hash_of(uow=uow(), leaf_index=index),
            index=index,
            tree_size=new.tree_size,
            proof=proof,
            expected_root=new.root,
        )
    proof = consistency_proof(uow=uow(), old_size=old.tree_size, new_size=new.tree_size)
    assert merkle.verify_consistency(
        old_size=old.tree_size,
        new_size=new.tree_size,
        old_root=old.root,
        new_root=new.root,
        proof=proof,
    )
    assert root_at(uow=uow(), tree_size=old.tree_size) == old.root


def test_retention_clears_payloads_and_keeps_proofs_valid(
    platform: Platform, clock: FixedClock
) -> None:
    store = build_log(platform)
    clock.set(NOW + timedelta(days=400))
    with platform.uow() as uow:
        checkpoint = uow.session.scalar(
            select(AuditCheckpointRow).order_by(AuditCheckpointRow.tree_size.desc()).limit(1)
        )
        assert checkpoint is not None
        size, root = checkpoint.tree_size, checkpoint.root
    # Events 0..5 are older than the cutoff (one second apart from NOW).
    assert expire(uow=platform.uow(), older_than=NOW + timedelta(seconds=6), batch_size=4) == 6
    assert expire(uow=platform.uow(), older_than=NOW + timedelta(seconds=6)) == 0
    with platform.uow() as uow:
        rows = uow.session.scalars(
            select(AuditRecordRow).where(AuditRecordRow.payload_expired_at.is_not(None))
        ).all()
        assert len(rows) == 6
        for row in rows:
            assert row.payload is None
            assert row.target_pseudonym is None
            assert row.actor_account_id is None
            assert row.address_hash is None
            assert row.target_amc == "123456789"
            assert row.leaf_hash
    proof = inclusion_proof(uow=platform.uow(), leaf_index=2, tree_size=size)
    assert merkle.verify_inclusion(
        leaf=leaf_hash_of(uow=platform.uow(), leaf_index=2),
        index=2,
        tree_size=size,
        proof=proof,
        expected_root=root,
    )
    report = verify(uow=platform.uow(), store=store)
    assert report.ok, report.findings
    assert report.payloads_checked == report.records_checked - 6
