"""The signed-in person's own account: who they are, their security history, sessions,
pending sign-ins, factors and step-up. Nothing here reaches anyone else's account."""

from __future__ import annotations

import json
import uuid
from typing import Annotated

from fastapi import APIRouter, Cookie, Depends, Response, status

from rempart.deps import (
    ActorDep,
    BreachedPasswordsDep,
    PasswordHasherDep,
    PersonDep,
    PlatformDep,
    RelyingPartyDep,
    permitted,
)
from rempart.identity import factors, service, sessions
from rempart.identity.cookies import SESSION
from rempart.identity.permissions import Actor, Permission
from rempart.identity.schemas import (
    Credential,
    DeviceRead,
    Me,
    NewPassword,
    PendingConfirmation,
    PendingSignInRead,
    RecoveryCodesRead,
    SecurityEventRead,
    SessionRead,
    TotpCode,
    TotpEnrolmentRead,
)

router = APIRouter(prefix="/api/v1/me", tags=["own account"])
# Changes of factor and confirmations: a passkey or Pro Santé Connect presented in the
# last minutes, checked before the body is read (the use cases check it again).
Fresh = Annotated[Actor, Depends(permitted(Permission.FACTOR_MANAGE, step_up=True))]
JSON = "application/json"
NO_CONTENT = status.HTTP_204_NO_CONTENT


@router.get("")
def me(actor: ActorDep, session_token: Annotated[str | None, Cookie(alias=SESSION)] = None) -> Me:
    """Who the credentials presented stand for: a person's session or, for software, the
    client and the acting professional (a way for integrators to test their set-up)."""
    return Me(
        account_id=actor.account_id,
        role=actor.role,
        structures=sorted(actor.structures),
        amc_number=actor.amc_number,
        strength=actor.strength,
        authenticated_at=actor.authenticated_at,
        channel=actor.channel,
        rpps=actor.rpps,
        client_id=actor.client_id,
        csrf_token=sessions.csrf_token(session_token)
        if actor.session_id and session_token
        else None,
    )


@router.get("/security-history")
def security_history(actor: PersonDep, platform: PlatformDep) -> list[SecurityEventRead]:
    events = service.security_history(uow=platform.uow(), actor=actor)
    return [SecurityEventRead(tag=e.tag, at=e.at, by_self=e.by_self) for e in events]


@router.get("/sessions")
def list_sessions(actor: PersonDep, platform: PlatformDep) -> list[SessionRead]:
    return [
        SessionRead(
            id=s.id,
            factor=s.factor,
            created_at=s.created_at,
            last_seen_at=s.last_seen_at,
            current=s.id == actor.session_id,
        )
        for s in sessions.list_sessions(uow=platform.uow(), actor=actor)
    ]


@router.delete("/sessions/{session_id}", status_code=NO_CONTENT)
def revoke_session(session_id: uuid.UUID, actor: PersonDep, platform: PlatformDep) -> None:
    sessions.revoke_session(uow=platform.uow(), actor=actor, session_id=session_id)


@router.get("/pending-sign-ins")
def pending_sign_ins(actor: PersonDep, platform: PlatformDep) -> list[PendingSignInRead]:
    pending = factors.list_pending_sign_ins(uow=platform.uow(), actor=actor)
    return [
        PendingSignInRead(id=p.id, created_at=p.created_at, user_agent=p.user_agent)
        for p in pending
    ]


@router.post("/pending-sign-ins/{pending_id}/confirmation", status_code=NO_CONTENT)
def confirm_pending(
    pending_id: uuid.UUID, body: PendingConfirmation, actor: Fresh, platform: PlatformDep
) -> None:
    """Needs a passkey (or Pro Santé Connect) presented within the last minutes, and the
    two digits the waiting browser shows."""
    factors.confirm_pending_sign_in(
        uow=platform.uow(), actor=actor, pending_id=pending_id, code=body.code
    )


@router.delete("/pending-sign-ins/{pending_id}", status_code=NO_CONTENT)
def deny_pending(pending_id: uuid.UUID, actor: PersonDep, platform: PlatformDep) -> None:
    """'This wasn't me': drop it (and change the password and TOTP: someone has them)."""
    factors.deny_pending_sign_in(uow=platform.uow(), actor=actor, pending_id=pending_id)


@router.get("/devices")
def devices(actor: PersonDep, platform: PlatformDep) -> list[DeviceRead]:
    """Browsers trusted for the fallback factor (they once signed in with a passkey or
    Pro Santé Connect)."""
    return [
        DeviceRead(id=d.id, created_at=d.created_at, last_seen_at=d.last_seen_at)
        for d in factors.list_trusted_devices(uow=platform.uow(), actor=actor)
    ]


@router.delete("/devices/{device_id}", status_code=NO_CONTENT)
def forget_device(device_id: uuid.UUID, actor: PersonDep, platform: PlatformDep) -> None:
    factors.forget_trusted_device(uow=platform.uow(), actor=actor, device_id=device_id)


@router.post("/step-up/options")
def step_up_options(actor: PersonDep, platform: PlatformDep, rp: RelyingPartyDep) -> Response:
    options = factors.begin_step_up(uow=platform.uow(), actor=actor, rp=rp)
    return Response(options, media_type=JSON)


@router.post("/step-up", status_code=NO_CONTENT)
def step_up(body: Credential, actor: PersonDep, platform: PlatformDep, rp: RelyingPartyDep) -> None:
    factors.step_up(uow=platform.uow(), actor=actor, rp=rp, credential=json.dumps(body.credential))


@router.post("/passkeys/options")
def passkey_options(actor: Fresh, platform: PlatformDep, rp: RelyingPartyDep) -> Response:
    options = factors.begin_passkey_registration(uow=platform.uow(), actor=actor, rp=rp)
    return Response(options, media_type=JSON)


@router.post("/passkeys", status_code=status.HTTP_201_CREATED)
def add_passkey(
    body: Credential, actor: Fresh, platform: PlatformDep, rp: RelyingPartyDep
) -> dict[str, uuid.UUID]:
    """Every session of the account ends, this one included: sign in again."""
    passkey_id = factors.finish_passkey_registration(
        uow=platform.uow(), actor=actor, rp=rp, credential=json.dumps(body.credential)
    )
    return {"id": passkey_id}


@router.put("/password", status_code=NO_CONTENT)
def set_password(
    body: NewPassword,
    actor: Fresh,
    platform: PlatformDep,
    hasher: PasswordHasherDep,
    breached: BreachedPasswordsDep,
) -> None:
    factors.set_password(
        uow=platform.uow(), actor=actor, hasher=hasher, breached=breached, password=body.password
    )


@router.post("/totp")
def begin_totp(actor: Fresh, platform: PlatformDep) -> TotpEnrolmentRead:
    enrolment = factors.begin_totp(uow=platform.uow(), actor=actor)
    return TotpEnrolmentRead(secret=enrolment.secret, uri=enrolment.uri)


@router.post("/totp/confirmation", status_code=NO_CONTENT)
def confirm_totp(body: TotpCode, actor: Fresh, platform: PlatformDep) -> None:
    factors.confirm_totp(uow=platform.uow(), actor=actor, code=body.code)


@router.post("/recovery-codes")
def recovery_codes(actor: Fresh, platform: PlatformDep) -> RecoveryCodesRead:
    return RecoveryCodesRead(codes=factors.issue_recovery_codes(uow=platform.uow(), actor=actor))
