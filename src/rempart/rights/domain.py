"""The coverage vocabulary, pure: care lines as a professional's software states them, the
beneficiary's consumption of the year, the stable codes of the rules that decide an
amount, and the one rounding rule.

Money is integer cents and rates are integer basis points (10000 = 100%): nothing here is
ever a float. `registry.domain` owns the contract model (CareCategory, RuleKind,
GuaranteeLine, Contract); this module gives those categories their meaning.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from rempart.kernel.errors import InvalidInput
from rempart.registry.domain import CareCategory

BASIS_POINTS = 10_000  # 100%
MAX_LINE_CENTS = 100_000_000  # EUR 1,000,000: above this a line is a typing error
MAX_QUANTITY = 999


def apply_rate(amount_cents: int, rate_bp: int) -> int:
    """`amount_cents x rate_bp / 10000`, rounded to the nearest cent, a half cent upwards.

    The one rounding of the calculation, in integers (no float, no Decimal context to get
    wrong). Half-up rather than half-even because it is the rounding a professional, an
    insurer's agent or a member reproduces by hand ("au centime le plus proche"), and the
    calculation rounds once per line, never sums rounded parts, so the upward bias is at
    most half a cent a line. Caps (price less AMO, ceilings) are applied after rounding, in
    whole cents, so rounding can never lift an amount over a cap.
    """
    if amount_cents < 0 or rate_bp < 0:
        raise ValueError("apply_rate takes non-negative amounts and rates")
    return (amount_cents * rate_bp + BASIS_POINTS // 2) // BASIS_POINTS


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 -> 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- Care categories --------------------------------------------------------------------

PHARMACY_AMO_RATE_BP: Mapping[CareCategory, int] = MappingProxyType(
    {
        CareCategory.PHARMACY_100: 10_000,
        CareCategory.PHARMACY_65: 6_500,
        CareCategory.PHARMACY_30: 3_000,
        CareCategory.PHARMACY_15: 1_500,
    }
)
"""A drug's category is its AMO rate; a line must agree unless an exoneration raises it."""

BASKETS_100_SANTE = frozenset(
    {
        CareCategory.OPTICAL_100_SANTE,
        CareCategory.DENTAL_100_SANTE,
        CareCategory.HEARING_100_SANTE,
    }
)
"""100% Santé baskets: the price is capped by regulation and AMO plus AMC pay all of it, so
a ticket-modérateur rule there applies to the whole remainder (price less AMO), not to the
base rate less AMO (a frame's base rate is a small part of its capped price)."""

NOT_CARE = frozenset(
    {
        CareCategory.FRANCHISE,
        CareCategory.PARTICIPATION_FORFAITAIRE,
        CareCategory.OUT_OF_PATHWAY_PENALTY,
    }
)
"""Categories a contract may name (to say whether it covers them) but no care line has."""


class Exoneration(StrEnum):
    """Why the AMO pays a line at 100% of the base rate, leaving no ticket modérateur."""

    NONE = "none"
    ALD = "ald"  # affection de longue durée, for care related to it; franchises still apply
    MATERNITY = "maternity"  # franchises and participations forfaitaires do not apply


# --- Rule codes -------------------------------------------------------------------------


class CoverageRule(StrEnum):
    """What decided a line's AMC amount. Stable: software and remittance advice cite them."""

    PERCENT_OF_BR = "COV-PERCENT-BR"
    PERCENT_OF_TM = "COV-PERCENT-TM"
    BASKET_100_SANTE = "COV-BASKET-100-SANTE"
    FIXED_PER_ACT = "COV-FIXED-PER-ACT"
    YEARLY_FORFAIT = "COV-YEARLY-FORFAIT"
    FORFAIT_USED_UP = "COV-FORFAIT-USED-UP"
    CAPPED_AT_REMAINDER = "COV-CAPPED-AT-REMAINDER"
    YEARLY_CEILING = "COV-YEARLY-CEILING"
    RENEWAL_PERIOD = "COV-RENEWAL-PERIOD"
    NO_REMAINDER = "COV-NO-REMAINDER"
    EXCLUDED = "COV-EXCLUDED"
    NOT_COVERED = "COV-NOT-COVERED"


COVERAGE_RULE_LABELS: Mapping[CoverageRule, tuple[str, str]] = MappingProxyType(
    {  # (French, English)
        CoverageRule.PERCENT_OF_BR: (
            "Pourcentage de la base de remboursement, part AMO incluse",
            "Percentage of the base rate, AMO share included",
        ),
        CoverageRule.PERCENT_OF_TM: (
            "Pourcentage du ticket modérateur",
            "Percentage of the ticket modérateur",
        ),
        CoverageRule.BASKET_100_SANTE: (
            "Panier 100 % Santé : reste à charge pris en charge",
            "100% Santé basket: the remainder is covered",
        ),
        CoverageRule.FIXED_PER_ACT: ("Forfait par acte", "Fixed amount per act"),
        CoverageRule.YEARLY_FORFAIT: ("Forfait annuel", "Yearly forfait"),
        CoverageRule.FORFAIT_USED_UP: ("Forfait annuel épuisé", "Yearly forfait used up"),
        CoverageRule.CAPPED_AT_REMAINDER: (
            "Garantie limitée au reste à charge après AMO",
            "Guarantee limited to what remains after the AMO",
        ),
        CoverageRule.YEARLY_CEILING: ("Plafond annuel atteint", "Yearly ceiling reached"),
        CoverageRule.RENEWAL_PERIOD: (
            "Délai de renouvellement non écoulé",
            "Within the renewal period",
        ),
        CoverageRule.NO_REMAINDER: (
            "Rien à payer après l'AMO",
            "Nothing left to pay after the AMO",
        ),
        CoverageRule.EXCLUDED: ("Exclu par le contrat", "Excluded by the contract"),
        CoverageRule.NOT_COVERED: (
            "Catégorie non prévue au contrat",
            "Category not in the contract",
        ),
    }
)


