"""Security events: every change to an account, shown to its owner in their history and
recorded in the tamper-evident audit log, both in the caller's unit of work."""

from __future__ import annotations

import uuid

from rempart.audit.trail import ACCOUNT, record_action
from rempart.db.uow import UnitOfWork
from rempart.identity.domain import SecurityTag
from rempart.identity.models import SecurityEventRow
from rempart.identity.permissions import Actor
from rempart.kernel.ids import new_id


def record_event(
    uow: UnitOfWork,
    account_id: uuid.UUID,
    actor_id: uuid.UUID | None,
    tag: SecurityTag,
    *,
    actor: Actor | None = None,
    structure: str | None = None,
) -> None:
    """Added to the caller's unit of work: the event commits with the change or not at all.
    With `actor` (whose account is `actor_id`), its audit record also carries how they
    acted (channel, RPPS) and, with `structure`, the structure the event concerns."""
    uow.session.add(
        SecurityEventRow(
            id=new_id(), account_id=account_id, actor_id=actor_id, tag=tag, at=uow.clock.now()
        )
    )
    record_action(
        uow,
        tag=tag,
        actor=actor,
        actor_account_id=actor_id,
        structure=structure,
        target_pseudonym=uow.vault.pseudonym(ACCOUNT, str(account_id)),
    )
