"""The incident API: the register for security analysts and the platform DPO (open,
scope, contain, notify, close), the mail-merge re-identification for the platform DPO,
the notices for each insurer's DPO, and the incidents that concerned an insured person.
Scoping, containment, notices and re-identification need a fresh phishing-resistant
factor; every route is counted by the shield and audited by its use case."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from rempart.deps import (
    ChannelBrakesDep,
    DocumentSinkDep,
    PlatformDep,
    SettingsDep,
    ShieldDep,
    own_insurer,
    permitted,
)
from rempart.identity.permissions import Actor, Permission
from rempart.incidents import from_alert, reading, service
from rempart.incidents.actions import OnIncident
from rempart.incidents.domain import Status, containment_step
from rempart.incidents.schemas import (
    ClosureIn,
    ContainmentIn,
    ContainmentOut,
    DecisionIn,
    EntryOut,
    FromAlertIn,
    IncidentIn,
    IncidentOut,
    MailMergeOut,
    MilestoneIn,
    NoticeOut,
    NotifiedOut,
    OwnerIn,
    PersonIncidentOut,
    ReopeningIn,
    ScopingOut,
    SelectorIn,
    UnintelligibleIn,
)

router = APIRouter(prefix="/api/v1", tags=["incidents"])
Manager = Annotated[Actor, Depends(permitted(Permission.INCIDENT_MANAGE))]
SteppedUpManager = Annotated[Actor, Depends(permitted(Permission.INCIDENT_MANAGE, step_up=True))]
# Opening from an alert reads the shield's alert store: the analysts' own.
AlertTriager = Annotated[Actor, Depends(permitted(Permission.ALERT_READ, step_up=True))]
Container = Annotated[Actor, Depends(permitted(Permission.INCIDENT_CONTAIN, step_up=True))]
Reidentifier = Annotated[Actor, Depends(permitted(Permission.INCIDENT_REIDENTIFY, step_up=True))]
NoticeReader = Annotated[Actor, Depends(permitted(Permission.INCIDENT_NOTICE_READ))]
OwnInsurer = Annotated[str, Depends(own_insurer(Permission.INCIDENT_NOTICE_READ))]
Insured = Annotated[Actor, Depends(permitted(Permission.ACCESS_HISTORY_READ))]
INCIDENT = "/incidents/{incident_id}"


def _on(
    platform: PlatformDep, actor: Actor, shield: ShieldDep, incident_id: uuid.UUID
) -> OnIncident:
    """The routes' dependencies, bound for the action (the permission is the route's)."""
    return OnIncident(platform.uow, actor, shield, incident_id)


def _read(
    platform: PlatformDep, actor: Actor, shield: ShieldDep, incident_id: uuid.UUID
) -> IncidentOut:
    return IncidentOut.of(_on(platform, actor, shield, incident_id).read())


@router.post("/incidents", status_code=status.HTTP_201_CREATED)
def open_incident(
    body: IncidentIn,
    actor: Manager,
    platform: PlatformDep,
    settings: SettingsDep,
    shield: ShieldDep,
) -> IncidentOut:
    """A new incident in the register (GDPR art. 33(5)); the deadlines start from
    `aware_at` (default now)."""
    incident_id = service.open_incident(
        uow=platform.uow(),
        actor=actor,
        shield=shield,
        kinds=[k.value for k in body.kinds],
        description=body.description,
        detected_at=body.detected_at,
        aware_at=body.aware_at,
        controller_target=settings.controller_notice_target,
        owner=body.owner,
        unintelligible=body.unintelligible,
        source=None
        if body.source is None
        else service.Source(body.source.kind, body.source.reference),
    )
    return _read(platform, actor, shield, incident_id)


@router.post("/incidents/from-alert", status_code=status.HTTP_201_CREATED)
def open_from_alert(
    body: FromAlertIn,
    actor: AlertTriager,
    platform: PlatformDep,
    settings: SettingsDep,
    shield: ShieldDep,
) -> IncidentOut:
    """Open an incident from a shield alert and scope it at once on the account, client
    or structure the alert names, from `lookback_hours` before the alert until now —
    broad on purpose: narrow it by scoping again once the investigation names the
    attacker's addresses or window."""
    incident_id, _ = from_alert.open_from_stored_alert(
        uow_factory=platform.uow,
        actor=actor,
        shield=shield,
        alert_id=body.alert_id,
        controller_target=settings.controller_notice_target,
        lookback=timedelta(hours=body.lookback_hours),
        description=body.description,
        kinds=[k.value for k in body.kinds],
    )
    return _read(platform, actor, shield, incident_id)


@router.get("/incidents")
def register(
    actor: Manager,
    platform: PlatformDep,
    shield: ShieldDep,
    state: Annotated[Status | None, Query(alias="status")] = None,
) -> list[IncidentOut]:
    """The register, newest first, with deadlines and overdue flags (no log)."""
    views = service.register(uow=platform.uow(), actor=actor, shield=shield, status=state)
    return [IncidentOut.of(v) for v in views]


@router.get(INCIDENT)
def read(
    incident_id: uuid.UUID, actor: Manager, platform: PlatformDep, shield: ShieldDep
) -> IncidentOut:
    return _read(platform, actor, shield, incident_id)


@router.post(INCIDENT + "/scoping")
def scope(
    incident_id: uuid.UUID,
    body: SelectorIn,
    actor: SteppedUpManager,
    platform: PlatformDep,
    shield: ShieldDep,
) -> ScopingOut:
    """Scope the incident from the audit log: the people disclosed to the named
    accounts, structures, clients or addresses in the window, stored as pseudonyms."""
    return ScopingOut.of(_on(platform, actor, shield, incident_id).scope(body.selector()))


