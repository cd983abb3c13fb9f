"""The synthetic France: deterministic, streaming, valid identifiers, and every special case
a real rights file holds."""

from __future__ import annotations

import ast
import inspect
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date
from itertools import groupby, islice, pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rempart.kernel.identifiers import (
    BirthDateOnCard,
    Iban,
    Nir,
    parse_amc_number,
    parse_bic,
    parse_birth_rank,
    parse_finess,
    parse_rpps,
    parse_siret,
)
from rempart.registry import generator
from rempart.registry.domain import (
    BeneficiaryStatement,
    CareCategory,
    Profession,
    Relationship,
    RightsStatus,
    RuleKind,
    StructureKind,
)
from rempart.registry.generator import SyntheticFrance, generate_france, generate_statements

TODAY = date(2025, 6, 15)
SIZE = 20_000
SEED = 20_250_615


@pytest.fixture(scope="module")
def france() -> SyntheticFrance:
    return generate_france(seed=SEED, beneficiaries=SIZE, today=TODAY)


@pytest.fixture(scope="module")
def statements(france: SyntheticFrance) -> list[BeneficiaryStatement]:
    return list(generate_statements(france=france, seed=SEED, beneficiaries=SIZE, today=TODAY))


@pytest.fixture(scope="module")
def grouped(statements: list[BeneficiaryStatement]) -> list[list[BeneficiaryStatement]]:
    return families(statements)


def card(s: BeneficiaryStatement) -> tuple[str, str, int, str, str]:
    return (s.insured_nir, s.birth_date, s.birth_rank, s.amc_number, s.member_number)


def families(statements: list[BeneficiaryStatement]) -> list[list[BeneficiaryStatement]]:
    return [list(g) for _, g in groupby(statements, key=lambda s: (s.amc_number, s.member_number))]


def is_lunar(birth_date: str) -> bool:
    return BirthDateOnCard.parse(birth_date).is_lunar


# --- API shape ---------------------------------------------------------------------------


def test_statements_stream_lazily_in_constant_memory(france: SyntheticFrance) -> None:
    stream = generate_statements(france=france, seed=1, beneficiaries=40_000_000, today=TODAY)
    assert isinstance(stream, Iterator)
    assert inspect.isgenerator(stream)
    assert not isinstance(stream, list | tuple)
    first = list(islice(stream, 2_000))  # 40 million asked, only what is pulled is made
    assert len(first) == 2_000
    assert all(isinstance(s, BeneficiaryStatement) for s in first)


@pytest.mark.parametrize("count", [0, 1, 2, 3, 5, 17, 1_000, 4_321])
def test_exactly_the_number_asked(france: SyntheticFrance, count: int) -> None:
    stream = generate_statements(france=france, seed=3, beneficiaries=count, today=TODAY)
    assert sum(1 for _ in stream) == count


def test_negative_sizes_are_refused(france: SyntheticFrance) -> None:
    with pytest.raises(ValueError):
        generate_statements(france=france, seed=1, beneficiaries=-1, today=TODAY)
    with pytest.raises(ValueError):
        generate_france(seed=1, beneficiaries=-1, today=TODAY)


def test_imports_only_the_standard_library_and_the_domain() -> None:
    tree = ast.parse(Path(inspect.getfile(generator)).read_text(encoding="utf-8"))
    modules = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    allowed_prefixes = (
        "rempart.kernel.",
        "rempart.registry.domain",
        "rempart.registry.synthetic_data",
    )
    stdlib = {
        "__future__",
        "random",
        "array",
        "unicodedata",
        "bisect",
        "collections.abc",
        "dataclasses",
        "datetime",
        "itertools",
    }
    for module in modules:
        assert module in stdlib or module.startswith(allowed_prefixes), module


# --- Determinism ------------------------------------------------------------------------


def test_same_arguments_same_data(france: SyntheticFrance) -> None:
    assert generate_france(seed=SEED, beneficiaries=SIZE, today=TODAY) == france
    one = list(generate_statements(france=france, seed=9, beneficiaries=3_000, today=TODAY))
    two = list(generate_statements(france=france, seed=9, beneficiaries=3_000, today=TODAY))
    assert one == two


def test_another_seed_other_data(france: SyntheticFrance) -> None:
    assert generate_france(seed=SEED + 1, beneficiaries=SIZE, today=TODAY) != france
    one = list(generate_statements(france=france, seed=9, beneficiaries=500, today=TODAY))
    two = list(generate_statements(france=france, seed=10, beneficiaries=500, today=TODAY))
    assert one != two


def test_a_smaller_stream_is_a_prefix_of_a_larger_one(france: SyntheticFrance) -> None:
    small = list(generate_statements(france=france, seed=4, beneficiaries=777, today=TODAY))
    large = list(generate_statements(france=france, seed=4, beneficiaries=2_000, today=TODAY))
    assert large[:777] == small


