"""The contrat responsable checks: generated contracts comply, each rule of DOMAIN.md has
its violation with a stable code, and the refusal carries them all."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from rempart.kernel.errors import DomainError
from rempart.registry.domain import CareCategory, Contract, GuaranteeLine, RuleKind
from rempart.registry.generator import generate_france
from rempart.rights.responsible import (
    VIOLATION_LABELS,
    ResponsibleContractRefused,
    ResponsibleRules,
    Violation,
    ViolationCode,
    require_responsible_compliance,
    responsible_contract_violations,
)

C = CareCategory
K = RuleKind
V = ViolationCode


def pct(category: CareCategory, kind: RuleKind, rate_bp: int = 10_000) -> GuaranteeLine:
    return GuaranteeLine(category, kind, rate_bp=rate_bp)


COMPLIANT = (
    pct(C.PHARMACY_100, K.PERCENT_OF_BR),
    pct(C.PHARMACY_65, K.PERCENT_OF_TM),
    pct(C.GENERAL_PRACTITIONER, K.PERCENT_OF_BR, 20_000),
    pct(C.SPECIALIST, K.PERCENT_OF_BR),
    pct(C.LABORATORY, K.PERCENT_OF_BR),
    pct(C.RADIOLOGY, K.PERCENT_OF_TM),
    pct(C.HOSPITAL_STAY, K.PERCENT_OF_BR, 15_000),
    GuaranteeLine(C.HOSPITAL_DAILY_CHARGE, K.FIXED_PER_ACT, amount_cents=2_000),
    GuaranteeLine(C.OPTICAL_100_SANTE, K.PERCENT_OF_TM, rate_bp=10_000, renewal_months=24),
    pct(C.DENTAL_100_SANTE, K.PERCENT_OF_TM),
    GuaranteeLine(C.HEARING_100_SANTE, K.PERCENT_OF_TM, rate_bp=10_000, renewal_months=48),
    GuaranteeLine(C.FRANCHISE, K.EXCLUDED),
)


def responsible(*lines: GuaranteeLine) -> Contract:
    return Contract(code="RESP", label="Synthetic", responsible=True, guarantees=lines)


def with_line(new: GuaranteeLine) -> Contract:
    """The compliant contract with one category's line replaced (or added)."""
    kept = tuple(g for g in COMPLIANT if g.category is not new.category)
    return responsible(*kept, new)


def without(category: CareCategory) -> Contract:
    return responsible(*(g for g in COMPLIANT if g.category is not category))


def codes(contract: Contract) -> list[tuple[ViolationCode, CareCategory]]:
    return [(v.code, v.category) for v in responsible_contract_violations(contract)]


def test_a_compliant_contract_has_no_violation() -> None:
    assert responsible_contract_violations(responsible(*COMPLIANT)) == []
    require_responsible_compliance(responsible(*COMPLIANT))


def test_every_generated_responsible_contract_complies() -> None:
    france = generate_france(seed=7, beneficiaries=0, today=date(2026, 11, 28))
    checked = 0
    for insurer in france.insurers:
        for contract in insurer.contracts:
            assert responsible_contract_violations(contract) == [], contract.code
            checked += contract.responsible
    assert checked > 10


def test_a_contract_not_flagged_responsible_has_no_obligations() -> None:
    loose = Contract(code="LOOSE", label="x", responsible=False, guarantees=())
    assert responsible_contract_violations(loose) == []
    assert codes(replace(loose, responsible=True))  # the same lines, flagged: refused


@pytest.mark.parametrize("category", [C.PHARMACY_30, C.PHARMACY_15, C.OTHER, C.EXCESS_FEES])
def test_optional_categories_may_be_missing_or_excluded(category: CareCategory) -> None:
    assert codes(responsible(*COMPLIANT)) == []
    assert codes(with_line(GuaranteeLine(category, K.EXCLUDED))) == []


@pytest.mark.parametrize(
    "category",
    [
        C.PHARMACY_100,
        C.PHARMACY_65,
        C.GENERAL_PRACTITIONER,
        C.SPECIALIST,
        C.LABORATORY,
        C.RADIOLOGY,
        C.HOSPITAL_STAY,
    ],
)
def test_the_ticket_moderateur_on_the_care_pathway_is_mandatory(category: CareCategory) -> None:
    expected = [(V.TM_NOT_COVERED, category)]
    assert codes(without(category)) == expected
    assert codes(with_line(GuaranteeLine(category, K.EXCLUDED))) == expected
    assert codes(with_line(pct(category, K.PERCENT_OF_BR, 9_999))) == expected
    assert codes(with_line(pct(category, K.PERCENT_OF_TM, 8_000))) == expected
    fixed = GuaranteeLine(category, K.FIXED_PER_ACT, amount_cents=5_000)
    assert codes(with_line(fixed)) == expected
    capped = GuaranteeLine(category, K.PERCENT_OF_BR, rate_bp=30_000, yearly_ceiling_cents=100_000)
    assert codes(with_line(capped)) == expected
    renewed = GuaranteeLine(category, K.PERCENT_OF_TM, rate_bp=10_000, renewal_months=12)
    assert codes(with_line(renewed)) == expected


