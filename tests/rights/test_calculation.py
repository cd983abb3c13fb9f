"""The coverage calculation: DOMAIN.md's worked examples and realistic ones to the cent,
then the invariants under Hypothesis."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rempart.kernel.errors import InvalidInput
from rempart.registry.domain import CareCategory, Contract, GuaranteeLine, RuleKind
from rempart.registry.generator import generate_france
from rempart.rights.calculation import Coverage, calculate_coverage
from rempart.rights.domain import (
    NOT_CARE,
    PHARMACY_AMO_RATE_BP,
    CareLine,
    CategoryConsumption,
    CoverageRule,
    Exoneration,
    YearConsumption,
    add_months,
    apply_rate,
)

C = CareCategory
K = RuleKind
CARE_DAY = date(2026, 11, 28)
NOTHING_YET = YearConsumption(2026)


def contract(*lines: GuaranteeLine, responsible: bool = True) -> Contract:
    return Contract(code="TEST", label="Synthetic", responsible=responsible, guarantees=lines)


def pct_br(category: CareCategory, rate_bp: int, **limits: int) -> GuaranteeLine:
    return GuaranteeLine(category, K.PERCENT_OF_BR, rate_bp=rate_bp, **limits)  # type: ignore[arg-type]


def pct_tm(category: CareCategory, rate_bp: int = 10_000, **limits: int) -> GuaranteeLine:
    return GuaranteeLine(category, K.PERCENT_OF_TM, rate_bp=rate_bp, **limits)  # type: ignore[arg-type]


def fixed(category: CareCategory, amount: int, **limits: int) -> GuaranteeLine:
    return GuaranteeLine(category, K.FIXED_PER_ACT, amount_cents=amount, **limits)  # type: ignore[arg-type]


def line(
    category: CareCategory,
    *,
    price: int,
    br: int,
    rate: int,
    amo: int | None = None,
    quantity: int = 1,
    franchise: int = 0,
    code: str = "ACT",
    exoneration: Exoneration = Exoneration.NONE,
    penalty: int = 0,
) -> CareLine:
    return CareLine(
        category=category,
        code=code,
        quantity=quantity,
        unit_price_cents=price,
        unit_br_cents=br,
        amo_rate_bp=rate,
        amo_cents=apply_rate(br * quantity, rate) if amo is None else amo,
        franchise_cents=franchise,
        exoneration=exoneration,
        out_of_pathway_penalty_cents=penalty,
    )


def calc(
    terms: Contract,
    *lines: CareLine,
    consumption: YearConsumption = NOTHING_YET,
    day: date = CARE_DAY,
) -> Coverage:
    return calculate_coverage(
        contract=terms, lines=lines, date_of_care=day, consumption=consumption
    )


def shares(result: Coverage, index: int = 0) -> tuple[int, int, int, CoverageRule]:
    covered = result.lines[index]
    return covered.amo_paid_cents, covered.amc_cents, covered.patient_cents, covered.rule


# --- DOMAIN.md's worked examples -----------------------------------------------------------


def test_domain_example_65_percent_drug_with_franchise() -> None:
    """BR 10.00, one box: AMO 6.50, TM 3.50, a responsible 100% BR contract pays 3.50, the
    EUR 1 franchise stays with the patient (deducted by the AMO)."""
    drug = line(C.PHARMACY_65, price=1000, br=1000, rate=6500, franchise=100, code="3400930000001")
    assert drug.amo_cents == 650
    result = calc(contract(pct_br(C.PHARMACY_65, 10_000)), drug)
    assert shares(result) == (550, 350, 100, CoverageRule.PERCENT_OF_BR)
    assert result.lines[0].franchise_cents == 100
    assert result.totals.amo_paid_cents + result.totals.amc_cents + 100 == 1000


def test_domain_example_ald_exoneration_leaves_nothing_to_the_amc() -> None:
    """ALD: AMO 100%, AMC 0 (the franchise still applies and stays with the patient)."""
    drug = line(
        C.PHARMACY_65, price=1000, br=1000, rate=10_000, franchise=100, exoneration=Exoneration.ALD
    )
    result = calc(contract(pct_br(C.PHARMACY_65, 15_000)), drug)
    assert shares(result) == (900, 0, 100, CoverageRule.NO_REMAINDER)
    assert "ald" in result.lines[0].reason


def test_domain_example_price_above_br_leaves_the_rest_to_the_patient() -> None:
    """Excess fees: the AMC pays up to its guarantee, the rest is the patient's."""
    consult = line(C.SPECIALIST, price=6000, br=3000, rate=7000, franchise=200)  # AMO 21.00
    at_150 = calc(contract(pct_br(C.SPECIALIST, 15_000)), consult)
    # 150% x 30.00 = 45.00, less AMO 21.00 = 24.00; patient 60 - 19 - 24 = 17.00
    assert shares(at_150) == (1900, 2400, 1700, CoverageRule.PERCENT_OF_BR)
    at_300 = calc(contract(pct_br(C.SPECIALIST, 30_000)), consult)
    # 300% would be 69.00; only 39.00 remains after the AMO: the patient keeps the 2.00
    assert shares(at_300) == (1900, 3900, 200, CoverageRule.CAPPED_AT_REMAINDER)


