"""The coverage vocabulary: the rounding rule, renewal dates, care lines, consumption,
the rule codes, and the rights domain's purity."""

from __future__ import annotations

import ast
import sys
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rempart.rights
from rempart.kernel.errors import InvalidInput
from rempart.registry.domain import CareCategory
from rempart.rights.domain import (
    COVERAGE_RULE_LABELS,
    NOT_CARE,
    CareLine,
    CategoryConsumption,
    CoverageRule,
    Exoneration,
    YearConsumption,
    add_months,
    apply_rate,
)


@pytest.mark.parametrize(
    ("amount", "rate_bp", "expected"),
    [
        (1000, 6500, 650),  # exact
        (333, 15000, 500),  # 499.5 -> 500: a half cent goes up
        (1, 5000, 1),  # 0.5 -> 1 (half-even would give 0)
        (3, 5000, 2),  # 1.5 -> 2
        (5, 5000, 3),  # 2.5 -> 3 (half-even would give 2)
        (1311, 6500, 852),  # 852.15 -> 852
        (437, 3333, 146),  # 145.6521 -> 146
        (0, 30000, 0),
        (12345, 0, 0),
    ],
)
def test_apply_rate_rounds_half_up_to_the_cent(amount: int, rate_bp: int, expected: int) -> None:
    assert apply_rate(amount, rate_bp) == expected


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**9), st.integers(0, 100_000))
def test_apply_rate_matches_decimal_half_up(amount: int, rate_bp: int) -> None:
    exact = Decimal(amount) * Decimal(rate_bp) / Decimal(10_000)
    assert apply_rate(amount, rate_bp) == int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_apply_rate_refuses_negative_values() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        apply_rate(-1, 5000)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2024, 3, 15), 24, date(2026, 3, 15)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year end of month
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2022, 2, 28), 48, date(2026, 2, 28)),
        (date(2025, 12, 1), 1, date(2026, 1, 1)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def _line(**overrides: object) -> CareLine:
    values: dict[str, object] = {
        "category": CareCategory.PHARMACY_65,
        "code": "3400930000001",
        "quantity": 1,
        "unit_price_cents": 1000,
        "unit_br_cents": 1000,
        "amo_rate_bp": 6500,
        "amo_cents": 650,
        "franchise_cents": 100,
    }
    values.update(overrides)
    return CareLine(**values)  # type: ignore[arg-type]


def test_a_line_multiplies_unit_amounts_by_quantity() -> None:
    line = _line(quantity=3, amo_cents=1950)
    assert (line.price_cents, line.br_cents) == (3000, 3000)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": CareCategory.FRANCHISE}, "category"),
        ({"code": ""}, "code"),
        ({"code": "x" * 21}, "code"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": 1000}, "quantity"),
        ({"unit_price_cents": -1}, "unit_price_cents"),
        ({"unit_br_cents": 200_000_000}, "unit_br_cents"),
        ({"amo_rate_bp": 10_001}, "amo_rate_bp"),
        ({"amo_cents": 1001}, "amo_cents"),  # more than the base rate
        ({"unit_price_cents": 600}, "amo_cents"),  # more than the price
        ({"franchise_cents": 651}, "franchise_cents"),
        ({"franchise_cents": -1}, "franchise_cents"),
        ({"out_of_pathway_penalty_cents": 351}, "out_of_pathway_penalty_cents"),
        ({"amo_rate_bp": 3000}, "amo_rate_bp"),  # a 65% drug category at 30%
        ({"exoneration": Exoneration.ALD}, "amo_rate_bp"),  # ALD means 100%
        (
            {
                "exoneration": Exoneration.MATERNITY,
                "amo_rate_bp": 10_000,
                "amo_cents": 1000,
            },
            "franchise_cents",
        ),
    ],
)
def test_inconsistent_lines_are_refused_naming_the_field(
    overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        _line(**overrides)
    assert refused.value.field == field


def test_an_ald_line_may_carry_a_drug_category_at_100_percent() -> None:
    line = _line(exoneration=Exoneration.ALD, amo_rate_bp=10_000, amo_cents=1000)
    assert line.exoneration is Exoneration.ALD


def test_not_care_categories_are_the_three_the_amo_leaves_to_the_patient() -> None:
    assert {
        CareCategory.FRANCHISE,
        CareCategory.PARTICIPATION_FORFAITAIRE,
        CareCategory.OUT_OF_PATHWAY_PENALTY,
    } == NOT_CARE


def test_consumption_adds_amounts_and_keeps_the_latest_renewal() -> None:
    before = YearConsumption(
        2026,
        {
            CareCategory.OPTICAL_FREE_PRICE: CategoryConsumption(5000, 1, date(2024, 5, 2)),
            CareCategory.SPECIALIST: CategoryConsumption(800, 2),
        },
    )
    added = YearConsumption(
        2026,
        {
            CareCategory.OPTICAL_FREE_PRICE: CategoryConsumption(7000, 2, date(2026, 6, 1)),
            CareCategory.LABORATORY: CategoryConsumption(300, 1),
        },
    )
    after = before.plus(added)
    assert after.of(CareCategory.OPTICAL_FREE_PRICE) == CategoryConsumption(
        12000, 3, date(2026, 6, 1)
    )
    assert after.of(CareCategory.SPECIALIST) == CategoryConsumption(800, 2)
    assert after.of(CareCategory.LABORATORY) == CategoryConsumption(300, 1)
    assert after.of(CareCategory.RADIOLOGY) == CategoryConsumption()
    with pytest.raises(InvalidInput):
        before.plus(YearConsumption(2025))
    with pytest.raises(InvalidInput):
        CategoryConsumption(amc_cents=-1)


def test_every_rule_code_is_stable_and_labelled_in_both_languages() -> None:
    assert set(COVERAGE_RULE_LABELS) == set(CoverageRule)
    for rule, (french, english) in COVERAGE_RULE_LABELS.items():
        assert rule.value.startswith("COV-")
        assert french
        assert english
    # Codes are cited by software and remittance advice: renaming one breaks them.
    assert CoverageRule.YEARLY_CEILING.value == "COV-YEARLY-CEILING"
    assert CoverageRule.RENEWAL_PERIOD.value == "COV-RENEWAL-PERIOD"


ALLOWED_PREFIXES = ("rempart.kernel", "rempart.registry.domain", "rempart.rights.")


def test_the_rights_domain_imports_only_the_standard_library_kernel_and_registry_domain() -> None:
    package = Path(rempart.rights.__file__).parent
    offenders = []
    for name in ("domain.py", "calculation.py", "responsible.py"):
        tree = ast.parse((package / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            imported: list[str] = []
            if isinstance(node, ast.Import):
                imported = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported = [node.module]
            for module in imported:
                top = module.split(".")[0]
                if top == "__future__" or top in sys.stdlib_module_names:
                    continue
                if not module.startswith(ALLOWED_PREFIXES):
                    offenders.append(f"{name}: {module}")
    assert offenders == []
