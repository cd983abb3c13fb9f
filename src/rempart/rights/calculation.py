"""The coverage calculation (CLC), pure: what the AMC pays on each care line under a
contract, given the beneficiary's consumption of the year so far.

For each line, in the order given (earlier lines consume ceilings before later ones):

1. no guarantee for the category -> 0 (`COV-NOT-COVERED`); an `excluded` one -> 0
   (`COV-EXCLUDED`);
2. a renewal period not yet over since the last renewal recorded before this calculation
   -> 0 (`COV-RENEWAL-PERIOD`). Lines of one calculation are one piece of equipment, so
   they do not block each other;
3. the payable remainder is price - AMO share (franchise included in that share, so the
   patient keeps it), less the out-of-pathway penalty under a contrat responsable;
   nothing payable -> 0 (`COV-NO-REMAINDER`);
4. the guarantee's offer: `percent_of_br` round(BR x rate) - AMO; `percent_of_tm`
   round((BR - AMO) x rate), or round(remainder x rate) in a 100% Santé basket;
   `fixed_per_act` amount x quantity; `yearly_forfait` what is left of the amount this year;
5. the AMC pays min(offer, remainder, what is left of the yearly ceiling), and the rule
   that bound is the one cited.

`apply_rate` (in `domain`) is the only rounding; everything else is whole-cent arithmetic,
so AMO paid + AMC + patient = price holds to the cent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from rempart.kernel.errors import InvalidInput
from rempart.kernel.money import Cents, format_euros
from rempart.registry.domain import CareCategory, Contract, GuaranteeLine, RuleKind
from rempart.rights.domain import (
    BASKETS_100_SANTE,
    CareLine,
    CategoryConsumption,
    CoverageRule,
    Exoneration,
    YearConsumption,
    add_months,
    apply_rate,
)

__all__ = ["Coverage", "CoverageTotals", "LineCoverage", "calculate_coverage"]


@dataclass(frozen=True, slots=True)
class LineCoverage:
    """Who pays what on one line. `amo_paid_cents + amc_cents + patient_cents == price`."""

    category: CareCategory
    code: str
    price_cents: int
    amo_paid_cents: int  # the AMO share less the franchise it deducts
    franchise_cents: int  # part of patient_cents
    amc_cents: int
    patient_cents: int
    rule: CoverageRule
    reason: str  # short, English; `COVERAGE_RULE_LABELS` has both languages per rule


@dataclass(frozen=True, slots=True)
class CoverageTotals:
    price_cents: int
    amo_paid_cents: int
    franchise_cents: int
    amc_cents: int
    patient_cents: int


@dataclass(frozen=True, slots=True)
class Coverage:
    lines: tuple[LineCoverage, ...]
    totals: CoverageTotals
    consumption_added: YearConsumption  # what recording these lines adds, per category


@dataclass(slots=True)
class _Running:
    """The year's consumption as the calculation goes, line after line."""

    before: YearConsumption
    added: dict[CareCategory, CategoryConsumption]

    def amc_so_far(self, category: CareCategory) -> int:
        extra = self.added.get(category)
        return self.before.of(category).amc_cents + (extra.amc_cents if extra else 0)

    def record(self, category: CareCategory, amc: int, acts: int, renewal: date | None) -> None:
        extra = self.added.get(category, CategoryConsumption())
        self.added[category] = CategoryConsumption(
            amc_cents=extra.amc_cents + amc,
            acts=extra.acts + acts,
            last_renewal=renewal or extra.last_renewal,
        )


def _euros(amount: int) -> str:
    return f"EUR {format_euros(Cents(amount))}"


def _percent(rate_bp: int) -> str:
    """15000 -> '150%', 12550 -> '125.5%': integer arithmetic, as for money."""
    whole, hundredths = divmod(rate_bp, 100)
    return f"{whole}.{hundredths:02d}".rstrip("0").rstrip(".") + "%"


def _offer(
    guarantee: GuaranteeLine, line: CareLine, remainder: int, used: int
) -> tuple[int, CoverageRule, str]:
    """What the guarantee alone would pay on the line, before the caps."""
    rate = guarantee.rate_bp or 0
    amount = guarantee.amount_cents or 0
    if guarantee.kind is RuleKind.PERCENT_OF_BR:
        offer = max(0, apply_rate(line.br_cents, rate) - line.amo_cents)
        return offer, CoverageRule.PERCENT_OF_BR, f"{_percent(rate)} BR less the AMO share"
    if guarantee.kind is RuleKind.PERCENT_OF_TM and line.category in BASKETS_100_SANTE:
        offer = apply_rate(remainder, rate)
        return offer, CoverageRule.BASKET_100_SANTE, f"{_percent(rate)} of the basket remainder"
    if guarantee.kind is RuleKind.PERCENT_OF_TM:
        offer = apply_rate(line.br_cents - line.amo_cents, rate)
        return offer, CoverageRule.PERCENT_OF_TM, f"{_percent(rate)} of the ticket modérateur"
    if guarantee.kind is RuleKind.FIXED_PER_ACT:
        reason = f"{_euros(amount)} per act x {line.quantity}"
        return amount * line.quantity, CoverageRule.FIXED_PER_ACT, reason
    if guarantee.kind is RuleKind.YEARLY_FORFAIT:
        left = max(0, amount - used)
        if left == 0:
            return 0, CoverageRule.FORFAIT_USED_UP, f"yearly forfait of {_euros(amount)} used up"
        return left, CoverageRule.YEARLY_FORFAIT, f"{_euros(left)} left of the yearly forfait"
    raise AssertionError(f"unhandled rule kind {guarantee.kind}")  # pragma: no cover


