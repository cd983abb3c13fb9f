"""What the register shows of an incident: its timeline, deadlines, scoping figures,
insurers and decision log, assembled from the rows (counts and pseudonymous figures only;
never a person)."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from rempart.audit.domain import Category, Outcome
from rempart.db.uow import UnitOfWork
from rempart.identity.permissions import Actor, Permission, Target, authorize
from rempart.incidents.domain import (
    AmcFigures,
    Closure,
    ControllerDeadlines,
    Deadlines,
    Kind,
    Status,
    deadlines,
)
from rempart.incidents.models import IncidentControllerRow, IncidentRow, IncidentScopingRow
from rempart.incidents.repository import (
    LogEntry,
    controller_of,
    controller_rows,
    log_of,
    status_of,
)
from rempart.shield.port import Shield, admit


def figures_json(figures: list[AmcFigures]) -> str:
    def plain(f: AmcFigures) -> dict[str, Any]:
        data = asdict(f)
        for name in ("first_at", "last_at"):
            data[name] = None if data[name] is None else data[name].isoformat()
        return data

    return json.dumps([plain(f) for f in figures], sort_keys=True)


def figures_of(text: str) -> tuple[AmcFigures, ...]:
    def instant(value: str | None) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)

    return tuple(
        AmcFigures(
            amc=d["amc"],
            people=d["people"],
            records=d["records"],
            people_by_category={Category(k): v for k, v in d["people_by_category"].items()},
            records_by_category={Category(k): v for k, v in d["records_by_category"].items()},
            first_at=instant(d["first_at"]),
            last_at=instant(d["last_at"]),
            expired_records=d["expired_records"],
        )
        for d in json.loads(text)
    )


@dataclass(frozen=True, slots=True)
class ScopingView:
    id: uuid.UUID
    completed_at: datetime
    window_start: datetime
    window_end: datetime
    accounts: tuple[str, ...]
    structures: tuple[str, ...]
    clients: tuple[str, ...]
    addresses: int  # how many addresses were named (the register keeps only keyed hashes)
    outcomes: tuple[Outcome, ...]
    people: int
    records: int
    expired_records: int
    by_amc: tuple[AmcFigures, ...]

    @property
    def complete(self) -> bool:
        return self.expired_records == 0

    def amc(self, number: str) -> AmcFigures | None:
        return next((f for f in self.by_amc if f.amc == number), None)


def scoping_view(row: IncidentScopingRow) -> ScopingView:
    assert row.completed_at is not None
    selector = json.loads(row.selector)
    return ScopingView(
        id=row.id,
        completed_at=row.completed_at,
        window_start=row.window_start,
        window_end=row.window_end,
        accounts=tuple(selector["accounts"]),
        structures=tuple(selector["structures"]),
        clients=tuple(selector["clients"]),
        addresses=len(selector["address_hashes"]),
        outcomes=tuple(Outcome(o) for o in selector["outcomes"]),
        people=row.people,
        records=row.records,
        expired_records=row.expired_records,
        by_amc=figures_of(row.by_amc),
    )


@dataclass(frozen=True, slots=True)
class ControllerView:
    amc: str
    in_scope: bool
    informed_at: datetime | None
    authority_notified_at: datetime | None
    authority_reference: str | None
    people_notified_at: datetime | None
    notice_version: int
    notice_at: datetime | None
    letters_at: datetime | None
    deadlines: ControllerDeadlines | None  # for an insurer in scope


@dataclass(frozen=True, slots=True)
class IncidentView:
    id: uuid.UUID
    reference: str
    status: Status
    kinds: frozenset[Kind]
    description: str
    owner_account_id: uuid.UUID | None
    opened_by: uuid.UUID
    opened_at: datetime
    detected_at: datetime
    aware_at: datetime
    contained_at: datetime | None
    closed_at: datetime | None
    closure: Closure | None
    unintelligible: bool
    source_kind: str | None
    source_ref: str | None
    controller_target_hours: int
    deadlines: Deadlines
    scoping: ScopingView | None
    controllers: tuple[ControllerView, ...]
    log: tuple[LogEntry, ...]


def kinds_of_row(row: IncidentRow) -> frozenset[Kind]:
    return frozenset(Kind(k) for k in row.kinds.split())


def current_scoping(uow: UnitOfWork, row: IncidentRow) -> ScopingView | None:
    if row.scoping_id is None:
        return None
    scoping = uow.session.get(IncidentScopingRow, row.scoping_id)
    return None if scoping is None else scoping_view(scoping)


def deadlines_of(
    row: IncidentRow, controllers: list[IncidentControllerRow], now: datetime
) -> Deadlines:
    return deadlines(
        aware_at=row.aware_at,
        controller_target=timedelta(hours=row.controller_target_hours),
        status=status_of(row),
        scoped=row.scoping_id is not None,
        controllers=[controller_of(c) for c in controllers],
        now=now,
    )


def incident_view(uow: UnitOfWork, row: IncidentRow, *, with_log: bool = True) -> IncidentView:
    controllers = controller_rows(uow, row.id)
    due = deadlines_of(row, controllers, uow.clock.now())
    per = {d.amc: d for d in due.by_controller}
    return IncidentView(
        id=row.id,
        reference=row.reference,
        status=status_of(row),
        kinds=kinds_of_row(row),
        description=row.description,
        owner_account_id=row.owner_account_id,
        opened_by=row.opened_by,
        opened_at=row.opened_at,
        detected_at=row.detected_at,
        aware_at=row.aware_at,
        contained_at=row.contained_at,
        closed_at=row.closed_at,
        closure=None if row.closure is None else Closure(row.closure),
        unintelligible=row.unintelligible,
        source_kind=row.source_kind,
        source_ref=row.source_ref,
        controller_target_hours=row.controller_target_hours,
        deadlines=due,
        scoping=current_scoping(uow, row),
        controllers=tuple(
            ControllerView(
                amc=c.amc,
                in_scope=c.in_scope,
                informed_at=c.informed_at,
                authority_notified_at=c.authority_notified_at,
                authority_reference=c.authority_reference,
                people_notified_at=c.people_notified_at,
                notice_version=c.notice_version,
                notice_at=c.notice_at,
                letters_at=c.letters_at,
                deadlines=per.get(c.amc),
            )
            for c in controllers
        ),
        log=tuple(log_of(uow, row.id)) if with_log else (),
    )


def all_incidents(uow: UnitOfWork, status: Status | None) -> list[IncidentRow]:
    query = select(IncidentRow).order_by(IncidentRow.opened_at.desc())
    if status is not None:
        query = query.where(IncidentRow.status == status.value)
    return list(uow.session.scalars(query))


# -- access: who may, and the shield's count -------------------------------------------------


def admitted(
    uow: UnitOfWork, shield: Shield, actor: Actor, permission: Permission, action: str
) -> None:
    """Platform duties of the incident flow: the grant, then the shield's quotas (an
    analyst's stolen session is not an unlimited one)."""
    authorize(actor, permission, Target.platform())
    admit(shield, uow, actor, action)
