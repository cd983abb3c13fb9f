"""Pydantic shapes of the registry's documents: the insurers' catalogue file."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rempart.kernel.errors import InvalidInput
from rempart.kernel.identifiers import parse_amc_number
from rempart.registry.domain import (
    CareCategory,
    Contract,
    GuaranteeLine,
    Insurer,
    InsurerStatus,
    RuleKind,
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GuaranteeLineIn(_Strict):
    category: CareCategory
    kind: RuleKind
    rate_bp: int | None = Field(default=None, ge=0, le=100_000)
    amount_cents: int | None = Field(default=None, ge=0)
    yearly_ceiling_cents: int | None = Field(default=None, ge=0)
    renewal_months: int | None = Field(default=None, ge=0, le=120)


class ContractIn(_Strict):
    code: str = Field(pattern=r"^[A-Z0-9_-]{1,20}$")
    label: str = Field(min_length=1, max_length=200)
    responsible: bool
    guarantees: list[GuaranteeLineIn]


class InsurerIn(_Strict):
    amc_number: str
    name: str = Field(min_length=1, max_length=200)
    dpo_email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)
    status: InsurerStatus = InsurerStatus.ACTIVE
    contracts: list[ContractIn] = Field(default_factory=list)

    @field_validator("amc_number")
    @classmethod
    def _amc(cls, value: str) -> str:
        try:
            return parse_amc_number(value)
        except InvalidInput as exc:
            raise ValueError(exc.message) from None


class CatalogueIn(_Strict):
    insurers: list[InsurerIn] = Field(min_length=1)

    def to_domain(self) -> list[Insurer]:
        """Domain rules (e.g. a category twice in a contract) raise InvalidInput."""
        return [
            Insurer(
                amc_number=i.amc_number,
                name=i.name,
                dpo_email=i.dpo_email,
                status=i.status,
                contracts=tuple(
                    Contract(
                        code=c.code,
                        label=c.label,
                        responsible=c.responsible,
                        guarantees=tuple(GuaranteeLine(**g.model_dump()) for g in c.guarantees),
                    )
                    for c in i.contracts
                ),
            )
            for i in self.insurers
        ]


class InsurerSummary(_Strict):
    amc_number: str
    name: str
    status: InsurerStatus
    contracts: int
