"""Scoping an incident: the audit log's exposure scoping (`rempart.audit.scoping`, not a
copy of it) run for the incident's subjects and window, its figures and its people —
keyed pseudonyms, never identities — stored on the incident, and the insurers concerned
derived from it. Opening from a shield alert is `rempart.incidents.from_alert`.

The database writes the people from the log into the register itself, in one INSERT ...
SELECT (a scope of millions never crosses into the process: streaming them through it
cost about 1.5 ms a person on PostgreSQL); the incident points at the scoping only once
it is complete, so an interrupted scoping leaves the previous one in force."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import func, select

from rempart.audit import scoping as audit_scoping
from rempart.audit.domain import CATEGORY_BITS, Category
from rempart.audit.exposure import ExposureReport, ExposureSelector, check_selector
from rempart.audit.recorder import hash_address
from rempart.audit.trail import record_action
from rempart.db.base import table_of
from rempart.db.uow import UnitOfWork
from rempart.identity.permissions import Actor, Permission
from rempart.incidents import domain
from rempart.incidents.domain import AmcFigures, Entry, IncidentTag, Status
from rempart.incidents.models import (
    IncidentControllerRow,
    IncidentExposureRow,
    IncidentScopingRow,
)
from rempart.incidents.repository import append, controller_rows, incident_row
from rempart.incidents.views import ScopingView, admitted, figures_json, scoping_view
from rempart.kernel.ids import new_id
from rempart.shield.port import Shield

BATCH = 5_000
# Operators' log: references, counts and insurers' public numbers, never a person.
logger = logging.getLogger("rempart.incidents")
_EXPOSURES = table_of(IncidentExposureRow)


@dataclass
class _Tally:
    """One insurer's part of the people stored."""

    people: int = 0
    records: int = 0
    by_category: dict[Category, int] = field(default_factory=lambda: dict.fromkeys(Category, 0))
    first_at: datetime | None = None
    last_at: datetime | None = None


def scope_incident(
    *,
    uow_factory: Callable[[], UnitOfWork],
    actor: Actor,
    shield: Shield,
    incident_id: uuid.UUID,
    selector: ExposureSelector,
) -> ScopingView:
    """Scope the incident (a scoping of the audit log, itself audited there) and store
    its result. The window ends at the latest now: what was not yet disclosed is no
    part of a scope. Each insurer with people in it becomes a controller to inform."""
    uow = uow_factory()
    admitted(uow, shield, actor, Permission.INCIDENT_MANAGE, "incidents.scope")
    with uow:
        now = uow.clock.now()
        selector = check_selector(replace(selector, end=min(selector.end, now)))
        row = incident_row(uow, incident_id, lock=True)
        domain.require_active(Status(row.status))
        scoping_id = new_id()
        uow.session.add(
            IncidentScopingRow(
                id=scoping_id,
                incident_id=incident_id,
                started_at=now,
                completed_at=None,
                actor_account_id=actor.account_id,
                window_start=selector.start,
                window_end=selector.end,
                selector=_selector_json(uow, selector),
                people=0,
                records=0,
                expired_records=0,
                by_amc="[]",
            )
        )
        uow.commit()
    report = audit_scoping.scope_exposure(uow=uow_factory(), actor=actor, selector=selector)
    tallies = _store_people(uow_factory, actor, selector, scoping_id)
    figures = _figures(report, tallies)
    with uow:
        row = incident_row(uow, incident_id, lock=True)
        domain.require_active(Status(row.status))  # closed meanwhile: the scoping stays aside
        scoping = uow.session.get(IncidentScopingRow, scoping_id)
        assert scoping is not None
        scoping.completed_at = uow.clock.now()
        scoping.people = sum(f.people for f in figures)
        scoping.records = sum(f.records for f in figures)
        scoping.expired_records = sum(f.expired_records for f in figures)
        scoping.by_amc = figures_json(figures)
        row.scoping_id = scoping_id
        concerned = _concerned(uow, incident_id, figures)
        append(
            uow,
            row,
            actor=actor,
            kind=Entry.SCOPED,
            summary=(
                f"scoped {selector.start.isoformat()} to {selector.end.isoformat()}: "
                f"{scoping.people} people, {scoping.records} records, "
                f"{len(concerned)} insurers"
                + (
                    f", {scoping.expired_records} records expired"
                    if scoping.expired_records
                    else ""
                )
            ),
            details={
                "scoping": str(scoping_id),
                "people": scoping.people,
                "records": scoping.records,
                "expired_records": scoping.expired_records,
                "insurers": {f.amc or "none": f.people for f in figures},
            },
        )
        record_action(uow, tag=IncidentTag.SCOPED, actor=actor)
        uow.commit()
        logger.info(
            "incident %s scoped: %d people, %d records, %d insurers, %d records expired",
            row.reference,
            scoping.people,
            scoping.records,
            len(concerned),
            scoping.expired_records,
        )
        return scoping_view(scoping)


