"""Retention: old records lose their payload and every column that points at a person,
and keep their leaf hash, so the tree, the checkpoints and every proof stay valid.

Kept after expiry: id, leaf index, leaf hash, instant, tag, outcome, channel, categories
and the insurer's public number (volumes per insurer and per kind of access, no one in
them). Cleared: the payload, actor account, RPPS, structure, client, target pseudonym,
request id, address and user-agent hashes. Only sealed records expire: an unsealed one
still has to be placed in the tree by its leaf hash, which stays anyway, but sealing
first keeps "expired" meaning "proven and then forgotten".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from rempart.audit.domain import months_before
from rempart.audit.models import AuditRecordRow
from rempart.db.uow import UnitOfWork

BATCH = 10_000


def retention_cutoff(now: datetime, months: int) -> datetime:
    return months_before(now, months)


def expire(*, uow: UnitOfWork, older_than: datetime, batch_size: int = BATCH) -> int:
    """Expire sealed records whose instant is before `older_than`, in batches (each
    committed); returns how many were expired."""
    expired = 0
    with uow:
        return _expire(uow, older_than, batch_size, expired)


def _expire(uow: UnitOfWork, older_than: datetime, batch_size: int, expired: int) -> int:
    while True:
        ids = list(
            uow.session.scalars(
                select(AuditRecordRow.id)
                .where(
                    AuditRecordRow.at < older_than,
                    AuditRecordRow.payload_expired_at.is_(None),
                    AuditRecordRow.leaf_index.is_not(None),
                )
                .limit(batch_size)
            )
        )
        if not ids:
            uow.rollback()
            return expired
        uow.session.execute(
            update(AuditRecordRow)
            .where(AuditRecordRow.id.in_(ids))
            .values(
                payload=None,
                actor_account_id=None,
                actor_rpps=None,
                structure_finess=None,
                client_id=None,
                target_pseudonym=None,
                request_id=None,
                address_hash=None,
                user_agent_hash=None,
                purpose=None,
                payload_expired_at=uow.clock.now(),
            )
        )
        uow.commit()
        expired += len(ids)
