"""The audit API: exposure scoping (security analysts and the platform DPO platform-wide,
an insurer's DPO for their own insurer)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from rempart.audit import scoping
from rempart.audit.schemas import ExposureRead, ExposureRequest
from rempart.deps import PlatformDep, permitted
from rempart.identity.permissions import Actor, Permission

# Who was exposed is sensitive in itself: a passkey or Pro Santé Connect presented in the
# last minutes, checked before the body is read.
Scoper = Annotated[Actor, Depends(permitted(Permission.EXPOSURE_SCOPE, step_up=True))]

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.post("/exposure")
def scope_exposure(body: ExposureRequest, actor: Scoper, platform: PlatformDep) -> ExposureRead:
    """Every pseudonym disclosed to the named accounts, structures, clients or addresses
    within the window, by insurer: figures, and the pseudonyms with `include_people`."""
    report = scoping.scope_exposure(
        uow=platform.uow(),
        actor=actor,
        selector=body.selector(),
        include_people=body.include_people,
    )
    return ExposureRead.of(report)
