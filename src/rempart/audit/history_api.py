"""The insured's access history and "this wasn't me"; the analysts' list of reports."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel

from rempart.audit import history
from rempart.audit.domain import Category
from rempart.deps import PlatformDep, ShieldDep, permitted
from rempart.identity.permissions import Actor, Permission

router = APIRouter(prefix="/api/v1", tags=["access history"])
Reader = Annotated[Actor, Depends(permitted(Permission.ACCESS_HISTORY_READ))]
Reporter = Annotated[Actor, Depends(permitted(Permission.ACCESS_REPORT))]
Analyst = Annotated[Actor, Depends(permitted(Permission.ALERT_READ))]


class AccessorRead(BaseModel):
    kind: str
    structure_name: str | None
    structure_kind: str | None
    profession: str | None
    insurer_name: str | None


class AccessRead(BaseModel):
    id: uuid.UUID
    at: datetime
    accessor: AccessorRead
    channel: str
    categories: list[Category]


class ReportCreated(BaseModel):
    id: uuid.UUID


class AccessReportRead(BaseModel):
    id: uuid.UUID
    reported_at: datetime
    record_id: uuid.UUID
    accessed_at: datetime
    actor_account_id: uuid.UUID | None
    actor_rpps: str | None
    structure_finess: str | None
    client_id: uuid.UUID | None
    categories: list[Category]


@router.get("/me/access-history")
def access_history(actor: Reader, platform: PlatformDep, shield: ShieldDep) -> list[AccessRead]:
    """Who accessed my record — structure and profession, or my insurer — when, and which
    categories of my data were disclosed. Newest first."""
    return [
        AccessRead(
            id=a.record_id,
            at=a.at,
            accessor=AccessorRead(
                kind=a.accessor.kind,
                structure_name=a.accessor.structure_name,
                structure_kind=a.accessor.structure_kind,
                profession=a.accessor.profession,
                insurer_name=a.accessor.insurer_name,
            ),
            channel=a.channel,
            categories=sorted(a.categories),
        )
        for a in history.access_history(uow=platform.uow(), actor=actor, shield=shield)
    ]


@router.post("/me/access-history/{record_id}/report", status_code=status.HTTP_201_CREATED)
def report(
    record_id: uuid.UUID, actor: Reporter, platform: PlatformDep, shield: ShieldDep
) -> ReportCreated:
    """'This wasn't me': the security analysts and the shield are told."""
    return ReportCreated(
        id=history.report_access(
            uow=platform.uow(), actor=actor, record_id=record_id, shield=shield
        )
    )


@router.get("/security/access-reports")
def access_reports(actor: Analyst, platform: PlatformDep) -> list[AccessReportRead]:
    return [
        AccessReportRead(
            id=r.id,
            reported_at=r.reported_at,
            record_id=r.record_id,
            accessed_at=r.accessed_at,
            actor_account_id=r.actor_account_id,
            actor_rpps=r.actor_rpps,
            structure_finess=r.structure_finess,
            client_id=r.client_id,
            categories=sorted(r.categories),
        )
        for r in history.open_access_reports(uow=platform.uow(), actor=actor)
    ]
