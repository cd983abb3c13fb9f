"""The contrat responsable rules, pure: what a contract flagged responsible must and must
not cover (DOMAIN.md), checked on its guarantee lines.

It must cover the whole ticket modérateur on the care pathway (15% and 30% drugs,
homeopathy and thermal cures are optional), the hospital daily charge and the 100% Santé
baskets; it must not cover franchises, participations forfaitaires or the out-of-pathway
penalty. Whatever the law fixes as a figure or a list and may change (the daily charge,
which categories carry the ticket-modérateur obligation) is in `ResponsibleRules`.

A service creating or changing a contract calls `require_responsible_compliance`, which
refuses with every violation at once, so an insurer fixes its catalogue in one pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from rempart.kernel.errors import DomainError
from rempart.registry.domain import CareCategory, Contract, GuaranteeLine, RuleKind
from rempart.rights.domain import BASIS_POINTS, BASKETS_100_SANTE

__all__ = [
    "DEFAULT_RULES",
    "VIOLATION_LABELS",
    "ResponsibleContractRefused",
    "ResponsibleRules",
    "Violation",
    "ViolationCode",
    "require_responsible_compliance",
    "responsible_contract_violations",
]


class ViolationCode(StrEnum):
    """Why a contract cannot be responsible. Stable: insurers' tools match on them."""

    TM_NOT_COVERED = "RESP-TM-NOT-COVERED"
    DAILY_CHARGE_NOT_COVERED = "RESP-DAILY-CHARGE-NOT-COVERED"
    BASKET_NOT_COVERED = "RESP-BASKET-NOT-COVERED"
    COVERS_FRANCHISE = "RESP-COVERS-FRANCHISE"
    COVERS_PARTICIPATION = "RESP-COVERS-PARTICIPATION"
    COVERS_OUT_OF_PATHWAY = "RESP-COVERS-OUT-OF-PATHWAY"


VIOLATION_LABELS: Mapping[ViolationCode, tuple[str, str]] = MappingProxyType(
    {  # (French, English)
        ViolationCode.TM_NOT_COVERED: (
            "Le ticket modérateur du parcours de soins n'est pas couvert en totalité",
            "The ticket modérateur on the care pathway is not wholly covered",
        ),
        ViolationCode.DAILY_CHARGE_NOT_COVERED: (
            "Le forfait journalier hospitalier n'est pas couvert en totalité",
            "The hospital daily charge is not wholly covered",
        ),
        ViolationCode.BASKET_NOT_COVERED: (
            "Un panier 100 % Santé n'est pas couvert en totalité",
            "A 100% Santé basket is not wholly covered",
        ),
        ViolationCode.COVERS_FRANCHISE: (
            "Le contrat couvre les franchises médicales",
            "The contract covers franchises",
        ),
        ViolationCode.COVERS_PARTICIPATION: (
            "Le contrat couvre la participation forfaitaire",
            "The contract covers the participation forfaitaire",
        ),
        ViolationCode.COVERS_OUT_OF_PATHWAY: (
            "Le contrat couvre la majoration hors parcours de soins",
            "The contract covers the out-of-pathway penalty",
        ),
    }
)


@dataclass(frozen=True, slots=True)
class Violation:
    code: ViolationCode
    category: CareCategory
    message: str  # English, names the category and what is wrong; no personal data

    @property
    def label_fr(self) -> str:
        return VIOLATION_LABELS[self.code][0]


@dataclass(frozen=True, slots=True)
class ResponsibleRules:
    """The figures and lists the law sets and may change.

    `tm_categories`: where the whole ticket modérateur must be covered. The default is the
    care pathway as priced on the base rate. Free-price optics, dental prostheses, hearing
    aids outside the baskets and excess fees have minimums and maximums of their own that
    DOMAIN.md does not state, so they are left out until those rules are specified.
    `daily_charge_cents`: the hospital daily charge a fixed-per-day guarantee must reach.
    """

    tm_categories: frozenset[CareCategory] = frozenset(
        {
            CareCategory.PHARMACY_100,
            CareCategory.PHARMACY_65,
            CareCategory.GENERAL_PRACTITIONER,
            CareCategory.SPECIALIST,
            CareCategory.LABORATORY,
            CareCategory.RADIOLOGY,
            CareCategory.HOSPITAL_STAY,
        }
    )
    daily_charge_cents: int = 2_000
    baskets: frozenset[CareCategory] = field(default=BASKETS_100_SANTE)


DEFAULT_RULES = ResponsibleRules()

_NOT_TO_COVER: Mapping[CareCategory, ViolationCode] = MappingProxyType(
    {
        CareCategory.FRANCHISE: ViolationCode.COVERS_FRANCHISE,
        CareCategory.PARTICIPATION_FORFAITAIRE: ViolationCode.COVERS_PARTICIPATION,
        CareCategory.OUT_OF_PATHWAY_PENALTY: ViolationCode.COVERS_OUT_OF_PATHWAY,
    }
)


