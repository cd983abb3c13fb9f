"""Building a small audit log and tampering with it the way someone with database
access would."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from rempart.audit.checkpoints import InMemoryCheckpointStore, issue_checkpoint
from rempart.audit.domain import AuditEvent, AuditTag, Category, Outcome
from rempart.audit.models import AuditRecordRow
from rempart.audit.recorder import BENEFICIARY, hash_address, pseudonymise_target, record
from rempart.audit.sequencer import seal
from rempart.bootstrap import Platform
from rempart.identity.permissions import Channel
from tests.conftest import NOW

ACCOUNT = uuid.UUID("0196b5f0-0000-7000-8000-000000000001")


def event_for(platform: Platform, number: int) -> AuditEvent:
    vault = platform.vault
    return AuditEvent(
        at=NOW + timedelta(seconds=number),
        tag=AuditTag.RIGHTS_CHECK_ANSWERED,
        outcome=Outcome.ALLOWED,
        channel=Channel.API,
        actor_account_id=ACCOUNT,
        actor_rpps="10000000006",
        structure_finess="750000001",
        client_id=None,
        target_pseudonym=pseudonymise_target(vault, BENEFICIARY, f"beneficiary-{number}"),
        target_amc="123456789",
        categories=frozenset({Category.RIGHTS, Category.GUARANTEES}),
        request_id=f"req-{number}",
        address_hash=hash_address(vault, "192.0.2.10"),
        user_agent_hash=None,
    )


def append(platform: Platform, count: int, *, start: int = 0) -> list[uuid.UUID]:
    ids = []
    with platform.uow() as uow:
        for number in range(start, start + count):
            ids.append(record(uow, event_for(platform, number)))
        uow.commit()
    return ids


def build_log(platform: Platform) -> InMemoryCheckpointStore:
    """Checkpoints at 5, 9 and 12; two more sealed leaves (12, 13) not yet checkpointed."""
    store = InMemoryCheckpointStore()
    start = 0
    for count in (5, 4, 3):
        append(platform, count, start=start)
        start += count
        issue_checkpoint(uow=platform.uow(), store=store)
    append(platform, 2, start=start)
    seal(uow=platform.uow())
    return store


def row_at(uow, index: int) -> AuditRecordRow:  # type: ignore[no-untyped-def]
    row = uow.session.scalar(select(AuditRecordRow).where(AuditRecordRow.leaf_index == index))
    assert row is not None
    return row
