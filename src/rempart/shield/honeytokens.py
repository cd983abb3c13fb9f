"""Honeytokens: beneficiaries planted in the registry (an insurer's rights file brings
them like any member) and flagged here. Nobody holds their cards, so a lookup that finds
one was made from a copy of the data: the shield suspends at once and alerts."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from rempart.audit.trail import record_action
from rempart.db.uow import UnitOfWork
from rempart.kernel.errors import Conflict, NotFound
from rempart.registry.service import beneficiary_exists
from rempart.shield.models import HoneytokenRow
from rempart.shield.tags import ShieldTag


def plant_honeytoken(*, uow: UnitOfWork, beneficiary_id: uuid.UUID) -> None:
    """Flag an existing beneficiary record as a honeytoken (operators, on the host)."""
    with uow:
        if not beneficiary_exists(session=uow.session, beneficiary_id=beneficiary_id):
            raise NotFound("no beneficiary has this id")
        if uow.session.get(HoneytokenRow, beneficiary_id) is not None:
            raise Conflict("this beneficiary is already a honeytoken")
        uow.session.add(HoneytokenRow(beneficiary_id=beneficiary_id, planted_at=uow.clock.now()))
        record_action(uow, tag=ShieldTag.HONEYTOKEN_PLANTED)
        uow.commit()


def honeytoken_count(*, uow: UnitOfWork) -> int:
    with uow:
        return len(uow.session.scalars(select(HoneytokenRow.beneficiary_id)).all())
