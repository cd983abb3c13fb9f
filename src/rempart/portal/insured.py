"""The insured person's pages: my rights and guarantees, what the AMC paid for my care,
and who looked at my rights (with "this wasn't me"). Everything is about the record the
account is bound to, and each read is counted by the shield and on record."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from rempart.audit import history
from rempart.claims.own import list_own_invoices
from rempart.deps import PlatformDep, ShieldDep, permitted
from rempart.identity.permissions import Actor, Permission
from rempart.portal.rendering import PageRoute, render
from rempart.rights.own import read_own_rights

router = APIRouter(prefix="/insured", route_class=PageRoute, include_in_schema=False)
RightsReader = Annotated[Actor, Depends(permitted(Permission.OWN_RIGHTS_READ))]
InvoicesReader = Annotated[Actor, Depends(permitted(Permission.OWN_INVOICES_READ))]
HistoryReader = Annotated[Actor, Depends(permitted(Permission.ACCESS_HISTORY_READ))]
Reporter = Annotated[Actor, Depends(permitted(Permission.ACCESS_REPORT))]


@router.get("", response_class=HTMLResponse)
def my_rights(
    request: Request, actor: RightsReader, platform: PlatformDep, shield: ShieldDep
) -> HTMLResponse:
    rights = read_own_rights(uow=platform.uow(), actor=actor, shield=shield)
    return render(request, "insured/rights.html", actor=actor, rights=rights)


@router.get("/invoices", response_class=HTMLResponse)
def my_invoices(
    request: Request, actor: InvoicesReader, platform: PlatformDep, shield: ShieldDep
) -> HTMLResponse:
    invoices = list_own_invoices(uow=platform.uow(), actor=actor, shield=shield)
    return render(request, "insured/invoices.html", actor=actor, invoices=invoices)


@router.get("/access-history", response_class=HTMLResponse)
def access_history(
    request: Request, actor: HistoryReader, platform: PlatformDep, shield: ShieldDep
) -> HTMLResponse:
    accesses = history.access_history(uow=platform.uow(), actor=actor, shield=shield)
    return render(request, "insured/access_history.html", actor=actor, accesses=accesses)


@router.post("/access-history/{record_id}/report", response_class=HTMLResponse)
def report(
    request: Request, record_id: uuid.UUID, actor: Reporter, platform: PlatformDep
) -> HTMLResponse:
    """'This wasn't me': the security analysts and the shield are told."""
    history.report_access(uow=platform.uow(), actor=actor, record_id=record_id)
    return render(request, "insured/partials/reported.html", actor=actor)
