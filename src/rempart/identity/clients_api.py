"""Software clients of a structure: registered by its administrator, approved by a
platform administrator (a second person), revoked by either."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field

from rempart.deps import (
    PersonDep,
    PlatformDep,
    ShieldDep,
    own_structure,
    permitted,
    public_url,
    serving,
)
from rempart.identity import client_step_up, clients
from rempart.identity.domain import ClientStatus
from rempart.identity.permissions import Actor, Permission

router = APIRouter(prefix="/api/v1", tags=["software clients"])
NO_CONTENT = status.HTTP_204_NO_CONTENT


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=120, description="e.g. the software's name")
    public_jwk: dict[str, Any] = Field(description="The client's public key (JWK)")


class ClientCreated(BaseModel):
    id: uuid.UUID
    status: ClientStatus


# A key that will act for a structure is a sensitive change: step-up for both people.
OwnStructureForClients = Annotated[
    str, Depends(own_structure(Permission.CLIENT_REGISTER, step_up=True))
]
Approver = Annotated[Actor, Depends(permitted(Permission.CLIENT_APPROVE, step_up=True))]
StepUpAsker = Annotated[
    Actor, Depends(serving(Permission.CLIENT_STEP_UP_REQUEST, software_only=True))
]
# The portal page where the professional types the code (portal.professional).
CONFIRMATION_PAGE = "/pro/confirm-software"


class StepUpCodeOut(BaseModel):
    """RFC 8628's vocabulary: the code to show, and where the professional types it."""

    request_id: uuid.UUID
    user_code: str = Field(description="Show it to the professional at the counter")
    verification_uri: str = Field(description="The portal page where they type it")
    expires_in: int = Field(description="Seconds before the code stops working")


@router.post("/structures/{finess}/clients", status_code=status.HTTP_201_CREATED)
def register(
    finess: OwnStructureForClients, body: ClientCreate, actor: PersonDep, platform: PlatformDep
) -> ClientCreated:
    """Pending until a platform administrator other than the registrant approves it."""
    client_id = clients.register_client(
        uow=platform.uow(), actor=actor, finess=finess, name=body.name, public_jwk=body.public_jwk
    )
    return ClientCreated(id=client_id, status=ClientStatus.PENDING_APPROVAL)


@router.post("/clients/{client_id}/approval", status_code=NO_CONTENT)
def approve(client_id: uuid.UUID, actor: Approver, platform: PlatformDep) -> None:
    clients.approve_client(uow=platform.uow(), actor=actor, client_id=client_id)


@router.delete("/clients/{client_id}", status_code=NO_CONTENT)
def revoke(client_id: uuid.UUID, actor: PersonDep, platform: PlatformDep) -> None:
    """Its tokens stop working at once."""
    clients.revoke_client(uow=platform.uow(), actor=actor, client_id=client_id)


@router.post(client_step_up.STEP_UP_REQUEST_PATH.removeprefix("/api/v1"), status_code=201)
def request_step_up(actor: StepUpAsker, platform: PlatformDep, shield: ShieldDep) -> StepUpCodeOut:
    """When a call was refused `step-up-required` (the shield's step-up rung): a code for
    the professional named in Rempart-Acting-RPPS to confirm in the portal with their
    passkey or Pro Santé Connect. Then retry the call. A new code voids the previous."""
    code = client_step_up.request_step_up(uow=platform.uow(), actor=actor, shield=shield)
    # No `verification_uri_complete` (RFC 8628 §3.3.1): a link with the code filled in
    # is what a phisher would send; the professional types the code they see.
    return StepUpCodeOut(
        request_id=code.request_id,
        user_code=code.user_code,
        verification_uri=public_url(platform.settings, CONFIRMATION_PAGE),
        expires_in=code.expires_in,
    )