def _percent(rate_bp: int | None) -> str:
    whole, hundredths = divmod(rate_bp or 0, 100)
    return f"{whole}.{hundredths:02d}".rstrip("0").rstrip(".") + "%"


def _shortfall(guarantee: GuaranteeLine | None, *, accepted: str, pays_in_full: bool) -> str | None:
    """Why a line that must pay its whole share does not, or None when it does."""
    if guarantee is None:
        return f"has no guarantee (needs {accepted})"
    if guarantee.kind is RuleKind.EXCLUDED:
        return f"is excluded (needs {accepted})"
    if not pays_in_full:
        return f"pays {_describe(guarantee)} (needs {accepted})"
    if guarantee.yearly_ceiling_cents is not None:
        return "has a yearly ceiling, past which it stops covering"
    return None


def _describe(guarantee: GuaranteeLine) -> str:
    if guarantee.kind is RuleKind.PERCENT_OF_BR:
        return f"{_percent(guarantee.rate_bp)} BR"
    if guarantee.kind is RuleKind.PERCENT_OF_TM:
        return f"{_percent(guarantee.rate_bp)} TM"
    return f"{guarantee.kind} of {guarantee.amount_cents} cents"


def _is_percentage_from_100(guarantee: GuaranteeLine, *kinds: RuleKind) -> bool:
    return guarantee.kind in kinds and (guarantee.rate_bp or 0) >= BASIS_POINTS


def responsible_contract_violations(
    contract: Contract, rules: ResponsibleRules = DEFAULT_RULES
) -> list[Violation]:
    """Every way `contract` breaks the contrat responsable rules, in a stable order
    (category order of `CareCategory`). Empty when it complies or is not flagged
    responsible (a non-responsible contract has no such obligations)."""
    if not contract.responsible:
        return []
    guarantees = {g.category: g for g in contract.guarantees}
    violations: list[Violation] = []
    for category in CareCategory:
        guarantee = guarantees.get(category)
        problem: str | None = None
        code: ViolationCode | None = None
        if category in rules.tm_categories:
            code = ViolationCode.TM_NOT_COVERED
            # A renewal period would also leave acts uncovered on the care pathway.
            full = guarantee is not None and _is_percentage_from_100(
                guarantee, RuleKind.PERCENT_OF_BR, RuleKind.PERCENT_OF_TM
            )
            problem = _shortfall(guarantee, accepted="100% BR or 100% TM", pays_in_full=full)
            if problem is None and guarantee is not None and guarantee.renewal_months:
                problem = "has a renewal period, within which acts go uncovered"
        elif category is CareCategory.HOSPITAL_DAILY_CHARGE:
            code = ViolationCode.DAILY_CHARGE_NOT_COVERED
            full = guarantee is not None and (
                _is_percentage_from_100(guarantee, RuleKind.PERCENT_OF_BR, RuleKind.PERCENT_OF_TM)
                or (
                    guarantee.kind is RuleKind.FIXED_PER_ACT
                    and (guarantee.amount_cents or 0) >= rules.daily_charge_cents
                )
            )
            accepted = f"100% of it or {rules.daily_charge_cents} cents a day, without limit"
            problem = _shortfall(guarantee, accepted=accepted, pays_in_full=full)
            if problem is None and guarantee is not None and guarantee.renewal_months:
                problem = "has a renewal period; the daily charge is due without limit"
        elif category in rules.baskets:
            # Regulated renewal periods (optics, hearing) are allowed on a basket.
            code = ViolationCode.BASKET_NOT_COVERED
            full = guarantee is not None and _is_percentage_from_100(
                guarantee, RuleKind.PERCENT_OF_TM
            )
            problem = _shortfall(
                guarantee, accepted="100% TM, the whole remainder", pays_in_full=full
            )
        forbidden_code = _NOT_TO_COVER.get(category)
        if forbidden_code and guarantee is not None and guarantee.kind is not RuleKind.EXCLUDED:
            code, problem = forbidden_code, f"is covered ({_describe(guarantee)})"
        if code is not None and problem is not None:
            violations.append(Violation(code, category, f"{category}: {problem}"))
    return violations


class ResponsibleContractRefused(DomainError):
    """A contract flagged responsible breaks the rules: the change is refused whole."""

    code = "responsible-contract-violated"
    title = "The contract breaks the contrat responsable rules"

    def __init__(self, contract_code: str, violations: list[Violation]) -> None:
        codes = ", ".join(sorted({v.code.value for v in violations}))
        super().__init__(
            f"contract {contract_code} is flagged responsible but breaks {codes}",
            field="guarantees",
        )
        self.violations = tuple(violations)


def require_responsible_compliance(
    contract: Contract, rules: ResponsibleRules = DEFAULT_RULES
) -> None:
    """Raise `ResponsibleContractRefused` listing every violation, if there is any."""
    violations = responsible_contract_violations(contract, rules)
    if violations:
        raise ResponsibleContractRefused(contract.code, violations)