def test_no_global_randomness(france: SyntheticFrance) -> None:
    import random

    random.seed(1)
    one = list(generate_statements(france=france, seed=5, beneficiaries=300, today=TODAY))
    random.seed(2)
    two = list(generate_statements(france=france, seed=5, beneficiaries=300, today=TODAY))
    assert one == two


# --- Identifiers ------------------------------------------------------------------------


def test_every_statement_identifier_parses(statements: list[BeneficiaryStatement]) -> None:
    for s in statements:
        assert Nir.parse(s.insured_nir).value == s.insured_nir
        if s.beneficiary_nir is not None:
            assert Nir.parse(s.beneficiary_nir).value == s.beneficiary_nir
        assert BirthDateOnCard.parse(s.birth_date).value == s.birth_date
        assert parse_birth_rank(s.birth_rank) == s.birth_rank
        assert parse_amc_number(s.amc_number) == s.amc_number
        assert re.fullmatch(r"[A-Z0-9]{8,12}", s.member_number)
        assert re.fullmatch(r"[A-Z0-9]{1,8}", s.agreement_type)
        assert s.as_of == TODAY
        assert s.last_name
        assert s.first_name


def test_nir_agrees_with_the_birth_date(statements: list[BeneficiaryStatement]) -> None:
    for s in statements:
        if s.beneficiary_nir is None:
            continue
        nir, birth = s.beneficiary_nir, s.birth_date
        assert nir[1:3] == birth[2:4]
        if birth[4:6] != "00":
            assert nir[3:5] == birth[4:6]
        else:  # month unknown: the NIR's month says so
            assert 20 <= int(nir[3:5]) <= 42 or int(nir[3:5]) >= 50


def test_all_nirs_are_distinct(statements: list[BeneficiaryStatement]) -> None:
    own = [s.beneficiary_nir for s in statements if s.beneficiary_nir is not None]
    assert len(own) == len(set(own))


def test_card_tuples_are_unique(statements: list[BeneficiaryStatement]) -> None:
    cards = [card(s) for s in statements]
    assert len(cards) == len(set(cards))


def test_insurers(france: SyntheticFrance) -> None:
    assert 15 <= len(france.insurers) <= 25
    amc_numbers = [parse_amc_number(i.amc_number) for i in france.insurers]
    assert len(set(amc_numbers)) == len(amc_numbers)
    assert len({i.name for i in france.insurers}) == len(france.insurers)
    for insurer in france.insurers:
        assert re.fullmatch(r"dpo@[a-z0-9-]+\.example", insurer.dpo_email)
        assert 2 <= len(insurer.contracts) <= 4
        codes = [c.code for c in insurer.contracts]
        assert len(set(codes)) == len(codes)
        assert all(re.fullmatch(r"[A-Z]{2,5}[0-9]{3}", code) for code in codes)


def test_contracts_look_like_the_market(france: SyntheticFrance) -> None:
    contracts = [c for i in france.insurers for c in i.contracts]
    assert any(c.responsible for c in contracts)
    assert any(not c.responsible for c in contracts)
    assert all(i.contracts[0].responsible for i in france.insurers)
    levels = set()
    excluded_15 = of_tm = 0
    for contract in contracts:
        lines = {g.category: g for g in contract.guarantees}
        gp = lines[CareCategory.GENERAL_PRACTITIONER]
        assert gp.kind is RuleKind.PERCENT_OF_BR
        assert gp.rate_bp is not None
        assert 10_000 <= gp.rate_bp <= 30_000
        levels.add(gp.rate_bp)
        assert lines[CareCategory.SPECIALIST].kind is RuleKind.PERCENT_OF_BR
        assert lines[CareCategory.PHARMACY_65].kind is RuleKind.PERCENT_OF_BR
        assert lines[CareCategory.HOSPITAL_DAILY_CHARGE].amount_cents
        optical = lines[CareCategory.OPTICAL_FREE_PRICE]
        assert optical.kind in (RuleKind.YEARLY_FORFAIT, RuleKind.FIXED_PER_ACT)
        assert optical.amount_cents
        assert optical.yearly_ceiling_cents
        if contract.responsible:
            assert optical.renewal_months == 24
        dental = lines[CareCategory.DENTAL_PROSTHESIS]
        assert dental.kind is RuleKind.FIXED_PER_ACT
        assert dental.amount_cents
        assert dental.yearly_ceiling_cents
        assert lines[CareCategory.OPTICAL_100_SANTE].renewal_months == 24
        pharmacy_15 = lines[CareCategory.PHARMACY_15]
        if pharmacy_15.kind is RuleKind.EXCLUDED:
            assert contract.responsible
            excluded_15 += 1
        of_tm += pharmacy_15.kind is RuleKind.PERCENT_OF_TM
    assert excluded_15 > 0
    assert of_tm > 0
    assert {10_000, 30_000} & levels
    assert len(levels) >= 4