def test_domain_example_200_percent_br_includes_the_amo_share() -> None:
    consult = line(C.GENERAL_PRACTITIONER, price=5000, br=3000, rate=7000)
    result = calc(contract(pct_br(C.GENERAL_PRACTITIONER, 20_000)), consult)
    assert shares(result) == (2100, 2900, 0, CoverageRule.CAPPED_AT_REMAINDER)  # 60-21 > 29
    consult = line(C.GENERAL_PRACTITIONER, price=8000, br=3000, rate=7000)
    result = calc(contract(pct_br(C.GENERAL_PRACTITIONER, 20_000)), consult)
    assert shares(result) == (2100, 3900, 2000, CoverageRule.PERCENT_OF_BR)


# --- Realistic examples (synthetic) ----------------------------------------------------


def test_prescription_at_65_percent_three_boxes_with_franchises() -> None:
    boxes = line(C.PHARMACY_65, price=437, br=437, rate=6500, quantity=3, franchise=300)
    assert boxes.amo_cents == 852  # 65% of 13.11 = 8.5215
    result = calc(contract(pct_br(C.PHARMACY_65, 10_000)), boxes)
    assert shares(result) == (552, 459, 300, CoverageRule.PERCENT_OF_BR)


def test_a_prescription_mixing_rates_excluded_and_uncovered_lines() -> None:
    terms = contract(
        pct_br(C.PHARMACY_100, 10_000),
        pct_br(C.PHARMACY_65, 10_000),
        pct_tm(C.PHARMACY_30),
        GuaranteeLine(C.PHARMACY_15, K.EXCLUDED),
    )
    result = calc(
        terms,
        line(C.PHARMACY_100, price=12000, br=12000, rate=10_000, franchise=100),
        line(C.PHARMACY_65, price=520, br=520, rate=6500, franchise=100),
        line(C.PHARMACY_30, price=310, br=310, rate=3000, franchise=93),
        line(C.PHARMACY_15, price=500, br=500, rate=1500, franchise=75),
        line(C.OTHER, price=900, br=0, rate=0),
    )
    assert [shares(result, i) for i in range(5)] == [
        (11900, 0, 100, CoverageRule.NO_REMAINDER),
        (238, 182, 100, CoverageRule.PERCENT_OF_BR),
        (0, 217, 93, CoverageRule.PERCENT_OF_TM),  # AMO 0.93 all deducted as franchise
        (0, 0, 500, CoverageRule.EXCLUDED),
        (0, 0, 900, CoverageRule.NOT_COVERED),
    ]
    totals = result.totals
    assert totals.price_cents == 14230
    assert totals.amc_cents == 399
    assert totals.franchise_cents == 368
    assert totals.amo_paid_cents + totals.amc_cents + totals.patient_cents == 14230


def test_rounding_happens_once_per_line_half_up() -> None:
    # 150% of 3.33 = 4.995 -> 5.00; AMO 70% of 3.33 = 2.331 -> 2.33 (the AMO's figure)
    act = line(C.LABORATORY, price=333, br=333, rate=7000)
    assert act.amo_cents == 233
    result = calc(contract(pct_br(C.LABORATORY, 15_000)), act)
    assert shares(result) == (233, 100, 0, CoverageRule.CAPPED_AT_REMAINDER)
    # 50% of a 0.01 TM is half a cent: it goes up to 0.01
    result = calc(contract(pct_tm(C.LABORATORY, 5000)), line(C.LABORATORY, price=1, br=1, rate=0))
    assert shares(result) == (0, 1, 0, CoverageRule.PERCENT_OF_TM)
    # 50% of a 0.03 TM is 1.5 cents -> 2 (half-even would also give 2; 2.5 -> 3 would not)
    result = calc(contract(pct_tm(C.LABORATORY, 5000)), line(C.LABORATORY, price=5, br=5, rate=0))
    assert shares(result) == (0, 3, 2, CoverageRule.PERCENT_OF_TM)


