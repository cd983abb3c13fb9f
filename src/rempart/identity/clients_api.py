"""Software clients of a structure: registered by its administrator, approved by a
platform administrator (a second person), revoked by either."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field

from rempart.deps import PersonDep, PlatformDep, own_structure, permitted
from rempart.identity import clients
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