def test_structures_and_professionals(france: SyntheticFrance) -> None:
    finess = [parse_finess(s.finess) for s in france.structures]
    assert len(set(finess)) == len(finess)
    sirets = [parse_siret(s.siret) for s in france.structures]
    assert len(set(sirets)) == len(sirets)
    for structure in france.structures:
        iban = Iban.parse(structure.iban)
        assert iban.value.startswith("FR")
        assert len(iban.value) == 27
        assert len(parse_bic(structure.bic)) in (8, 11)
        assert structure.bic[4:6] == "FR"
        assert structure.name
        assert re.search(r"\d{5} ", structure.address)
    kinds = Counter(s.kind for s in france.structures)
    assert kinds[StructureKind.PHARMACY] == SIZE // 2_000
    for kind in (
        StructureKind.MEDICAL_PRACTICE,
        StructureKind.OPTICAL_SHOP,
        StructureKind.HEARING_CENTRE,
        StructureKind.DENTAL_PRACTICE,
        StructureKind.LABORATORY,
    ):
        assert kinds[kind] >= 1

    known = set(finess)
    rpps = [parse_rpps(p.rpps) for p in france.professionals]
    assert len(set(rpps)) == len(rpps)
    assert all(r.startswith("1") for r in rpps)
    staff: dict[str, list[Profession]] = defaultdict(list)
    administrators: Counter[str] = Counter()
    for professional in france.professionals:
        assert professional.structures
        assert set(professional.structures) <= known
        assert set(professional.administrator_of) <= set(professional.structures)
        assert len(professional.administrator_of) <= 1
        for place in professional.structures:
            staff[place].append(professional.profession)
        administrators.update(professional.administrator_of)
    for structure in france.structures:
        assert administrators[structure.finess] == 1  # exactly one administrator each
        if structure.kind is StructureKind.PHARMACY:
            assert 1 <= len(staff[structure.finess]) <= 4
            assert set(staff[structure.finess]) == {Profession.PHARMACIST}


def test_the_smallest_france_still_has_every_kind_of_structure() -> None:
    tiny = generate_france(seed=1, beneficiaries=0, today=TODAY)
    kinds = Counter(s.kind for s in tiny.structures)
    assert kinds[StructureKind.PHARMACY] == 5
    assert len(kinds) == 6


# --- Families and special cases ------------------------------------------------------------


def test_families(grouped: list[list[BeneficiaryStatement]], france: SyntheticFrance) -> None:
    contracts = {i.amc_number: {c.code for c in i.contracts} for i in france.insurers}
    seen_members: set[tuple[str, str]] = set()
    for family in grouped:
        head = family[0]
        key = (head.amc_number, head.member_number)
        assert key not in seen_members  # a member's family comes in one piece
        seen_members.add(key)
        assert head.relationship is Relationship.INSURED
        assert head.beneficiary_nir == head.insured_nir
        assert [s.relationship for s in family].count(Relationship.INSURED) == 1
        assert [s.relationship for s in family].count(Relationship.SPOUSE) <= 1
        assert head.contract_code in contracts[head.amc_number]
        for s in family:
            assert s.insured_nir == head.insured_nir
            assert s.contract_code == head.contract_code
            assert s.agreement_type == head.agreement_type
            if s.relationship is not Relationship.INSURED:
                assert s.beneficiary_nir != head.insured_nir
        children = [s for s in family if s.relationship is Relationship.CHILD]
        for child in children:
            if not is_lunar(child.birth_date):
                born = date(
                    int(child.birth_date[:4]), int(child.birth_date[4:6]), int(child.birth_date[6:])
                )
                assert born <= TODAY
                assert all(p.start >= born for p in child.rights)  # no rights before birth
        dates = [(s.birth_date, s.birth_rank) for s in family]
        assert len(dates) == len(set(dates))
        births = sorted(
            date(int(c.birth_date[:4]), int(c.birth_date[4:6]), int(c.birth_date[6:]))
            for c in children
            if c.birth_rank == 1
        )
        for elder, younger in pairwise(births):  # siblings who are not twins
            assert (younger - elder).days >= 300


def test_twins(
    statements: list[BeneficiaryStatement], grouped: list[list[BeneficiaryStatement]]
) -> None:
    pairs = 0
    for family in grouped:
        for second in (s for s in family if s.birth_rank == 2):
            firsts = [s for s in family if s.birth_rank == 1 and s.birth_date == second.birth_date]
            assert len(firsts) == 1
            first = firsts[0]
            assert first.relationship is second.relationship is Relationship.CHILD
            assert first.insured_nir == second.insured_nir
            assert first.first_name != second.first_name
            if first.beneficiary_nir and second.beneficiary_nir:
                assert first.beneficiary_nir[0] == second.beneficiary_nir[0]  # same sex
                assert first.beneficiary_nir[:10] == second.beneficiary_nir[:10]
                orders = int(first.beneficiary_nir[10:13]), int(second.beneficiary_nir[10:13])
                assert abs(orders[0] - orders[1]) == 1
            pairs += 1
    ranks = Counter(s.birth_rank for s in statements)
    assert set(ranks) == {1, 2}
    family_count = len(grouped)
    assert 0.004 * family_count <= pairs <= 0.02 * family_count