def test_optical_100_sante_basket_pays_the_whole_remainder() -> None:
    terms = contract(pct_tm(C.OPTICAL_100_SANTE, renewal_months=24))
    frame = line(C.OPTICAL_100_SANTE, price=3000, br=900, rate=6000, code="2210546")
    lenses = line(C.OPTICAL_100_SANTE, price=4500, br=1350, rate=6000, quantity=2, code="2242457")
    result = calc(terms, frame, lenses)
    assert shares(result, 0) == (540, 2460, 0, CoverageRule.BASKET_100_SANTE)
    assert shares(result, 1) == (1620, 7380, 0, CoverageRule.BASKET_100_SANTE)
    added = result.consumption_added.of(C.OPTICAL_100_SANTE)
    assert added == CategoryConsumption(amc_cents=9840, acts=3, last_renewal=CARE_DAY)


def test_optical_renewal_period_refuses_a_second_pair_too_soon() -> None:
    terms = contract(pct_tm(C.OPTICAL_100_SANTE, renewal_months=24))
    frame = line(C.OPTICAL_100_SANTE, price=3000, br=900, rate=6000)
    last = YearConsumption(
        2026, {C.OPTICAL_100_SANTE: CategoryConsumption(0, 0, date(2024, 11, 29))}
    )
    too_soon = calc(terms, frame, consumption=last)
    assert shares(too_soon) == (540, 0, 2460, CoverageRule.RENEWAL_PERIOD)
    assert "2026-11-29" in too_soon.lines[0].reason
    assert too_soon.consumption_added.by_category == {}
    on_the_day = calc(terms, frame, consumption=last, day=date(2026, 11, 29))
    assert shares(on_the_day) == (540, 2460, 0, CoverageRule.BASKET_100_SANTE)


def test_free_price_frames_under_a_yearly_forfait() -> None:
    forfait = GuaranteeLine(
        C.OPTICAL_FREE_PRICE,
        K.YEARLY_FORFAIT,
        amount_cents=15_000,
        yearly_ceiling_cents=15_000,
        renewal_months=24,
    )
    frame = line(C.OPTICAL_FREE_PRICE, price=18_000, br=5, rate=6000)  # class B: BR 0.05
    lens = line(C.OPTICAL_FREE_PRICE, price=9_000, br=5, rate=6000, quantity=2)
    result = calc(contract(forfait), frame, lens)
    assert shares(result, 0) == (3, 15_000, 2_997, CoverageRule.YEARLY_FORFAIT)
    assert shares(result, 1) == (6, 0, 17_994, CoverageRule.FORFAIT_USED_UP)
    assert result.consumption_added.of(C.OPTICAL_FREE_PRICE) == CategoryConsumption(
        15_000, 1, CARE_DAY
    )


def test_free_price_optics_per_item_with_a_yearly_ceiling() -> None:
    per_item = fixed(C.OPTICAL_FREE_PRICE, 7_500, yearly_ceiling_cents=15_000, renewal_months=24)
    frame = line(C.OPTICAL_FREE_PRICE, price=18_000, br=5, rate=6000)
    lens = line(C.OPTICAL_FREE_PRICE, price=9_000, br=5, rate=6000)
    result = calc(contract(per_item), frame, lens, lens)
    assert [shares(result, i)[1:] for i in range(3)] == [
        (7_500, 10_497, CoverageRule.FIXED_PER_ACT),
        (7_500, 1_497, CoverageRule.FIXED_PER_ACT),
        (0, 8_997, CoverageRule.YEARLY_CEILING),
    ]


