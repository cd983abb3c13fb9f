"""The insurer's pages: settlement statements (what each payment run debited the AMC,
with the CSV and PDF statements of the existing API) for its staff, and the incident
notices concerning the AMC for its DPO. The AMC is the one the account is bound to;
each page calls the API's use case (same authorisation, shield and audit record).

The staff's contracts editor, rights-file uploads and member lookup live beside this
module (`insurer_contracts`, `insurer_uploads`, `insurer_members`) and are mounted on
this router."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from rempart.deps import PlatformDep, ShieldDep, permitted
from rempart.identity.permissions import Actor, Permission
from rempart.incidents import reading as incidents
from rempart.kernel.errors import NotFound
from rempart.payments import reading as payments
from rempart.portal import insurer_contracts, insurer_members, insurer_uploads
from rempart.portal.rendering import PageRoute, render

router = APIRouter(prefix="/insurer", route_class=PageRoute, include_in_schema=False)
StatementReader = Annotated[Actor, Depends(permitted(Permission.SETTLEMENT_READ))]
NoticeReader = Annotated[Actor, Depends(permitted(Permission.INCIDENT_NOTICE_READ))]


def _amc(actor: Actor) -> str:
    if actor.amc_number is None:
        raise NotFound("no insurer bound to this account")
    return actor.amc_number


@router.get("", response_class=HTMLResponse)
def statements_page(
    request: Request, actor: StatementReader, platform: PlatformDep, shield: ShieldDep
) -> HTMLResponse:
    amc = _amc(actor)
    found = payments.list_settlements(
        uow=platform.uow(), actor=actor, shield=shield, amc_number=amc
    )
    return render(request, "insurer/statements.html", actor=actor, amc=amc, statements=found)


@router.get("/notices", response_class=HTMLResponse)
def notices_page(
    request: Request, actor: NoticeReader, platform: PlatformDep, shield: ShieldDep
) -> HTMLResponse:
    amc = _amc(actor)
    found = incidents.insurer_notices(uow=platform.uow(), actor=actor, shield=shield, amc=amc)
    return render(request, "insurer/notices.html", actor=actor, amc=amc, notices=found)


router.include_router(insurer_contracts.router)
router.include_router(insurer_uploads.router)
router.include_router(insurer_members.router)