def test_the_hospital_daily_charge_is_mandatory_in_full() -> None:
    expected = [(V.DAILY_CHARGE_NOT_COVERED, C.HOSPITAL_DAILY_CHARGE)]
    assert codes(without(C.HOSPITAL_DAILY_CHARGE)) == expected
    short = GuaranteeLine(C.HOSPITAL_DAILY_CHARGE, K.FIXED_PER_ACT, amount_cents=1_500)
    assert codes(with_line(short)) == expected
    forfait = GuaranteeLine(C.HOSPITAL_DAILY_CHARGE, K.YEARLY_FORFAIT, amount_cents=50_000)
    assert codes(with_line(forfait)) == expected
    capped = GuaranteeLine(
        C.HOSPITAL_DAILY_CHARGE, K.FIXED_PER_ACT, amount_cents=2_000, yearly_ceiling_cents=60_000
    )
    assert codes(with_line(capped)) == expected
    assert codes(with_line(pct(C.HOSPITAL_DAILY_CHARGE, K.PERCENT_OF_TM))) == []
    assert codes(with_line(pct(C.HOSPITAL_DAILY_CHARGE, K.PERCENT_OF_BR))) == []


def test_the_daily_charge_amount_is_a_setting() -> None:
    raised = ResponsibleRules(daily_charge_cents=2_300)
    violations = responsible_contract_violations(responsible(*COMPLIANT), raised)
    assert [v.code for v in violations] == [V.DAILY_CHARGE_NOT_COVERED]
    assert "2300 cents a day" in violations[0].message


@pytest.mark.parametrize("category", [C.OPTICAL_100_SANTE, C.DENTAL_100_SANTE, C.HEARING_100_SANTE])
def test_the_100_sante_baskets_are_mandatory_in_full(category: CareCategory) -> None:
    expected = [(V.BASKET_NOT_COVERED, category)]
    assert codes(without(category)) == expected
    # A percentage of the base rate cannot reach a price far above it.
    assert codes(with_line(pct(category, K.PERCENT_OF_BR, 40_000))) == expected
    assert codes(with_line(pct(category, K.PERCENT_OF_TM, 9_000))) == expected
    capped = GuaranteeLine(category, K.PERCENT_OF_TM, rate_bp=10_000, yearly_ceiling_cents=50_000)
    assert codes(with_line(capped)) == expected


@pytest.mark.parametrize(
    ("category", "code"),
    [
        (C.FRANCHISE, V.COVERS_FRANCHISE),
        (C.PARTICIPATION_FORFAITAIRE, V.COVERS_PARTICIPATION),
        (C.OUT_OF_PATHWAY_PENALTY, V.COVERS_OUT_OF_PATHWAY),
    ],
)
def test_covering_what_the_amo_leaves_to_the_patient_is_forbidden(
    category: CareCategory, code: ViolationCode
) -> None:
    assert codes(with_line(GuaranteeLine(category, K.EXCLUDED))) == []
    for covering in (
        pct(category, K.PERCENT_OF_TM),
        GuaranteeLine(category, K.FIXED_PER_ACT, amount_cents=100),
        GuaranteeLine(category, K.YEARLY_FORFAIT, amount_cents=5_000),
    ):
        assert codes(with_line(covering)) == [(code, category)]


def test_all_violations_are_listed_in_category_order() -> None:
    bad = responsible(
        GuaranteeLine(C.FRANCHISE, K.FIXED_PER_ACT, amount_cents=100),
        pct(C.GENERAL_PRACTITIONER, K.PERCENT_OF_BR, 8_000),
    )
    found = codes(bad)
    assert found[0] == (V.TM_NOT_COVERED, C.PHARMACY_100)
    assert (V.TM_NOT_COVERED, C.GENERAL_PRACTITIONER) in found
    assert (V.DAILY_CHARGE_NOT_COVERED, C.HOSPITAL_DAILY_CHARGE) in found
    assert found[-1] == (V.COVERS_FRANCHISE, C.FRANCHISE)
    assert len(found) == 12  # 7 pathway categories, the daily charge, 3 baskets, franchise
    messages = [v.message for v in responsible_contract_violations(bad)]
    assert "general_practitioner: pays 80% BR (needs 100% BR or 100% TM)" in messages
    assert "franchise: is covered (fixed_per_act of 100 cents)" in messages


def test_the_refusal_carries_every_violation() -> None:
    bad = without(C.SPECIALIST)
    with pytest.raises(ResponsibleContractRefused) as refused:
        require_responsible_compliance(bad)
    error = refused.value
    assert isinstance(error, DomainError)
    assert error.code == "responsible-contract-violated"
    assert error.field == "guarantees"
    assert error.violations == (
        Violation(
            V.TM_NOT_COVERED,
            C.SPECIALIST,
            "specialist: has no guarantee (needs 100% BR or 100% TM)",
        ),
    )
    assert "RESP-TM-NOT-COVERED" in error.message


def test_every_violation_code_is_stable_and_labelled_in_both_languages() -> None:
    assert set(VIOLATION_LABELS) == set(ViolationCode)
    for code, (french, english) in VIOLATION_LABELS.items():
        assert code.value.startswith("RESP-")
        assert french
        assert english
    violation = Violation(V.COVERS_FRANCHISE, C.FRANCHISE, "x")
    assert violation.label_fr == "Le contrat couvre les franchises médicales"