def rates(statements: list[BeneficiaryStatement]) -> Counter[str]:
    seen: Counter[str] = Counter()
    for s in statements:
        seen["all"] += 1
        if is_lunar(s.birth_date):
            seen["lunar"] += 1
        nir = s.beneficiary_nir  # parsed in test_every_statement_identifier_parses
        if nir is None:
            seen["no own NIR"] += 1
        else:
            seen["corsica"] += nir[5:7] in ("2A", "2B")
            seen["overseas"] += nir[5:8] in ("971", "972", "973", "974", "975", "976")
            seen["provisional"] += nir[0] in "78"
            seen["abroad"] += nir[5:7] == "99"
        periods = s.rights
        seen["closed"] += all(p.end is not None and p.end < TODAY for p in periods)
        seen["future"] += all(p.start > TODAY for p in periods)
        seen["suspended"] += any(p.status is RightsStatus.SUSPENDED for p in periods)
        seen["several periods"] += len(periods) > 1
        seen["open now"] += any(p.covers(TODAY) and p.status is RightsStatus.OPEN for p in periods)
        seen["spouse"] += s.relationship is Relationship.SPOUSE
        seen["child"] += s.relationship is Relationship.CHILD
    return seen


# Expected share of statements and the band accepted on 20,000.
EXPECTED = {
    "lunar": (0.005, 0.002, 0.010),
    "corsica": (0.01, 0.005, 0.02),
    "overseas": (0.02, 0.01, 0.035),
    "provisional": (0.003, 0.0005, 0.006),
    "closed": (0.05, 0.035, 0.065),
    "future": (0.02, 0.01, 0.03),
    "suspended": (0.01, 0.005, 0.02),
    "several periods": (0.03, 0.02, 0.045),
    "no own NIR": (0.08, 0.03, 0.15),
    "open now": (0.9, 0.85, 0.95),
}


def test_special_cases_are_present_at_their_rates(statements: list[BeneficiaryStatement]) -> None:
    seen = rates(statements)
    for name, (_, low, high) in EXPECTED.items():
        share = seen[name] / seen["all"]
        assert low <= share <= high, (name, share)
    assert seen["spouse"] > 0
    assert seen["child"] > 0


def test_rights_periods(statements: list[BeneficiaryStatement]) -> None:
    end_of_year = date(TODAY.year, 12, 31)
    for s in statements:
        assert s.rights
        ordered = sorted(s.rights, key=lambda p: p.start)
        for earlier, later in pairwise(ordered):
            assert earlier.end is not None
            assert (later.start - earlier.end).days > 1  # a real gap
        last = ordered[-1]
        assert last.end is None or last.end == end_of_year or last.end < TODAY
        assert TODAY.replace(year=TODAY.year - 10) <= ordered[0].start


def test_names_are_varied(statements: list[BeneficiaryStatement]) -> None:
    assert len({s.last_name for s in statements}) > 150
    assert len({s.first_name for s in statements}) > 150


# --- Properties over seeds and sizes ----------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**63), count=st.integers(0, 400))
def test_any_seed_gives_a_valid_stream(france: SyntheticFrance, seed: int, count: int) -> None:
    stream = list(generate_statements(france=france, seed=seed, beneficiaries=count, today=TODAY))
    assert len(stream) == count
    assert len({card(s) for s in stream}) == count
    for s in stream:
        Nir.parse(s.insured_nir)
        if s.beneficiary_nir is not None:
            Nir.parse(s.beneficiary_nir)
        BirthDateOnCard.parse(s.birth_date)
        parse_birth_rank(s.birth_rank)


@settings(max_examples=10, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    today=st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31)),
)
def test_any_day_gives_a_valid_france(seed: int, today: date) -> None:
    small = generate_france(seed=seed, beneficiaries=500, today=today)
    for structure in small.structures:
        parse_finess(structure.finess)
        parse_siret(structure.siret)
        Iban.parse(structure.iban)
        parse_bic(structure.bic)
    for professional in small.professionals:
        parse_rpps(professional.rpps)
    stream = list(generate_statements(france=small, seed=seed, beneficiaries=300, today=today))
    assert len({card(s) for s in stream}) == 300
    for s in stream:
        assert s.as_of == today
        assert all(p.start <= today or p.end is None for p in s.rights)