def _selector_json(uow: UnitOfWork, selector: ExposureSelector) -> str:
    """What the register keeps of the question: addresses only as the log's keyed hashes."""
    return json.dumps(
        {
            "accounts": sorted(str(a) for a in selector.accounts),
            "structures": sorted(selector.structures),
            "clients": sorted(str(c) for c in selector.clients),
            "address_hashes": sorted(hash_address(uow.vault, a) for a in selector.addresses),
            "outcomes": sorted(o.value for o in selector.outcomes),
        }
    )


def _store_people(
    uow_factory: Callable[[], UnitOfWork],
    actor: Actor,
    selector: ExposureSelector,
    scoping_id: uuid.UUID,
) -> dict[str | None, _Tally]:
    """Every person of the scope into the register, written by the database from the
    log (one INSERT ... SELECT), then tallied by insurer there."""
    audit_scoping.copy_exposure(
        uow=uow_factory(),
        actor=actor,
        selector=selector,
        into=_EXPOSURES,
        constants={"scoping_id": scoping_id},
    )
    e = _EXPOSURES.c
    tally = (
        select(
            e.amc,
            func.count(),
            func.sum(e.records),
            func.min(e.first_at),
            func.max(e.last_at),
            *[
                func.sum(audit_scoping.has_category(e.categories, bit))
                for bit in CATEGORY_BITS.values()
            ],
        )
        .where(e.scoping_id == scoping_id)
        .group_by(e.amc)
    )
    tallies: dict[str | None, _Tally] = {}
    with uow_factory() as uow:
        for amc, people, records, first_at, last_at, *per_category in uow.session.execute(tally):
            tallies[amc] = _Tally(
                people=int(people),
                records=int(records),
                by_category={c: int(n) for c, n in zip(CATEGORY_BITS, per_category, strict=True)},
                first_at=first_at,
                last_at=last_at,
            )
    return tallies


def _figures(report: ExposureReport, tallies: dict[str | None, _Tally]) -> list[AmcFigures]:
    """People from the stream (exactly the people stored); records per category and
    records expired by retention from the log's summary."""
    figures = []
    for amc in sorted(set(tallies) | {a.amc for a in report.by_amc}, key=lambda a: a or ""):
        tally = tallies.get(amc, _Tally())
        summary = report.amc(amc)
        figures.append(
            AmcFigures(
                amc=amc,
                people=tally.people,
                records=tally.records,
                people_by_category=tally.by_category,
                records_by_category=(
                    dict(summary.records_by_category)
                    if summary is not None
                    else dict.fromkeys(Category, 0)
                ),
                first_at=tally.first_at,
                last_at=tally.last_at,
                expired_records=0 if summary is None else summary.expired_records,
            )
        )
    return figures


def _concerned(uow: UnitOfWork, incident_id: uuid.UUID, figures: list[AmcFigures]) -> list[str]:
    """The insurers with people in the scope (or records it can no longer attribute) are
    the controllers to inform; one no longer in scope keeps its timeline, out of scope."""
    concerned = sorted(f.amc for f in figures if f.amc and (f.people or f.expired_records))
    existing = {c.amc: c for c in controller_rows(uow, incident_id, lock=True)}
    for amc, controller in existing.items():
        controller.in_scope = amc in concerned
    for amc in concerned:
        if amc not in existing:
            uow.session.add(
                IncidentControllerRow(
                    incident_id=incident_id,
                    amc=amc,
                    in_scope=True,
                    informed_at=None,
                    authority_notified_at=None,
                    authority_reference=None,
                    people_notified_at=None,
                    notice_version=0,
                    notice_at=None,
                    notice_subject=None,
                    notice_text=None,
                    art33_text=None,
                    letters_at=None,
                )
            )
    return concerned


def exposures(uow: UnitOfWork, scoping_id: uuid.UUID, amc: str) -> Iterable[IncidentExposureRow]:
    """The people of one insurer in a scoping, in pseudonym order (the letters' order)."""
    return uow.session.scalars(
        select(IncidentExposureRow)
        .where(IncidentExposureRow.scoping_id == scoping_id, IncidentExposureRow.amc == amc)
        .order_by(IncidentExposureRow.pseudonym)
        .execution_options(yield_per=BATCH)
    )
