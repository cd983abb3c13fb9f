"""A structure's bank account, masked, and its changes: request (step-up), approval by a
second platform administrator (step-up), cancellation. People in a browser session
only: software clients never touch where a structure is paid."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field

from rempart.deps import PersonDep, PlatformDep, SettingsDep, ShieldDep, own_structure
from rempart.identity.permissions import Permission
from rempart.payouts import service
from rempart.payouts.domain import AccountStatus, Requester, Verdict

router = APIRouter(prefix="/api/v1/structures/{finess}/bank-account", tags=["payouts"])
Readable = Annotated[str, Depends(own_structure(Permission.BANK_ACCOUNT_READ))]
Changeable = Annotated[str, Depends(own_structure(Permission.IBAN_CHANGE, step_up=True))]
Approvable = Annotated[str, Depends(own_structure(Permission.IBAN_CHANGE_APPROVE, step_up=True))]
Cancellable = Annotated[str, Depends(own_structure(Permission.IBAN_CHANGE_CANCEL))]


class BankAccountIn(BaseModel):
    """The new account. Spaces are allowed (as printed on a RIB); never echoed back."""

    model_config = ConfigDict(extra="forbid")
    iban: str = Field(min_length=15, max_length=42, description="IBAN of the SEPA area")
    bic: str = Field(min_length=8, max_length=14, description="BIC, 8 or 11 characters")


class ApprovalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    change_id: uuid.UUID = Field(description="The change reviewed, as GET shows it")


class AccountOut(BaseModel):
    last4: str = Field(description="The IBAN's last four characters")
    bic: str
    requested_at: datetime | None = Field(description="None: registered at onboarding")
    effective_at: datetime | None


class ChangeOut(BaseModel):
    id: uuid.UUID
    last4: str
    bic: str
    status: AccountStatus = Field(description="pending_approval or cooling_off")
    requester: Requester
    requested_at: datetime
    effective_at: datetime | None = Field(description="None while waiting for approval")


class BankAccountOut(BaseModel):
    structure: str
    current: AccountOut
    change: ChangeOut | None
    payments: Verdict = Field(description="held while a change is under way")


@router.get("")
def read(
    finess: Readable, actor: PersonDep, platform: PlatformDep, shield: ShieldDep
) -> BankAccountOut:
    return _out(
        service.bank_account(uow=platform.uow(), actor=actor, shield=shield, structure=finess)
    )


@router.put("", status_code=status.HTTP_202_ACCEPTED)
def request_change(
    finess: Changeable,
    body: BankAccountIn,
    actor: PersonDep,
    platform: PlatformDep,
    settings: SettingsDep,
    shield: ShieldDep,
) -> BankAccountOut:
    """Accepted, not in effect: the change cools off (structure administrator) or waits
    for a second platform administrator; the structure is told out of band."""
    return _out(
        service.request_bank_account_change(
            uow=platform.uow(),
            actor=actor,
            shield=shield,
            structure=finess,
            iban=body.iban,
            bic=body.bic,
            cooling_off=settings.payout_cooling_off,
        )
    )


@router.post("/approval")
def approve_change(
    finess: Approvable,
    body: ApprovalIn,
    actor: PersonDep,
    platform: PlatformDep,
    settings: SettingsDep,
    shield: ShieldDep,
) -> BankAccountOut:
    return _out(
        service.approve_bank_account_change(
            uow=platform.uow(),
            actor=actor,
            shield=shield,
            structure=finess,
            change_id=body.change_id,
            cooling_off=settings.payout_cooling_off,
        )
    )


@router.delete("/pending")
def cancel_change(
    finess: Cancellable, actor: PersonDep, platform: PlatformDep, shield: ShieldDep
) -> BankAccountOut:
    return _out(
        service.cancel_bank_account_change(
            uow=platform.uow(), actor=actor, shield=shield, structure=finess
        )
    )


def _out(view: service.BankAccountView) -> BankAccountOut:
    change = view.change
    return BankAccountOut(
        structure=view.structure,
        current=AccountOut(
            last4=view.current.last4,
            bic=view.current.bic,
            requested_at=view.current.requested_at,
            effective_at=view.current.effective_at,
        ),
        change=None
        if change is None
        else ChangeOut(
            id=change.id,
            last4=change.last4,
            bic=change.bic,
            status=change.status,
            requester=change.requester,
            requested_at=change.requested_at,
            effective_at=change.effective_at,
        ),
        payments=view.payments,
    )
