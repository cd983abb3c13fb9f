"""The security pages' API: alerts, containments, two-person lifts, channel brakes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from rempart.deps import PlatformDep, ShieldDep, permitted
from rempart.identity.permissions import Actor, Permission
from rempart.kernel.errors import InvalidInput
from rempart.shield import alerting, lifting
from rempart.shield.alerts import Severity
from rempart.shield.schemas import (
    AlertRead,
    AlertStatus,
    ContainmentRead,
    ContainmentStatus,
    LiftRequestRead,
)

router = APIRouter(prefix="/api/v1/security", tags=["security"])
Analyst = Annotated[Actor, Depends(permitted(Permission.ALERT_READ))]
# Lifting and braking are sensitive: a passkey or Pro Santé Connect within minutes.
Lifter = Annotated[Actor, Depends(permitted(Permission.CONTAINMENT_LIFT, step_up=True))]
Braker = Annotated[Actor, Depends(permitted(Permission.BRAKE_APPLY, step_up=True))]


@router.get("/alerts")
def list_alerts(
    actor: Analyst,
    platform: PlatformDep,
    shield: ShieldDep,
    alert_status: Annotated[AlertStatus | None, Query(alias="status")] = None,
    severity: Annotated[Severity | None, Query()] = None,
    since: Annotated[datetime | None, Query(description="ISO 8601, with its offset")] = None,
) -> list[AlertRead]:
    """Newest first, at most 500."""
    if since is not None and since.tzinfo is None:
        raise InvalidInput("since needs a UTC offset", field="since")
    views = alerting.list_alerts(
        uow=platform.uow(),
        actor=actor,
        shield=shield,
        status=alert_status.value if alert_status else None,
        severity=severity,
        since=since,
    )
    return [AlertRead.of(view) for view in views]


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge(
    alert_id: uuid.UUID, actor: Analyst, platform: PlatformDep, shield: ShieldDep
) -> AlertRead:
    view = alerting.acknowledge_alert(
        uow=platform.uow(), actor=actor, shield=shield, alert_id=alert_id
    )
    return AlertRead.of(view)


@router.get("/containments")
def list_containments(
    actor: Analyst,
    platform: PlatformDep,
    shield: ShieldDep,
    containment_status: Annotated[
        ContainmentStatus, Query(alias="status")
    ] = ContainmentStatus.ACTIVE,
) -> list[ContainmentRead]:
    """Active containments (or lifted, or all), most recently escalated first."""
    wanted = None if containment_status is ContainmentStatus.ALL else containment_status.value
    views = lifting.list_containments(uow=platform.uow(), actor=actor, shield=shield, status=wanted)
    return [ContainmentRead.of(view) for view in views]


@router.post("/containments/{containment_id}/lift-requests", status_code=status.HTTP_201_CREATED)
def request_lift(
    containment_id: uuid.UUID, actor: Lifter, platform: PlatformDep, shield: ShieldDep
) -> LiftRequestRead:
    """The first analyst's half of a lift: a second, different analyst approves it."""
    view = lifting.request_lift(
        uow=platform.uow(), actor=actor, shield=shield, containment_id=containment_id
    )
    return LiftRequestRead.of(view)


@router.post("/lift-requests/{lift_request_id}/approval")
def approve_lift(
    lift_request_id: uuid.UUID, actor: Lifter, platform: PlatformDep, shield: ShieldDep
) -> ContainmentRead:
    """By a security analyst other than the requester: the containment is lifted."""
    view = lifting.approve_lift(
        uow=platform.uow(), actor=actor, shield=shield, lift_request_id=lift_request_id
    )
    return ContainmentRead.of(view)


@router.put("/brakes/{channel}")
def apply_brake(
    channel: str, actor: Braker, platform: PlatformDep, shield: ShieldDep
) -> ContainmentRead:
    """The channel (portal, api or insurer) reads nothing until two analysts release it."""
    view = lifting.apply_brake(uow=platform.uow(), actor=actor, shield=shield, channel=channel)
    return ContainmentRead.of(view)


@router.delete("/brakes/{channel}", status_code=status.HTTP_202_ACCEPTED)
def release_brake(
    channel: str, actor: Lifter, platform: PlatformDep, shield: ShieldDep
) -> LiftRequestRead:
    """Asks for the brake's release: a second analyst approves the lift request."""
    view = lifting.release_brake(uow=platform.uow(), actor=actor, shield=shield, channel=channel)
    return LiftRequestRead.of(view)
