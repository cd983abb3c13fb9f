"""Use cases of the outbox: enqueue in the caller's unit of work, deliver afterwards.

Delivery is at least once: a message whose adapter succeeded but whose row could not be
marked is sent again, so every message carries its id for the receiver to deduplicate."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from rempart.db.uow import UnitOfWork
from rempart.kernel.errors import InvalidInput
from rempart.kernel.ids import new_id
from rempart.outbox.models import OutboxMessageRow
from rempart.outbox.port import DeliveryFailed, OutboundMessage, Sender

MAX_ATTEMPTS = 20


def enqueue(
    uow: UnitOfWork, *, topic: str, recipient_kind: str, recipient_ref: str, subject: str, body: str
) -> None:
    """Adds a message to the caller's transaction (the caller commits). Bodies name
    structures and insurers at most, never an insured person or an account number."""
    if not subject.strip() or not body.strip():
        raise InvalidInput("an outbox message needs a subject and a body")
    uow.session.add(
        OutboxMessageRow(
            id=new_id(),
            topic=topic,
            recipient_kind=recipient_kind,
            recipient_ref=recipient_ref,
            subject=subject,
            body=body,
            created_at=uow.clock.now(),
            delivered_at=None,
            attempts=0,
        )
    )


@dataclass(frozen=True)
class DeliveryReport:
    delivered: int
    failed: int


def deliver_pending(*, uow: UnitOfWork, sender: Sender, limit: int = 500) -> DeliveryReport:
    """Hands pending messages to the sender, oldest first; each outcome is committed on
    its own so one bad message neither blocks nor resends the others."""
    with uow:
        pending = list(
            uow.session.scalars(
                select(OutboxMessageRow.id)
                .where(
                    OutboxMessageRow.delivered_at.is_(None),
                    OutboxMessageRow.attempts < MAX_ATTEMPTS,
                )
                .order_by(OutboxMessageRow.created_at)
                .limit(limit)
            )
        )
    delivered = failed = 0
    for message_id in pending:
        with uow:
            row = uow.session.get(OutboxMessageRow, message_id, with_for_update=True)
            if row is None or row.delivered_at is not None:
                continue  # another relay took it
            row.attempts += 1
            try:
                sender.send(_outbound(row))
            except DeliveryFailed as error:
                row.last_error = str(error)[:300]
                failed += 1
            else:
                row.delivered_at = uow.clock.now()
                row.last_error = None
                delivered += 1
            uow.commit()
    return DeliveryReport(delivered, failed)


def pending_count(*, uow: UnitOfWork) -> int:
    with uow:
        return (
            uow.session.scalar(select(func.count()).where(OutboxMessageRow.delivered_at.is_(None)))
            or 0
        )


def _outbound(row: OutboxMessageRow) -> OutboundMessage:
    return OutboundMessage(
        id=str(row.id),
        topic=row.topic,
        recipient_kind=row.recipient_kind,
        recipient_ref=row.recipient_ref,
        subject=row.subject,
        body=row.body,
        created_at=row.created_at,
    )
