"""Account administration: requests (structure administrators for their structures,
platform administrators for anyone), four-eyes approval, enrolment codes, suspension."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status

from rempart.deps import PlatformDep, ShieldDep, permitted
from rempart.identity import factors, service
from rempart.identity.domain import AccountRequest, AccountStatus, InsuredCard
from rempart.identity.permissions import Actor, Permission
from rempart.identity.schemas import AccountCreate, AccountCreated, EnrolmentCodeRead
from rempart.shield.containment import suspend_by_hand

Requester = Annotated[Actor, Depends(permitted(Permission.ACCOUNT_CREATE))]
# Sensitive changes: a passkey or Pro Santé Connect presented within the last minutes.
Approver = Annotated[Actor, Depends(permitted(Permission.ACCOUNT_APPROVE, step_up=True))]
Suspender = Annotated[Actor, Depends(permitted(Permission.ACCOUNT_SUSPEND, step_up=True))]

router = APIRouter(prefix="/api/v1/accounts", tags=["accounts"])
NO_CONTENT = status.HTTP_204_NO_CONTENT


@router.post("", status_code=status.HTTP_201_CREATED)
def request_account(
    body: AccountCreate, actor: Requester, platform: PlatformDep, shield: ShieldDep
) -> AccountCreated:
    account_id = service.request_account(
        uow=platform.uow(),
        actor=actor,
        shield=shield,
        request=AccountRequest(
            role=body.role,
            login_name=body.login_name,
            rpps=body.rpps,
            finess=tuple(body.finess),
            amc_number=body.amc_number,
            card=None if body.card is None else InsuredCard(**body.card.model_dump()),
        ),
    )
    return AccountCreated(id=account_id, status=AccountStatus.PENDING_APPROVAL)


@router.post("/{account_id}/approval", status_code=NO_CONTENT)
def approve(account_id: uuid.UUID, actor: Approver, platform: PlatformDep) -> None:
    """By a platform administrator other than the requester."""
    service.approve_account(uow=platform.uow(), actor=actor, account_id=account_id)


@router.post("/{account_id}/enrolment-code")
def enrolment_code(
    account_id: uuid.UUID, actor: Approver, platform: PlatformDep
) -> EnrolmentCodeRead:
    """A one-time code for the person's first passkey, to hand over out of band."""
    code = factors.issue_enrolment_code(uow=platform.uow(), actor=actor, account_id=account_id)
    return EnrolmentCodeRead(code=code, expires_in=int(factors.ENROLMENT_LIFETIME.total_seconds()))


@router.post("/{account_id}/suspension", status_code=NO_CONTENT)
def suspend(account_id: uuid.UUID, actor: Suspender, platform: PlatformDep) -> None:
    suspend_by_hand(
        uow_factory=platform.uow,
        actor=actor,
        account_id=account_id,
        evidence="suspended by an administrator (POST /api/v1/accounts/{id}/suspension)",
    )
