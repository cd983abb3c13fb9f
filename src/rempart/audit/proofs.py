"""Inclusion and consistency proofs over the sealed log (RFC 9162 section 2.1).

Proofs read the leaf hashes of the tree they are about (32 bytes a leaf, in index
order) and leave the arithmetic to `merkle`; they work the same after retention, since
leaf hashes are never removed.
"""

from __future__ import annotations

from sqlalchemy import select

from rempart.audit import merkle
from rempart.audit.models import AuditRecordRow
from rempart.audit.sequencer import load_state
from rempart.db.uow import UnitOfWork
from rempart.kernel.errors import InvalidInput


def _leaves(uow: UnitOfWork, tree_size: int) -> list[bytes]:
    _, tree = load_state(uow)
    if not 0 < tree_size <= tree.size:
        raise InvalidInput(f"the sealed log has {tree.size} leaves: choose a size from 1 to it")
    rows = uow.session.execute(
        select(AuditRecordRow.leaf_index, AuditRecordRow.leaf_hash)
        .where(AuditRecordRow.leaf_index < tree_size)
        .order_by(AuditRecordRow.leaf_index)
    ).all()
    if [index for index, _ in rows] != list(range(tree_size)):
        raise InvalidInput("the sealed log has gaps: run 'rempart audit verify'")
    return [bytes(leaf) for _, leaf in rows]


def root_at(*, uow: UnitOfWork, tree_size: int) -> bytes:
    with uow:
        return merkle.root(_leaves(uow, tree_size))


def inclusion_proof(*, uow: UnitOfWork, leaf_index: int, tree_size: int) -> list[bytes]:
    if not 0 <= leaf_index < tree_size:
        raise InvalidInput("the leaf index lies outside the tree")
    with uow:
        return merkle.inclusion_proof(leaf_index, _leaves(uow, tree_size))


def consistency_proof(*, uow: UnitOfWork, old_size: int, new_size: int) -> list[bytes]:
    if not 0 < old_size <= new_size:
        raise InvalidInput("the old size must be between 1 and the new size")
    with uow:
        return merkle.consistency_proof(old_size, _leaves(uow, new_size))


def leaf_hash_of(*, uow: UnitOfWork, leaf_index: int) -> bytes:
    with uow:
        leaf = uow.session.scalar(
            select(AuditRecordRow.leaf_hash).where(AuditRecordRow.leaf_index == leaf_index)
        )
    if leaf is None:
        raise InvalidInput("no sealed record at that leaf index")
    return bytes(leaf)
