"""The security analyst's pages: live alerts (acknowledge, open an incident from one)
with their count per hour over the last 24 hours, the platform's activity, containments
with two-person lifts, the channel brakes, and the incidents register. Each page and
action calls the use case the JSON API calls (`shield.api`, `incidents.api`): same
permissions, step-up, shield and audit records; a lift asked by one analyst is approved
by another, as the service decides."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from rempart.audit import status as audit_status
from rempart.deps import PlatformDep, SettingsDep, ShieldDep, permitted
from rempart.identity.permissions import Actor, Permission
from rempart.incidents import from_alert
from rempart.incidents import service as incidents
from rempart.incidents.domain import Closure, Containment, Milestone
from rempart.portal import forms
from rempart.portal.charts import hourly, per_hour, use_against_limits
from rempart.portal.forms import FormDep
from rempart.portal.rendering import PageRoute, is_htmx, render
from rempart.shield import alerting, lifting, usage

router = APIRouter(prefix="/security", route_class=PageRoute, include_in_schema=False)
Analyst = Annotated[Actor, Depends(permitted(Permission.ALERT_READ))]
Lifter = Annotated[Actor, Depends(permitted(Permission.CONTAINMENT_LIFT, step_up=True))]
AlertTriager = Annotated[Actor, Depends(permitted(Permission.ALERT_READ, step_up=True))]
Braker = Annotated[Actor, Depends(permitted(Permission.BRAKE_APPLY, step_up=True))]
Manager = Annotated[Actor, Depends(permitted(Permission.INCIDENT_MANAGE))]
CHANNELS = ("portal", "api", "insurer")
# The scoping form's window starts this long before the detection (the analyst widens it).
SCOPING_WINDOW = timedelta(hours=24)


@router.get("", response_class=HTMLResponse)
def alerts_page(
    request: Request, actor: Analyst, platform: PlatformDep, shield: ShieldDep
) -> HTMLResponse:
    now = platform.clock.now()
    alerts = alerting.list_alerts(uow=platform.uow(), actor=actor, shield=shield)
    log = audit_status.log_status(uow=platform.uow(), actor=actor, shield=shield)
    chart = per_hour(
        (a.created_at for a in alerts if a.created_at >= now - timedelta(hours=24)), now
    )
    return render(
        request,
        "security/alerts.html",
        actor=actor,
        alerts=alerts[:100],
        chart=chart,
        log=log,
    )


@router.get("/activity", response_class=HTMLResponse)
def activity_page(
    request: Request, actor: Analyst, platform: PlatformDep, shield: ShieldDep
) -> HTMLResponse:
    """Rights checks and invoices per hour, and the busiest structures, accounts and
    software clients against their quota limits: counts from the audit log, nobody
    checked is named."""
    found = usage.platform_activity(uow=platform.uow(), actor=actor, shield=shield)
    return render(
        request,
        "security/activity.html",
        actor=actor,
        checks=hourly(found.checks.first, found.checks.counts),
        invoices=hourly(found.invoices.first, found.invoices.counts),
        structures=use_against_limits(found.structures),
        accounts=use_against_limits(found.accounts),
        clients=use_against_limits(found.clients),
    )


@router.post("/alerts/{alert_id}/acknowledge", response_class=HTMLResponse)
def acknowledge(
    request: Request, alert_id: uuid.UUID, actor: Analyst, platform: PlatformDep, shield: ShieldDep
) -> HTMLResponse:
    alerting.acknowledge_alert(uow=platform.uow(), actor=actor, shield=shield, alert_id=alert_id)
    return render(request, "security/partials/done.html", actor=actor, said="security.acknowledged")


@router.post("/alerts/{alert_id}/incident")
def open_incident_from_alert(
    request: Request,
    alert_id: uuid.UUID,
    form: FormDep,
    actor: AlertTriager,
    platform: PlatformDep,
    settings: SettingsDep,
    shield: ShieldDep,
) -> Response:
    """An incident whose source is the alert, scoped at once on the subject it names
    (`incidents.from_alert`, as the API's), then its page: the analyst narrows the
    scope there."""
    incident_id, _ = from_alert.open_from_stored_alert(
        uow_factory=platform.uow,
        actor=actor,
        shield=shield,
        alert_id=alert_id,
        controller_target=settings.controller_notice_target,
        lookback=timedelta(
            hours=forms.integer(form, "lookback_hours", low=1, high=8784, default=24)
        ),
    )
    page = f"/security/incidents/{incident_id}"
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": page})
    return RedirectResponse(page, status_code=303)


@router.get("/containments", response_class=HTMLResponse)
def containments_page(
    request: Request, actor: Analyst, platform: PlatformDep, shield: ShieldDep
) -> HTMLResponse:
    found = lifting.list_containments(
        uow=platform.uow(), actor=actor, shield=shield, status="active"
    )
    braked = {c.subject_ref for c in found if c.subject_kind == "channel"}
    return render(
        request,
        "security/containments.html",
        actor=actor,
        containments=found,
        channels=CHANNELS,
        braked=braked,
    )


@router.post("/containments/{containment_id}/lift-requests", response_class=HTMLResponse)
def request_lift(
    request: Request,
    containment_id: uuid.UUID,
    actor: Lifter,
    platform: PlatformDep,
    shield: ShieldDep,
) -> HTMLResponse:
    """The first analyst's half: another analyst approves it."""
    lifting.request_lift(
        uow=platform.uow(), actor=actor, shield=shield, containment_id=containment_id
    )
    return render(request, "security/partials/done.html", actor=actor, said="security.lift_asked")


@router.post("/lift-requests/{lift_request_id}/approval", response_class=HTMLResponse)
def approve_lift(
    request: Request,
    lift_request_id: uuid.UUID,
    actor: Lifter,
    platform: PlatformDep,
    shield: ShieldDep,
) -> HTMLResponse:
    """By an analyst other than the requester (the service refuses the requester)."""
    lifting.approve_lift(
        uow=platform.uow(), actor=actor, shield=shield, lift_request_id=lift_request_id
    )
    return render(request, "security/partials/done.html", actor=actor, said="security.lifted")


@router.post("/brakes/{channel}", response_class=HTMLResponse)
def apply_brake(
    request: Request, channel: str, actor: Braker, platform: PlatformDep, shield: ShieldDep
) -> HTMLResponse:
    lifting.apply_brake(uow=platform.uow(), actor=actor, shield=shield, channel=channel)
    return render(request, "security/partials/done.html", actor=actor, said="security.braked")


@router.post("/brakes/{channel}/release", response_class=HTMLResponse)
def release_brake(
    request: Request, channel: str, actor: Lifter, platform: PlatformDep, shield: ShieldDep
) -> HTMLResponse:
    lifting.release_brake(uow=platform.uow(), actor=actor, shield=shield, channel=channel)
    return render(
        request, "security/partials/done.html", actor=actor, said="security.release_asked"
    )


@router.get("/incidents", response_class=HTMLResponse)
def register_page(
    request: Request, actor: Manager, platform: PlatformDep, shield: ShieldDep
) -> HTMLResponse:
    found = incidents.register(uow=platform.uow(), actor=actor, shield=shield)
    return render(request, "security/incidents.html", actor=actor, incidents=found)


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
def incident_page(
    request: Request,
    incident_id: uuid.UUID,
    actor: Manager,
    platform: PlatformDep,
    shield: ShieldDep,
) -> HTMLResponse:
    found = incidents.read_incident(
        uow=platform.uow(), actor=actor, shield=shield, incident_id=incident_id
    )
    return render(
        request,
        "security/incident.html",
        actor=actor,
        incident=found,
        now=platform.clock.now(),
        window=SCOPING_WINDOW,
        containment_kinds=tuple(Containment),
        milestones=tuple(Milestone),
        closures=tuple(Closure),
    )