@router.post(INCIDENT + "/decisions", status_code=status.HTTP_201_CREATED)
def decide(
    incident_id: uuid.UUID,
    body: DecisionIn,
    actor: Manager,
    platform: PlatformDep,
    shield: ShieldDep,
) -> EntryOut:
    return EntryOut(seq=_on(platform, actor, shield, incident_id).decide(body.text))


@router.post(INCIDENT + "/milestones", status_code=status.HTTP_201_CREATED)
def milestone(
    incident_id: uuid.UUID,
    body: MilestoneIn,
    actor: Manager,
    platform: PlatformDep,
    shield: ShieldDep,
) -> EntryOut:
    """Containment, an insurer informed, the authority or the people notified by an
    insurer (as it tells us)."""
    seq = _on(platform, actor, shield, incident_id).milestone(
        body.milestone, at=body.at, amc=body.amc, reference=body.reference, note=body.note
    )
    return EntryOut(seq=seq)


@router.put(INCIDENT + "/owner")
def assign(
    incident_id: uuid.UUID, body: OwnerIn, actor: Manager, platform: PlatformDep, shield: ShieldDep
) -> EntryOut:
    return EntryOut(seq=_on(platform, actor, shield, incident_id).assign(body.owner))


@router.put(INCIDENT + "/unintelligible")
def unintelligible(
    incident_id: uuid.UUID,
    body: UnintelligibleIn,
    actor: Manager,
    platform: PlatformDep,
    shield: ShieldDep,
) -> EntryOut:
    on = _on(platform, actor, shield, incident_id)
    return EntryOut(seq=on.mark_unintelligible(body.unintelligible, reason=body.reason))


@router.post(INCIDENT + "/containment")
def contain(
    incident_id: uuid.UUID,
    body: ContainmentIn,
    actor: Container,
    platform: PlatformDep,
    shield: ShieldDep,
    brakes: ChannelBrakesDep,
) -> ContainmentOut:
    """One containment step, carried out by the service that owns it and logged. A key
    rotation is run with `rempart incident contain ... rotate_keys`; here it is recorded."""
    step = containment_step(body.kind, body.target, body.reason)
    return ContainmentOut.of(_on(platform, actor, shield, incident_id).contain(step, brakes=brakes))


@router.post(INCIDENT + "/notifications")
def notify_insurers(
    incident_id: uuid.UUID,
    actor: SteppedUpManager,
    platform: PlatformDep,
    settings: SettingsDep,
    shield: ShieldDep,
    sink: DocumentSinkDep,
) -> list[NotifiedOut]:
    """Each insurer concerned: its notice (queued to its DPO), the draft of its art. 33
    notification and the letters to its people, as documents."""
    done = _on(platform, actor, shield, incident_id).notify(sink, settings)
    return [NotifiedOut.model_validate(n) for n in done]


@router.post(INCIDENT + "/mail-merge")
def mail_merge(
    incident_id: uuid.UUID,
    actor: Reidentifier,
    platform: PlatformDep,
    shield: ShieldDep,
    sink: DocumentSinkDep,
) -> list[MailMergeOut]:
    """The platform DPO re-identifies the scope for each insurer's mail merge (member
    keys, written to the document port; each person re-identified is audited)."""
    done = _on(platform, actor, shield, incident_id).mail_merge(sink)
    return [MailMergeOut.model_validate(m) for m in done]


@router.post(INCIDENT + "/closure")
def close(
    incident_id: uuid.UUID,
    body: ClosureIn,
    actor: Manager,
    platform: PlatformDep,
    shield: ShieldDep,
) -> EntryOut:
    on = _on(platform, actor, shield, incident_id)
    return EntryOut(seq=on.close(body.closure, reason=body.reason))


@router.post(INCIDENT + "/reopening")
def reopen(
    incident_id: uuid.UUID,
    body: ReopeningIn,
    actor: Manager,
    platform: PlatformDep,
    shield: ShieldDep,
) -> EntryOut:
    return EntryOut(seq=_on(platform, actor, shield, incident_id).reopen(body.reason))


@router.get("/insurers/{amc_number}/incident-notices")
def notices(
    amc_number: OwnInsurer, actor: NoticeReader, platform: PlatformDep, shield: ShieldDep
) -> list[NoticeOut]:
    """The notices Rempart sent the insurer, newest first (figures, no text)."""
    views = reading.insurer_notices(uow=platform.uow(), actor=actor, shield=shield, amc=amc_number)
    return [NoticeOut.of(v) for v in views]


@router.get("/insurers/{amc_number}/incident-notices/{incident_id}")
def notice(
    amc_number: OwnInsurer,
    incident_id: uuid.UUID,
    actor: NoticeReader,
    platform: PlatformDep,
    shield: ShieldDep,
) -> NoticeOut:
    """One notice, with its text and the draft of the insurer's art. 33 notification."""
    return NoticeOut.of(
        reading.insurer_notice(
            uow=platform.uow(), actor=actor, shield=shield, amc=amc_number, incident_id=incident_id
        )
    )


@router.get("/me/access-history/incidents")
def my_incidents(
    actor: Insured, platform: PlatformDep, shield: ShieldDep
) -> list[PersonIncidentOut]:
    """Incidents whose scope included me (once my insurer was told): what was seen,
    when, and the letter written for me."""
    found = reading.incidents_concerning_me(uow=platform.uow(), actor=actor, shield=shield)
    return [PersonIncidentOut.of(p) for p in found]