def test_dental_prosthesis_meets_the_yearly_ceiling() -> None:
    crown = line(C.DENTAL_PROSTHESIS, price=55_000, br=12_000, rate=7000, code="HBLD634")
    terms = contract(fixed(C.DENTAL_PROSTHESIS, 20_000, yearly_ceiling_cents=80_000))
    fresh = calc(terms, crown)
    assert shares(fresh) == (8_400, 20_000, 26_600, CoverageRule.FIXED_PER_ACT)
    spent = YearConsumption(2026, {C.DENTAL_PROSTHESIS: CategoryConsumption(70_000, 3)})
    late = calc(terms, crown, consumption=spent)
    assert shares(late) == (8_400, 10_000, 36_600, CoverageRule.YEARLY_CEILING)
    assert "EUR 100.00 left of EUR 800.00" in late.lines[0].reason
    exhausted = YearConsumption(2026, {C.DENTAL_PROSTHESIS: CategoryConsumption(80_000, 4)})
    assert shares(calc(terms, crown, consumption=exhausted))[1:] == (
        0,
        46_600,
        CoverageRule.YEARLY_CEILING,
    )


def test_dental_100_sante_crown_costs_the_patient_nothing() -> None:
    crown = line(C.DENTAL_100_SANTE, price=50_000, br=12_000, rate=7000)
    result = calc(contract(pct_tm(C.DENTAL_100_SANTE)), crown)
    assert shares(result) == (8_400, 41_600, 0, CoverageRule.BASKET_100_SANTE)


def test_hearing_free_price_versus_basket() -> None:
    terms = contract(
        pct_tm(C.HEARING_100_SANTE, renewal_months=48),
        fixed(C.HEARING_FREE_PRICE, 50_000, yearly_ceiling_cents=100_000, renewal_months=48),
    )
    basket = line(C.HEARING_100_SANTE, price=95_000, br=40_000, rate=6000)
    free = line(C.HEARING_FREE_PRICE, price=150_000, br=40_000, rate=6000)
    result = calc(terms, basket, free)
    assert shares(result, 0) == (24_000, 71_000, 0, CoverageRule.BASKET_100_SANTE)
    assert shares(result, 1) == (24_000, 50_000, 76_000, CoverageRule.FIXED_PER_ACT)


def test_hospital_daily_charge_per_day() -> None:
    # The daily charge is not reimbursed by the AMO: price = base = the charge, rate 0.
    days = line(C.HOSPITAL_DAILY_CHARGE, price=2_000, br=2_000, rate=0, quantity=3)
    result = calc(contract(fixed(C.HOSPITAL_DAILY_CHARGE, 2_000)), days)
    assert shares(result) == (0, 6_000, 0, CoverageRule.FIXED_PER_ACT)
    capped = calc(contract(fixed(C.HOSPITAL_DAILY_CHARGE, 2_500)), days)
    assert shares(capped) == (0, 6_000, 0, CoverageRule.CAPPED_AT_REMAINDER)


def test_hospital_stay_at_maternity_rate() -> None:
    stay = line(
        C.HOSPITAL_STAY,
        price=250_000,
        br=200_000,
        rate=10_000,
        exoneration=Exoneration.MATERNITY,
    )
    result = calc(contract(pct_br(C.HOSPITAL_STAY, 15_000)), stay)
    # 150% of 2,000.00 = 3,000.00, less the AMO's 2,000.00 = 1,000.00 > the 500.00 left
    assert shares(result) == (200_000, 50_000, 0, CoverageRule.CAPPED_AT_REMAINDER)


def test_excess_fees_sent_as_their_own_line() -> None:
    """A specialist at 30.00 + 25.00 excess, sent as two lines, gets what one line gets."""
    terms = contract(pct_br(C.SPECIALIST, 10_000), pct_br(C.EXCESS_FEES, 5_000))
    act = line(C.SPECIALIST, price=3000, br=3000, rate=7000, franchise=200)
    excess = line(C.EXCESS_FEES, price=2500, br=3000, rate=0)
    result = calc(terms, act, excess)
    assert shares(result, 0) == (1900, 900, 200, CoverageRule.PERCENT_OF_BR)
    assert shares(result, 1) == (0, 1500, 1000, CoverageRule.PERCENT_OF_BR)
    whole = calc(
        contract(pct_br(C.SPECIALIST, 15_000)),
        line(C.SPECIALIST, price=5500, br=3000, rate=7000, franchise=200),
    )
    assert whole.totals == result.totals


