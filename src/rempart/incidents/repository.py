"""Persistence of the register: incidents, their insurers and the append-only decision
log (ORM rows <-> the domain's values).

The log is written through `append` only. Updating or deleting one of its rows is refused
by the ORM here (a flush that would do it raises), by a guard on statements executed
through any session, and by database triggers (see the migration)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Mapper, ORMExecuteState, Session

from rempart.db.base import table_of
from rempart.db.uow import UnitOfWork
from rempart.identity.permissions import Actor
from rempart.incidents.domain import Controller, Entry, Status
from rempart.incidents.models import IncidentControllerRow, IncidentLogRow, IncidentRow
from rempart.kernel.errors import NotFound
from rempart.kernel.ids import new_id

_LOG_TABLE = table_of(IncidentLogRow)


class AppendOnly(RuntimeError):
    """An attempt to change or remove a decision log entry (a programming error)."""


@event.listens_for(IncidentLogRow, "before_update")
def _refuse_update(_mapper: Mapper[Any], _connection: Any, _target: IncidentLogRow) -> None:
    raise AppendOnly("decision log entries are never changed")


@event.listens_for(IncidentLogRow, "before_delete")
def _refuse_delete(_mapper: Mapper[Any], _connection: Any, _target: IncidentLogRow) -> None:
    raise AppendOnly("decision log entries are never removed")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk(state: ORMExecuteState) -> None:
    table = getattr(state.statement, "table", None) if state.is_update or state.is_delete else None
    if getattr(table, "name", None) == _LOG_TABLE.name:
        raise AppendOnly("decision log entries are never changed or removed")


@dataclass(frozen=True, slots=True)
class LogEntry:
    seq: int
    at: datetime
    actor_account_id: uuid.UUID | None
    actor_role: str | None
    kind: Entry
    summary: str
    details: dict[str, Any]


def incident_row(uow: UnitOfWork, incident_id: uuid.UUID, *, lock: bool = False) -> IncidentRow:
    """The incident, locked until commit with `lock` (every change to an incident takes
    the lock first: log numbers and the timeline stay in order)."""
    query = select(IncidentRow).where(IncidentRow.id == incident_id)
    row = uow.session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise NotFound("no such incident")
    return row


def append(
    uow: UnitOfWork,
    incident: IncidentRow,
    *,
    actor: Actor | None,
    kind: Entry,
    summary: str,
    details: dict[str, Any] | None = None,
) -> int:
    """One more entry, numbered after the last (the caller holds the incident's lock and
    commits). Returns its number."""
    seq = incident.next_seq
    incident.next_seq = seq + 1
    uow.session.add(
        IncidentLogRow(
            id=new_id(),
            incident_id=incident.id,
            seq=seq,
            at=uow.clock.now(),
            actor_account_id=None if actor is None else actor.account_id,
            actor_role=None if actor is None else actor.role.value,
            kind=kind.value,
            summary=summary,
            details=json.dumps(details or {}, sort_keys=True, default=str),
        )
    )
    return seq


def log_of(uow: UnitOfWork, incident_id: uuid.UUID) -> list[LogEntry]:
    rows = uow.session.scalars(
        select(IncidentLogRow)
        .where(IncidentLogRow.incident_id == incident_id)
        .order_by(IncidentLogRow.seq)
    )
    return [
        LogEntry(
            seq=r.seq,
            at=r.at,
            actor_account_id=r.actor_account_id,
            actor_role=r.actor_role,
            kind=Entry(r.kind),
            summary=r.summary,
            details=json.loads(r.details),
        )
        for r in rows
    ]


def controller_rows(
    uow: UnitOfWork, incident_id: uuid.UUID, *, lock: bool = False
) -> list[IncidentControllerRow]:
    query = (
        select(IncidentControllerRow)
        .where(IncidentControllerRow.incident_id == incident_id)
        .order_by(IncidentControllerRow.amc)
    )
    return list(uow.session.scalars(query.with_for_update() if lock else query))


def controller_of(row: IncidentControllerRow) -> Controller:
    return Controller(
        amc=row.amc,
        in_scope=row.in_scope,
        informed_at=row.informed_at,
        authority_notified_at=row.authority_notified_at,
        people_notified_at=row.people_notified_at,
    )


def status_of(row: IncidentRow) -> Status:
    return Status(row.status)