def _cover_line(
    contract: Contract,
    guarantees: dict[CareCategory, GuaranteeLine],
    line: CareLine,
    date_of_care: date,
    running: _Running,
) -> LineCoverage:
    def result(amc: int, rule: CoverageRule, reason: str) -> LineCoverage:
        amo_paid = line.amo_cents - line.franchise_cents
        return LineCoverage(
            category=line.category,
            code=line.code,
            price_cents=line.price_cents,
            amo_paid_cents=amo_paid,
            franchise_cents=line.franchise_cents,
            amc_cents=amc,
            patient_cents=line.price_cents - amo_paid - amc,
            rule=rule,
            reason=reason,
        )

    guarantee = guarantees.get(line.category)
    if guarantee is None:
        return result(0, CoverageRule.NOT_COVERED, f"{line.category} is not in the contract")
    if guarantee.kind is RuleKind.EXCLUDED:
        return result(0, CoverageRule.EXCLUDED, f"the contract excludes {line.category}")
    last_renewal = running.before.of(line.category).last_renewal
    if guarantee.renewal_months is not None and last_renewal is not None:
        next_renewal = add_months(last_renewal, guarantee.renewal_months)
        if date_of_care < next_renewal:
            return result(
                0, CoverageRule.RENEWAL_PERIOD, f"renewable from {next_renewal.isoformat()}"
            )

    # The AMO share includes the franchise it deducts, so capping at price - AMO share
    # leaves every franchise cent with the patient, whatever the guarantee says.
    withheld = line.out_of_pathway_penalty_cents if contract.responsible else 0
    remainder = line.price_cents - line.amo_cents - withheld
    if remainder == 0:
        exonerated = (
            f" ({line.exoneration} exoneration)" if line.exoneration is not Exoneration.NONE else ""
        )
        return result(0, CoverageRule.NO_REMAINDER, f"the AMO pays the whole price{exonerated}")

    used = running.amc_so_far(line.category)
    offer, rule, reason = _offer(guarantee, line, remainder, used)
    ceiling_left = None
    if guarantee.yearly_ceiling_cents is not None:
        ceiling_left = max(0, guarantee.yearly_ceiling_cents - used)
    amc = min(offer, remainder, ceiling_left if ceiling_left is not None else offer)
    if amc < offer:
        if amc == remainder:
            rule, reason = CoverageRule.CAPPED_AT_REMAINDER, "the whole remainder after the AMO"
        else:
            ceiling = _euros(guarantee.yearly_ceiling_cents or 0)
            rule, reason = CoverageRule.YEARLY_CEILING, f"{_euros(amc)} left of {ceiling}"
    if amc > 0:
        renewal = date_of_care if guarantee.renewal_months is not None else None
        running.record(line.category, amc, line.quantity, renewal)
    return result(amc, rule, reason)


def calculate_coverage(
    *,
    contract: Contract,
    lines: Sequence[CareLine],
    date_of_care: date,
    consumption: YearConsumption,
) -> Coverage:
    """The AMC share of each line, the totals, and the consumption the lines would add.

    Pure and deterministic: nothing is recorded; a simulation simply drops
    `consumption_added`, an invoice records it with the payment, atomically.
    """
    if consumption.year != date_of_care.year:
        raise InvalidInput("consumption must be of the year of care", field="consumption")
    if not lines:
        raise InvalidInput("a calculation needs at least one line", field="lines")
    guarantees = {g.category: g for g in contract.guarantees}
    running = _Running(before=consumption, added={})
    covered = tuple(
        _cover_line(contract, guarantees, line, date_of_care, running) for line in lines
    )
    totals = CoverageTotals(
        price_cents=sum(c.price_cents for c in covered),
        amo_paid_cents=sum(c.amo_paid_cents for c in covered),
        franchise_cents=sum(c.franchise_cents for c in covered),
        amc_cents=sum(c.amc_cents for c in covered),
        patient_cents=sum(c.patient_cents for c in covered),
    )
    added = YearConsumption(date_of_care.year, MappingProxyType(dict(running.added)))
    return Coverage(lines=covered, totals=totals, consumption_added=added)