def test_out_of_pathway_penalty_stays_with_the_patient_under_a_responsible_contract() -> None:
    # Outside the care pathway the AMO pays 30% instead of 70%: 12.00 more TM.
    consult = line(
        C.GENERAL_PRACTITIONER, price=3000, br=3000, rate=3000, franchise=200, penalty=1200
    )
    guarantee = pct_br(C.GENERAL_PRACTITIONER, 10_000)
    responsible = calc(contract(guarantee), consult)
    assert shares(responsible) == (700, 900, 1400, CoverageRule.CAPPED_AT_REMAINDER)
    other = calc(contract(guarantee, responsible=False), consult)
    assert shares(other) == (700, 2100, 200, CoverageRule.PERCENT_OF_BR)


def test_a_guarantee_below_the_amo_share_pays_nothing() -> None:
    drug = line(C.PHARMACY_65, price=1000, br=1000, rate=6500)
    result = calc(contract(pct_br(C.PHARMACY_65, 5_000)), drug)
    assert shares(result) == (650, 0, 350, CoverageRule.PERCENT_OF_BR)
    assert result.consumption_added.by_category == {}


def test_ceilings_hold_across_lines_of_one_calculation() -> None:
    terms = contract(pct_br(C.RADIOLOGY, 30_000, yearly_ceiling_cents=5_000))
    scan = line(C.RADIOLOGY, price=8_000, br=2_500, rate=7000)
    result = calc(terms, scan, scan, scan)
    assert [c.amc_cents for c in result.lines] == [5_000, 0, 0]
    assert [c.rule for c in result.lines] == [
        CoverageRule.YEARLY_CEILING,
        CoverageRule.YEARLY_CEILING,
        CoverageRule.YEARLY_CEILING,
    ]


def test_bad_calculations_are_refused() -> None:
    drug = line(C.PHARMACY_65, price=1000, br=1000, rate=6500)
    with pytest.raises(InvalidInput) as refused:
        calc(contract(), drug, consumption=YearConsumption(2025))
    assert refused.value.field == "consumption"
    with pytest.raises(InvalidInput) as refused:
        calc(contract())
    assert refused.value.field == "lines"


def test_every_generated_contract_calculates() -> None:
    france = generate_france(seed=3, beneficiaries=0, today=CARE_DAY)
    drug = line(C.PHARMACY_65, price=1000, br=1000, rate=6500, franchise=100)
    for insurer in france.insurers:
        for terms in insurer.contracts:
            result = calc(terms, drug)
            assert result.lines[0].amc_cents == 350
            assert result.lines[0].patient_cents == 100


# --- Invariants ------------------------------------------------------------------------

CARE = [c for c in CareCategory if c not in NOT_CARE]
# A few categories of each behaviour (drugs by rate, basket, free price, per day) so that
# most drawn lines meet a guarantee and its limits: every category runs the same code.
SAMPLED_CARE = [
    C.PHARMACY_65,
    C.PHARMACY_15,
    C.SPECIALIST,
    C.EXCESS_FEES,
    C.HOSPITAL_DAILY_CHARGE,
    C.OPTICAL_100_SANTE,
    C.OPTICAL_FREE_PRICE,
    C.DENTAL_PROSTHESIS,
]
OTHER_RATES = [0, 3000, 6000, 7000, 8000, 10_000]


@st.composite
def care_lines(draw: st.DrawFn) -> CareLine:
    category = draw(st.sampled_from(SAMPLED_CARE))
    exoneration = draw(st.sampled_from(list(Exoneration)))
    if exoneration is not Exoneration.NONE:
        rate = 10_000
    elif category in PHARMACY_AMO_RATE_BP:
        rate = PHARMACY_AMO_RATE_BP[category]
    else:
        rate = draw(st.sampled_from(OTHER_RATES))
    quantity = draw(st.integers(1, 4))
    unit_br = draw(st.integers(0, 60_000))
    unit_price = draw(st.one_of(st.just(unit_br), st.integers(0, 200_000)))
    amo = min(apply_rate(unit_br * quantity, rate), unit_price * quantity)
    franchise = 0 if exoneration is Exoneration.MATERNITY else draw(st.integers(0, min(amo, 400)))
    penalty = draw(st.one_of(st.just(0), st.integers(0, unit_price * quantity - amo)))
    return CareLine(
        category=category,
        code="X",
        quantity=quantity,
        unit_price_cents=unit_price,
        unit_br_cents=unit_br,
        amo_rate_bp=rate,
        amo_cents=amo,
        franchise_cents=franchise,
        exoneration=exoneration,
        out_of_pathway_penalty_cents=penalty,
    )


