"""The rights check (IDB) and the revoked-accreditations list, for pharmacy software
(DPoP-bound tokens, acting RPPS named) and for professionals in the portal."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from rempart.deps import PlatformDep, ShieldDep, database_work, platform_of, serving, shield_of
from rempart.identity.permissions import Actor, Permission
from rempart.kernel.errors import InvalidInput
from rempart.registry.domain import CareCategory, RuleKind
from rempart.rights import service
from rempart.rights.domain import CareLine, CoverageRule, Exoneration
from rempart.rights.eligibility import CheckStatus
from rempart.rights.reasons import Reason
from rempart.rights.requests import RightsCheckRequest

router = APIRouter(prefix="/api/v1/rights", tags=["rights"])
Checker = Annotated[Actor, Depends(serving(Permission.RIGHTS_CHECK))]
RevokedReader = Annotated[Actor, Depends(serving(Permission.RIGHTS_REVOKED_LIST))]
Calculator = Annotated[Actor, Depends(serving(Permission.RIGHTS_CALCULATION))]


class CardIn(BaseModel):
    """The card data as read at the counter (Carte Vitale and the AMC's card)."""

    model_config = ConfigDict(extra="forbid")
    insured_nir: str = Field(min_length=13, max_length=21, description="NIR with its key")
    birth_date: str = Field(min_length=8, max_length=8, description="YYYYMMDD as on the card")
    birth_rank: int = Field(ge=1, le=9)
    amc_number: str = Field(min_length=9, max_length=9)
    member_number: str = Field(min_length=1, max_length=20)
    agreement_type: str = Field(min_length=1, max_length=8)


class RightsCheckIn(CardIn):
    """The card data, the date of care, the categories wanted."""

    date_of_care: date
    categories: list[CareCategory] = Field(min_length=1, max_length=len(CareCategory))
    structure: str | None = Field(
        default=None, description="The FINESS acted for, when the account has several"
    )


class GuaranteeOut(BaseModel):
    category: CareCategory
    kind: RuleKind
    rate_bp: int | None
    amount_cents: int | None
    yearly_ceiling_cents: int | None
    renewal_months: int | None


class AccreditationOut(BaseModel):
    id: uuid.UUID
    expires_on: date


class RightsCheckOut(BaseModel):
    """Never a name, a NIR or a family member: only what the counter needs."""

    status: CheckStatus
    reason: Reason | None
    valid_from: date | None
    valid_until: date | None
    guarantees: list[GuaranteeOut]
    accreditation: AccreditationOut | None


class RevocationOut(BaseModel):
    accreditation_id: uuid.UUID
    revoked_at: datetime
    reason: Reason


# The busiest route of all: the check runs through `database_work` (on the embedded
# database, on the event loop, without a thread hop); the platform and the shield come
# from the request rather than as dependencies (FastAPI's bookkeeping for each costs
# more than what it returns); and the answer is serialised here: returned as a model, it
# would be validated again by FastAPI for a model this function has just built and
# validated. The bytes are the ones FastAPI would send (compact JSON of the same model,
# same media type); `response_model` keeps the published schema.
@router.post("/checks", response_model=RightsCheckOut)
async def check(body: RightsCheckIn, actor: Checker, http: Request) -> Response:
    request = RightsCheckRequest(
        insured_nir=body.insured_nir,
        birth_date=body.birth_date,
        birth_rank=body.birth_rank,
        amc_number=body.amc_number,
        member_number=body.member_number,
        agreement_type=body.agreement_type,
        date_of_care=body.date_of_care,
        categories=tuple(body.categories),
        structure=body.structure,
    )
    answer = await database_work(
        http,
        partial(
            service.check_rights,
            uow=platform_of(http).uow(),
            actor=actor,
            shield=shield_of(http),
            request=request,
        ),
    )
    out = RightsCheckOut(
        status=answer.status,
        reason=answer.reason,
        valid_from=answer.valid_from,
        valid_until=answer.valid_until,
        guarantees=[
            GuaranteeOut(
                category=g.category,
                kind=g.kind,
                rate_bp=g.rate_bp,
                amount_cents=g.amount_cents,
                yearly_ceiling_cents=g.yearly_ceiling_cents,
                renewal_months=g.renewal_months,
            )
            for g in answer.guarantees
        ],
        accreditation=(
            AccreditationOut(id=answer.accreditation_id, expires_on=answer.accreditation_expires_on)
            if answer.accreditation_id is not None and answer.accreditation_expires_on is not None
            else None
        ),
    )
    return Response(out.model_dump_json(), media_type="application/json")


@router.get("/revoked")
def revoked(
    actor: RevokedReader,
    platform: PlatformDep,
    shield: ShieldDep,
    since: Annotated[datetime, Query(description="ISO 8601 instant, with its offset")],
    structure: Annotated[str | None, Query()] = None,
) -> list[RevocationOut]:
    """Accreditations of the structure revoked since `since`: stop relying on them."""
    if since.tzinfo is None:
        raise InvalidInput("since needs a UTC offset", field="since")
    return [
        RevocationOut(accreditation_id=r.accreditation_id, revoked_at=r.revoked_at, reason=r.reason)
        for r in service.revoked_since(
            uow=platform.uow(), actor=actor, shield=shield, since=since, structure=structure
        )
    ]


class CareLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: CareCategory
    code: str = Field(min_length=1, max_length=20, description="CIP13, CCAM, LPP or NGAP code")
    quantity: int = Field(ge=1, le=999)
    unit_price_cents: int = Field(ge=0, le=10_000_000)
    unit_br_cents: int = Field(ge=0, le=10_000_000)
    amo_rate_bp: int = Field(ge=0, le=10_000)
    amo_cents: int = Field(ge=0, le=100_000_000)
    franchise_cents: int = Field(default=0, ge=0, le=100_000)
    exoneration: Exoneration = Exoneration.NONE
    out_of_pathway_penalty_cents: int = Field(default=0, ge=0, le=100_000)


class CalculationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    accreditation_id: uuid.UUID
    lines: list[CareLineIn] = Field(min_length=1, max_length=100)
    structure: str | None = None


class LineOut(BaseModel):
    category: CareCategory
    code: str
    price_cents: int
    amo_paid_cents: int
    franchise_cents: int
    amc_cents: int
    patient_cents: int
    rule: CoverageRule
    reason: str


class TotalsOut(BaseModel):
    price_cents: int
    amo_paid_cents: int
    franchise_cents: int
    amc_cents: int
    patient_cents: int


class CalculationOut(BaseModel):
    lines: list[LineOut]
    totals: TotalsOut


@router.post("/calculations")
def calculate(
    body: CalculationIn, actor: Calculator, platform: PlatformDep, shield: ShieldDep
) -> CalculationOut:
    """What the AMC would pay on each line under an accreditation: a simulation, nothing
    is consumed. The rule deciding each line is named (see docs/rights/coverage.md)."""
    coverage = service.simulate_coverage(
        uow=platform.uow(),
        actor=actor,
        shield=shield,
        accreditation_id=body.accreditation_id,
        lines=[CareLine(**line.model_dump()) for line in body.lines],
        structure=body.structure,
    )
    totals = coverage.totals
    return CalculationOut(
        lines=[
            LineOut(
                category=c.category,
                code=c.code,
                price_cents=c.price_cents,
                amo_paid_cents=c.amo_paid_cents,
                franchise_cents=c.franchise_cents,
                amc_cents=c.amc_cents,
                patient_cents=c.patient_cents,
                rule=c.rule,
                reason=c.reason,
            )
            for c in coverage.lines
        ],
        totals=TotalsOut(
            price_cents=totals.price_cents,
            amo_paid_cents=totals.amo_paid_cents,
            franchise_cents=totals.franchise_cents,
            amc_cents=totals.amc_cents,
            patient_cents=totals.patient_cents,
        ),
    )
