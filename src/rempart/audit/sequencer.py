"""Sequencing: one consistent log from many appenders.

Appenders only insert rows without a leaf index, each in its own transaction, so they
never contend with one another or with the sequencer. `seal` runs under a cross-process
lock (one sequencer at a time, whatever host starts it) and gives the committed
unsequenced rows the next consecutive indexes, in id order, batch by batch.

Why this is correct with interleaved commits (PostgreSQL): the sequencer sees only rows
committed when its statement starts. A row with a smaller id that commits after a batch
was sealed is not lost or misplaced: it is simply still unsequenced and takes the next
index in a later run. The leaf order is therefore "order of sealing", not "order of
ids", and that is all the log promises: once a leaf has an index, the index never
changes, and every committed row gets exactly one (the unique index on `leaf_index` is
the backstop against a second sequencer that somehow bypassed the lock).

The tree state (a compact range: one hash per set bit of the size) is stored with the
indexes in the same transaction, so sealing costs O(batch) and never rereads old leaves.
"""

from __future__ import annotations

from sqlalchemy import select

from rempart.audit.models import AuditRecordRow, AuditTreeRow
from rempart.audit.tree import CompactRange
from rempart.db.base import table_of
from rempart.db.bulk import update_many
from rempart.db.uow import UnitOfWork

SEQUENCER_LOCK = "audit-sequencer"
STATE_ID = 1
DEFAULT_BATCH = 5000


def load_state(
    uow: UnitOfWork, *, for_update: bool = False
) -> tuple[AuditTreeRow | None, CompactRange]:
    query = select(AuditTreeRow).where(AuditTreeRow.id == STATE_ID)
    if for_update:
        query = query.with_for_update()
    row = uow.session.scalar(query)
    if row is None:
        return None, CompactRange()
    return row, CompactRange.from_bytes(row.tree_size, row.compact_range)


def seal(*, uow: UnitOfWork, batch_size: int = DEFAULT_BATCH) -> int:
    """Sequence every committed unsequenced record; returns how many were sealed."""
    with uow.exclusive(SEQUENCER_LOCK, what="audit log sealing"), uow:
        return seal_locked(uow=uow, batch_size=batch_size)


def seal_locked(*, uow: UnitOfWork, batch_size: int = DEFAULT_BATCH) -> int:
    """`seal` for a caller that holds the sequencer lock and has entered the unit of work."""
    table = table_of(AuditRecordRow)
    sealed = 0
    while True:
        row, tree = load_state(uow, for_update=True)
        pending = uow.session.execute(
            select(table.c.id, table.c.leaf_hash)
            .where(table.c.leaf_index.is_(None))
            .order_by(table.c.id)
            .limit(batch_size)
        ).all()
        if not pending:
            uow.rollback()
            return sealed
        first = tree.size
        updates = []
        for offset, (record_id, leaf) in enumerate(pending):
            tree.append(leaf)
            updates.append({"id": record_id, "leaf_index": first + offset})
        update_many(uow.session.connection(), table, updates, id_key="id")
        now = uow.clock.now()
        if row is None:
            uow.session.add(
                AuditTreeRow(
                    id=STATE_ID,
                    tree_size=tree.size,
                    compact_range=tree.to_bytes(),
                    root=tree.root(),
                    sealed_at=now,
                )
            )
        else:
            row.tree_size = tree.size
            row.compact_range = tree.to_bytes()
            row.root = tree.root()
            row.sealed_at = now
        uow.commit()
        sealed += len(pending)
        if len(pending) < batch_size:
            return sealed
