"""What an analyst does from an incident's page: scope it (figures per insurer and per
category, never a person), contain it (suspend an account, end its sessions, revoke a
software client, close a channel with its brake, record a key rotation), record a
milestone or a decision, notify the insurers concerned (their notices, art. 33 drafts
and letters, as documents) and close it.

Each form calls the use case `incidents.api` calls, with the same permission
dependencies: scoping and notices need a fresh phishing-resistant factor and the
incident manager's permission; containment needs the containment permission (security
analysts only), also stepped up. The use cases count each call with the shield and
write its audit record."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from rempart.audit.domain import Outcome
from rempart.audit.exposure import ExposureSelector
from rempart.deps import (
    ChannelBrakesDep,
    DocumentSinkDep,
    PlatformDep,
    SettingsDep,
    ShieldDep,
    permitted,
)
from rempart.identity.permissions import Actor, Permission
from rempart.incidents.actions import OnIncident
from rempart.incidents.domain import Closure, Milestone, containment_step
from rempart.portal import forms
from rempart.portal.forms import FormDep
from rempart.portal.rendering import PageRoute, render

router = APIRouter(
    prefix="/security/incidents/{incident_id}", route_class=PageRoute, include_in_schema=False
)
Manager = Annotated[Actor, Depends(permitted(Permission.INCIDENT_MANAGE))]
SteppedUpManager = Annotated[Actor, Depends(permitted(Permission.INCIDENT_MANAGE, step_up=True))]
Container = Annotated[Actor, Depends(permitted(Permission.INCIDENT_CONTAIN, step_up=True))]
DONE = "security/partials/done.html"


def _on(
    platform: PlatformDep, actor: Actor, shield: ShieldDep, incident_id: uuid.UUID
) -> OnIncident:
    """The route's dependencies, bound for the action (the permission is the route's)."""
    return OnIncident(platform.uow, actor, shield, incident_id)


def selector_of(form: forms.FormData) -> ExposureSelector:
    """The scoping form: a window and the subjects named in it (one per line)."""
    return ExposureSelector(
        start=forms.instant(form, "start"),
        end=forms.instant(form, "end"),
        accounts=frozenset(forms.identifiers(form, "accounts")),
        structures=frozenset(forms.named(form, "structures")),
        clients=frozenset(forms.identifiers(form, "clients")),
        addresses=frozenset(forms.named(form, "addresses")),
        outcomes=frozenset({Outcome.ALLOWED}),
    )


@router.post("/scoping", response_class=HTMLResponse)
def scope(
    request: Request,
    incident_id: uuid.UUID,
    form: FormDep,
    actor: SteppedUpManager,
    platform: PlatformDep,
    shield: ShieldDep,
) -> HTMLResponse:
    """The people disclosed to the named subjects in the window, counted per insurer and
    per category (the register keeps them as pseudonyms; the page shows counts only)."""
    found = _on(platform, actor, shield, incident_id).scope(selector_of(form))
    return render(request, "security/partials/scoping.html", actor=actor, scoping=found)


@router.post("/containment", response_class=HTMLResponse)
def contain(
    request: Request,
    incident_id: uuid.UUID,
    form: FormDep,
    actor: Container,
    platform: PlatformDep,
    shield: ShieldDep,
    brakes: ChannelBrakesDep,
) -> HTMLResponse:
    """One step, carried out by the service that owns it, then logged on the incident."""
    step = containment_step(
        forms.text(form, "kind", max_length=32),
        form.get("target") or None,
        form.get("reason"),
    )
    outcome = _on(platform, actor, shield, incident_id).contain(step, brakes=brakes)
    return render(request, "security/partials/contained.html", actor=actor, outcome=outcome)


@router.post("/milestones", response_class=HTMLResponse)
def milestone(
    request: Request,
    incident_id: uuid.UUID,
    form: FormDep,
    actor: Manager,
    platform: PlatformDep,
    shield: ShieldDep,
) -> HTMLResponse:
    """An instant of the timeline: contained, or an insurer's step as it tells us."""
    _on(platform, actor, shield, incident_id).milestone(
        forms.choice(form, "milestone", Milestone),
        at=forms.instant(form, "at"),
        amc=form.get("amc") or None,
        reference=form.get("reference") or None,
        note=form.get("note") or None,
    )
    return render(request, DONE, actor=actor, said="incident.action.recorded")


@router.post("/decisions", response_class=HTMLResponse)
def decide(
    request: Request,
    incident_id: uuid.UUID,
    form: FormDep,
    actor: Manager,
    platform: PlatformDep,
    shield: ShieldDep,
) -> HTMLResponse:
    _on(platform, actor, shield, incident_id).decide(form.get("text"))
    return render(request, DONE, actor=actor, said="incident.action.recorded")


@router.post("/notifications", response_class=HTMLResponse)
def notify_insurers(
    request: Request,
    incident_id: uuid.UUID,
    actor: SteppedUpManager,
    platform: PlatformDep,
    settings: SettingsDep,
    shield: ShieldDep,
    sink: DocumentSinkDep,
) -> HTMLResponse:
    """Each insurer concerned: a new version of its notice (queued to its DPO), the
    draft of its art. 33 notification and its people's letters, as documents."""
    done = _on(platform, actor, shield, incident_id).notify(sink, settings)
    return render(request, "security/partials/notified.html", actor=actor, notified=done)


@router.post("/closure", response_class=HTMLResponse)
def close(
    request: Request,
    incident_id: uuid.UUID,
    form: FormDep,
    actor: Manager,
    platform: PlatformDep,
    shield: ShieldDep,
) -> HTMLResponse:
    on = _on(platform, actor, shield, incident_id)
    on.close(forms.choice(form, "closure", Closure), reason=form.get("reason"))
    return render(request, DONE, actor=actor, said="incident.action.closed")