LIMIT = st.one_of(st.none(), st.integers(0, 120_000))
RENEWAL = st.one_of(st.none(), st.sampled_from([12, 24, 48]))


@st.composite
def guarantee_lines(draw: st.DrawFn, category: CareCategory) -> GuaranteeLine:
    kind = draw(st.sampled_from(list(RuleKind)))
    rate = draw(st.integers(0, 40_000)) if kind in (K.PERCENT_OF_BR, K.PERCENT_OF_TM) else None
    amount = draw(st.integers(0, 80_000)) if kind in (K.FIXED_PER_ACT, K.YEARLY_FORFAIT) else None
    return GuaranteeLine(
        category,
        kind,
        rate_bp=rate,
        amount_cents=amount,
        yearly_ceiling_cents=draw(LIMIT),
        renewal_months=draw(RENEWAL),
    )


@st.composite
def contracts(draw: st.DrawFn) -> Contract:
    categories = draw(st.sets(st.sampled_from(SAMPLED_CARE)))
    lines = tuple(draw(guarantee_lines(c)) for c in sorted(categories))
    return contract(*lines, responsible=draw(st.booleans()))


@st.composite
def consumptions(draw: st.DrawFn) -> YearConsumption:
    categories = draw(st.sets(st.sampled_from(SAMPLED_CARE), max_size=4))
    by_category = {
        c: CategoryConsumption(
            amc_cents=draw(st.integers(0, 150_000)),
            acts=draw(st.integers(0, 10)),
            last_renewal=draw(st.one_of(st.none(), st.dates(date(2021, 1, 1), CARE_DAY))),
        )
        for c in categories
    }
    return YearConsumption(2026, by_category)


@settings(max_examples=200, deadline=None)
@given(contracts(), st.lists(care_lines(), min_size=1, max_size=5), consumptions())
def test_invariants(terms: Contract, lines: list[CareLine], before: YearConsumption) -> None:
    result = calculate_coverage(
        contract=terms, lines=lines, date_of_care=CARE_DAY, consumption=before
    )
    guarantees = {g.category: g for g in terms.guarantees}
    assert len(result.lines) == len(lines)
    for given_line, covered in zip(lines, result.lines, strict=True):
        # AMO + AMC + patient = price, to the cent
        assert covered.amo_paid_cents + covered.amc_cents + covered.patient_cents == (
            given_line.price_cents
        )
        assert covered.amc_cents >= 0
        # never more than price - AMO: the franchise (inside the AMO share) stays unpaid
        assert covered.amc_cents <= given_line.price_cents - given_line.amo_cents
        assert covered.patient_cents >= given_line.franchise_cents
        if terms.responsible:
            assert covered.patient_cents >= (
                given_line.franchise_cents + given_line.out_of_pathway_penalty_cents
            )
        guarantee = guarantees.get(given_line.category)
        if guarantee is None or guarantee.kind is K.EXCLUDED:
            assert covered.amc_cents == 0
        elif guarantee.renewal_months is not None:
            last = before.of(given_line.category).last_renewal
            if last is not None and add_months(last, guarantee.renewal_months) > CARE_DAY:
                assert covered.amc_cents == 0
                assert covered.rule is CoverageRule.RENEWAL_PERIOD
    # yearly ceilings and forfaits hold given the year's consumption
    paid: dict[CareCategory, int] = {}
    for covered in result.lines:
        paid[covered.category] = paid.get(covered.category, 0) + covered.amc_cents
    for category, amount in paid.items():
        guarantee = guarantees.get(category)
        added = result.consumption_added.of(category)
        assert added.amc_cents == amount
        if guarantee is None:
            continue
        limits = [guarantee.yearly_ceiling_cents]
        if guarantee.kind is K.YEARLY_FORFAIT:
            limits.append(guarantee.amount_cents)
        for limit in limits:
            if limit is not None:
                assert amount <= max(0, limit - before.of(category).amc_cents)
    totals = result.totals
    assert totals.amo_paid_cents + totals.amc_cents + totals.patient_cents == totals.price_cents
    assert totals.amc_cents == sum(paid.values())
    # deterministic
    assert result == calculate_coverage(
        contract=terms, lines=lines, date_of_care=CARE_DAY, consumption=before
    )