# --- Care lines -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CareLine:
    """One line of care as the professional's software states it, AMO figures included.

    `amo_cents` is the AMO's share of the whole line (base rate x AMO rate) before it
    deducts `franchise_cents` (franchise médicale or participation forfaitaire), which the
    patient bears and the AMC never pays. `out_of_pathway_penalty_cents` is the increase
    of the ticket modérateur when care is outside the care pathway: a contrat responsable
    leaves it to the patient, another contract may pay it.
    """

    category: CareCategory
    code: str  # product or act code (CIP13, CCAM, LPP, NGAP); echoed, never interpreted
    quantity: int
    unit_price_cents: int
    unit_br_cents: int
    amo_rate_bp: int
    amo_cents: int
    franchise_cents: int = 0
    exoneration: Exoneration = Exoneration.NONE
    out_of_pathway_penalty_cents: int = 0

    @property
    def price_cents(self) -> int:
        return self.unit_price_cents * self.quantity

    @property
    def br_cents(self) -> int:
        return self.unit_br_cents * self.quantity

    def __post_init__(self) -> None:
        if self.category in NOT_CARE:
            raise InvalidInput(
                f"{self.category} is not care: state it in franchise_cents or "
                "out_of_pathway_penalty_cents of the line it applies to",
                field="category",
            )
        if not 1 <= len(self.code) <= 20 or not self.code.isascii():
            raise InvalidInput("a product or act code has 1-20 ASCII characters", field="code")
        if not 1 <= self.quantity <= MAX_QUANTITY:
            raise InvalidInput(f"quantity must be 1..{MAX_QUANTITY}", field="quantity")
        for name in ("unit_price_cents", "unit_br_cents"):
            if not 0 <= getattr(self, name) * self.quantity <= MAX_LINE_CENTS:
                raise InvalidInput(f"{name} x quantity must be 0..{MAX_LINE_CENTS}", field=name)
        if not 0 <= self.amo_rate_bp <= BASIS_POINTS:
            raise InvalidInput("amo_rate_bp must be 0..10000", field="amo_rate_bp")
        if not 0 <= self.amo_cents <= min(self.br_cents, self.price_cents):
            raise InvalidInput(
                "amo_cents must be 0..min(base rate, price) of the line", field="amo_cents"
            )
        if not 0 <= self.franchise_cents <= self.amo_cents:
            # The AMO deducts it from its own payment, so it cannot exceed that payment.
            raise InvalidInput("franchise_cents must be 0..amo_cents", field="franchise_cents")
        remainder = self.price_cents - self.amo_cents
        if not 0 <= self.out_of_pathway_penalty_cents <= remainder:
            raise InvalidInput(
                "out_of_pathway_penalty_cents must be 0..price less AMO",
                field="out_of_pathway_penalty_cents",
            )
        self._check_exoneration()

    def _check_exoneration(self) -> None:
        if self.exoneration is not Exoneration.NONE and self.amo_rate_bp != BASIS_POINTS:
            raise InvalidInput(
                f"an {self.exoneration} exoneration means an AMO rate of 10000",
                field="amo_rate_bp",
            )
        if self.exoneration is Exoneration.MATERNITY and self.franchise_cents:
            raise InvalidInput("maternity care bears no franchise", field="franchise_cents")
        drug_rate = PHARMACY_AMO_RATE_BP.get(self.category)
        if (
            drug_rate is not None
            and self.exoneration is Exoneration.NONE
            and self.amo_rate_bp != drug_rate
        ):
            raise InvalidInput(
                f"a {self.category} line has an AMO rate of {drug_rate}", field="amo_rate_bp"
            )


# --- Consumption ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CategoryConsumption:
    """What the AMC paid one beneficiary in one category during one calendar year."""

    amc_cents: int = 0
    acts: int = 0  # quantities of the lines the AMC paid something for
    last_renewal: date | None = None  # may fall in an earlier year

    def __post_init__(self) -> None:
        if self.amc_cents < 0 or self.acts < 0:
            raise InvalidInput("consumption cannot be negative", field="consumption")


_NOTHING = CategoryConsumption()


@dataclass(frozen=True, slots=True)
class YearConsumption:
    """One beneficiary's consumption in `year`, per category. Categories absent: nothing."""

    year: int
    by_category: Mapping[CareCategory, CategoryConsumption] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def of(self, category: CareCategory) -> CategoryConsumption:
        return self.by_category.get(category, _NOTHING)

    def plus(self, added: YearConsumption) -> YearConsumption:
        """This consumption with `added` (a calculation's `consumption_added`) recorded."""
        if added.year != self.year:
            raise InvalidInput("consumption of another year", field="consumption")
        merged = dict(self.by_category)
        for category, extra in added.by_category.items():
            before = self.of(category)
            renewals = [d for d in (before.last_renewal, extra.last_renewal) if d is not None]
            merged[category] = CategoryConsumption(
                amc_cents=before.amc_cents + extra.amc_cents,
                acts=before.acts + extra.acts,
                last_renewal=max(renewals, default=None),
            )
        return YearConsumption(self.year, MappingProxyType(merged))
