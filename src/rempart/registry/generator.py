"""A deterministic synthetic France: insurers and their contracts, structures and
professionals, and a stream of beneficiary statements as insurers' rights files state them.

Everything is fictitious: names are drawn independently from lists of common French names,
identifiers are random numbers that only satisfy the check-digit rules, bank codes are not
assigned to real banks and e-mail addresses live under `.example`. The same
`(seed, beneficiaries, today)` always yields the same data: each generator owns its
`random.Random` instances, nothing reads the clock, the environment or `os.urandom`.

`generate_statements` streams family by family and holds only bounded caches and a fixed
table of NIR counters (about 5 MB whatever the size), so it can feed 40 million statements
to a benchmark in constant memory. The stream for N beneficiaries is a prefix of the stream
for any larger N (the last family may be cut short).

Special cases, as shares of statements (measured on 1 million: see the tests for bands):

- families under a member (about 2 beneficiaries each): the insured, a spouse in 45% of
  families, children born 300+ days apart; 1 family in 100 has same-sex twins (same birth
  date, ranks 1 and 2; their NIRs differ only by consecutive order numbers);
- NIRs: 1.1% Corsican (2A/2B), 2.3% overseas (971-976, 2-digit commune), 4% born abroad
  (department 99 and a country code), 0.3% provisional (sex 7/8); 0.6% of birth dates are
  "lunar" (month or day 00: then the NIR's month is 20-30 or 99 when the month is unknown);
  8% (children under 16) have no NIR of their own;
- rights: one period starting 1-6 years ago, open-ended or ending 31 December this year;
  5% closed (ended in the past), 2% future, 1% suspended, 3% two periods with a gap.
  A child's rights never start before birth. Ended periods keep the status OPEN, as
  `close_periods` leaves them.

Uniqueness, by construction rather than by memory: the card tuple `(insured_nir, birth_date,
birth_rank, amc_number, member_number)`, because member numbers are a bijection of a
per-insurer family counter and birth dates (with rank for twins) differ within a family;
and every NIR of the stream, because each (sex, year, month, place) bucket hands out
(commune, order pair) slots through a bijection of its own counter.
"""

from __future__ import annotations

import random
import unicodedata
from array import array
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

from rempart.kernel.identifiers import (
    iban_check_digits,
    luhn_check_digit,
    nir_key,
    rib_key,
)
from rempart.registry.domain import (
    BeneficiaryStatement,
    CareCategory,
    Contract,
    GuaranteeLine,
    Insurer,
    Profession,
    Professional,
    Relationship,
    RightsPeriod,
    RightsStatus,
    RuleKind,
    Structure,
    StructureKind,
)
from rempart.registry.synthetic_data import (
    AGREEMENT_TYPES,
    BANKS,
    CORSICA,
    COUNTRIES,
    FEMALE_FIRST_NAMES,
    INSURER_COUNT,
    INSURER_NAMES,
    LAST_NAMES,
    LEVELS,
    MALE_FIRST_NAMES,
    METRO_DEPARTMENTS,
    NON_RESPONSIBLE_RANGES,
    OVERSEAS,
    PLACE_WORDS,
    RANGES,
    STREETS,
    TOWNS,
    UNKNOWN_MONTHS,
)

__all__ = ["SyntheticFrance", "generate_france", "generate_statements"]


@dataclass(frozen=True, slots=True)
class SyntheticFrance:
    insurers: tuple[Insurer, ...]  # each with its contracts
    structures: tuple[Structure, ...]
    professionals: tuple[Professional, ...]


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = "".join(c if c.isalnum() else " " for c in ascii_text.lower()).split()
    return "-".join(words)


def _percent(category: CareCategory, rate_bp: int) -> GuaranteeLine:
    return GuaranteeLine(category, RuleKind.PERCENT_OF_BR, rate_bp=rate_bp)


def _of_tm(category: CareCategory, renewal_months: int | None = None) -> GuaranteeLine:
    """The whole ticket modérateur (100% TM)."""
    return GuaranteeLine(
        category, RuleKind.PERCENT_OF_TM, rate_bp=10_000, renewal_months=renewal_months
    )


def _contract(rng: random.Random, code: str, label: str, level: int, responsible: bool) -> Contract:
    """Guarantees in the shape insurers publish them: % BR, % TM, forfaits and ceilings."""
    rate = level * 100  # basis points
    lines: list[GuaranteeLine] = [
        _percent(CareCategory.GENERAL_PRACTITIONER, rate),
        _percent(CareCategory.SPECIALIST, rate),
        _percent(CareCategory.LABORATORY, min(rate, 15_000)),
        _percent(CareCategory.RADIOLOGY, min(rate, 20_000)),
        _percent(CareCategory.HOSPITAL_STAY, rate),
        GuaranteeLine(
            CareCategory.HOSPITAL_DAILY_CHARGE, RuleKind.FIXED_PER_ACT, amount_cents=2_000
        ),
        _percent(CareCategory.PHARMACY_100, 10_000),
        _percent(CareCategory.PHARMACY_65, 10_000 if level < 200 else 15_000),
    ]
    excess = rate - 10_000
    if excess <= 0:
        lines.append(GuaranteeLine(CareCategory.EXCESS_FEES, RuleKind.EXCLUDED))
    else:  # a responsible contract caps excess fees of non-OPTAM doctors at 100% BR
        capped = min(excess, 10_000) if responsible else excess
        lines.append(_percent(CareCategory.EXCESS_FEES, capped))
    # 30% and 15% drugs are optional for a responsible contract.
    if rng.random() < 0.5:
        lines.append(_percent(CareCategory.PHARMACY_30, 10_000))
    else:
        lines.append(_of_tm(CareCategory.PHARMACY_30))
    if responsible and level <= 150 and rng.random() < 0.6:
        lines.append(GuaranteeLine(CareCategory.PHARMACY_15, RuleKind.EXCLUDED))
    else:
        lines.append(_of_tm(CareCategory.PHARMACY_15))
    # 100% Santé baskets: the whole remainder within the price limits, every 2 (4) years.
    lines += [
        _of_tm(CareCategory.OPTICAL_100_SANTE, renewal_months=24),
        _of_tm(CareCategory.DENTAL_100_SANTE),
        _of_tm(CareCategory.HEARING_100_SANTE, renewal_months=48),
    ]
    optical = {100: 10_000, 125: 15_000, 150: 20_000, 200: 30_000, 250: 40_000, 300: 50_000}[level]
    if not responsible:
        optical += 20_000
    if rng.random() < 0.7:
        lines.append(
            GuaranteeLine(
                CareCategory.OPTICAL_FREE_PRICE,
                RuleKind.YEARLY_FORFAIT,
                amount_cents=optical,
                yearly_ceiling_cents=optical,
                renewal_months=24 if responsible else 12,
            )
        )
    else:
        lines.append(
            GuaranteeLine(
                CareCategory.OPTICAL_FREE_PRICE,
                RuleKind.FIXED_PER_ACT,
                amount_cents=optical // 2,
                yearly_ceiling_cents=optical,
                renewal_months=24 if responsible else 12,
            )
        )
    crown = 5_000 * level // 50  # 100 EUR at 100% BR up to 300 EUR at 300%
    lines.append(
        GuaranteeLine(
            CareCategory.DENTAL_PROSTHESIS,
            RuleKind.FIXED_PER_ACT,
            amount_cents=crown,
            yearly_ceiling_cents=crown * 4,
        )
    )
    hearing = min(170_000 if responsible else 250_000, 20_000 * level // 50)
    lines.append(
        GuaranteeLine(
            CareCategory.HEARING_FREE_PRICE,
            RuleKind.FIXED_PER_ACT,
            amount_cents=hearing // 2,
            yearly_ceiling_cents=hearing,
            renewal_months=48,
        )
    )
    return Contract(code=code, label=label, responsible=responsible, guarantees=tuple(lines))


def _insurers(rng: random.Random, today: date) -> tuple[Insurer, ...]:
    names = rng.sample(INSURER_NAMES, INSURER_COUNT)
    amc_numbers: set[str] = set()
    insurers: list[Insurer] = []
    for index, name in enumerate(names):
        amc = f"{rng.randrange(100_000_000, 1_000_000_000)}"
        while amc in amc_numbers:
            amc = f"{rng.randrange(100_000_000, 1_000_000_000)}"
        amc_numbers.add(amc)
        count = rng.randint(2, 4)
        # Every insurer sells responsible contracts; most also a non-responsible one.
        with_non_responsible = index % 4 != 3 or count == 4
        levels = sorted(rng.sample(LEVELS, count))
        ranges = rng.sample(RANGES, count)
        contracts: list[Contract] = []
        for position, level in enumerate(levels):
            responsible = not (with_non_responsible and position == count - 1)
            prefix, label = ranges[position] if responsible else rng.choice(NON_RESPONSIBLE_RANGES)
            suffix = "" if responsible else " (non responsable)"
            contracts.append(
                _contract(
                    rng,
                    f"{prefix}{level}",
                    f"{label} {level} % BR — gamme {today.year}{suffix}",
                    level,
                    responsible,
                )
            )
        insurers.append(
            Insurer(
                amc_number=amc,
                name=name,
                dpo_email=f"dpo@{_slug(name)}.example",
                contracts=tuple(contracts),
            )
        )
    return tuple(insurers)


# --- Structures and professionals --------------------------------------------------------

_KIND_DIGIT = {
    StructureKind.PHARMACY: "2",
    StructureKind.MEDICAL_PRACTICE: "1",
    StructureKind.OPTICAL_SHOP: "3",
    StructureKind.HEARING_CENTRE: "3",
    StructureKind.DENTAL_PRACTICE: "1",
    StructureKind.LABORATORY: "0",
    StructureKind.HOSPITAL: "0",
}


def _finess(rng: random.Random, department: str, kind: StructureKind, used: set[str]) -> str:
    while True:
        if len(department) == 3:  # overseas: 97x then 5 digits
            body = department + f"{rng.randrange(100_000):05d}"
        else:
            body = department + _KIND_DIGIT[kind] + f"{rng.randrange(100_000):05d}"
        # Luhn over the first 8 characters, Corsica's 2A/2B read as 20 (see parse_finess).
        finess = body + luhn_check_digit(body.replace("2A", "20").replace("2B", "20"))
        if finess not in used:
            used.add(finess)
            return finess


def _siret(rng: random.Random, used: set[str]) -> str:
    while True:
        siren8 = f"{rng.randrange(30_000_000, 99_999_999):08d}"
        if siren8.startswith("356"):  # La Poste's SIREN follows another rule
            continue
        siren = siren8 + luhn_check_digit(siren8)
        nic4 = f"{rng.randrange(1, 100):04d}"
        siret = siren + nic4 + luhn_check_digit(siren + nic4)
        if siret not in used:
            used.add(siret)
            return siret


def synthetic_bank_details(seed: int) -> tuple[str, str]:
    """A valid, synthetic French IBAN and its bank's BIC (demo and tests only)."""
    return _bank_details(random.Random(seed))


def _bank_details(rng: random.Random) -> tuple[str, str]:
    bank, bic = rng.choice(BANKS)
    branch = f"{rng.randrange(100_000):05d}"
    account = f"{rng.randrange(10**11):011d}"
    bban = bank + branch + account + rib_key(bank, branch, account)
    return "FR" + iban_check_digits("FR", bban) + bban, bic


def _rpps(rng: random.Random, used: set[str]) -> str:
    while True:
        body = "1" + f"{rng.randrange(10**9):09d}"
        rpps = body + luhn_check_digit(body)
        if rpps not in used:
            used.add(rpps)
            return rpps


def _structure_name(rng: random.Random, kind: StructureKind, town: str) -> str:
    place = rng.choice(PLACE_WORDS)
    family = rng.choice(LAST_NAMES).title()
    options: tuple[str, ...]
    if kind is StructureKind.PHARMACY:
        options = (
            f"Pharmacie {place}",
            f"Pharmacie {family}",
            f"Grande Pharmacie de {town}",
            f"Pharmacie {place}",
            f"Pharmacie {family}-{rng.choice(LAST_NAMES).title()}",
        )
    elif kind is StructureKind.MEDICAL_PRACTICE:
        options = (
            f"Cabinet médical {place}",
            f"Maison de santé de {town}",
            f"Cabinet du Docteur {family}",
            f"Centre médical {place}",
        )
    elif kind is StructureKind.OPTICAL_SHOP:
        options = (f"Optique {family}", f"Optique {place}", f"Lunetterie {place}", f"{town} Vision")
    elif kind is StructureKind.HEARING_CENTRE:
        options = (f"Audition {family}", f"Centre auditif {place}", f"{town} Audition")
    elif kind is StructureKind.DENTAL_PRACTICE:
        options = (
            f"Cabinet dentaire {family}",
            f"Centre dentaire {place}",
            f"Cabinet dentaire de {town}",
        )
    else:
        options = (
            f"Laboratoire de biologie médicale {place}",
            f"Laboratoire {family}",
            f"Biologie médicale de {town}",
        )
    return rng.choice(options)


_STAFF: dict[StructureKind, tuple[tuple[Profession, ...], int, int]] = {
    # kind: (professions of the staff, min, max); the first one listed administers it.
    StructureKind.PHARMACY: ((Profession.PHARMACIST,), 1, 4),
    StructureKind.MEDICAL_PRACTICE: (
        (
            Profession.GENERAL_PRACTITIONER,
            Profession.GENERAL_PRACTITIONER,
            Profession.SPECIALIST,
            Profession.NURSE,
        ),
        1,
        5,
    ),
    StructureKind.OPTICAL_SHOP: ((Profession.OPTICIAN,), 1, 3),
    StructureKind.HEARING_CENTRE: ((Profession.AUDIOLOGIST,), 1, 2),
    StructureKind.DENTAL_PRACTICE: ((Profession.DENTIST,), 1, 3),
    StructureKind.LABORATORY: ((Profession.LABORATORY,), 1, 3),
}


def _structures_and_professionals(
    rng: random.Random, beneficiaries: int
) -> tuple[tuple[Structure, ...], tuple[Professional, ...]]:
    counts = (
        (StructureKind.PHARMACY, max(5, beneficiaries // 2_000)),
        (StructureKind.MEDICAL_PRACTICE, max(3, beneficiaries // 3_000)),
        (StructureKind.OPTICAL_SHOP, max(2, beneficiaries // 5_000)),
        (StructureKind.HEARING_CENTRE, max(1, beneficiaries // 10_000)),
        (StructureKind.DENTAL_PRACTICE, max(2, beneficiaries // 3_000)),
        (StructureKind.LABORATORY, max(2, beneficiaries // 15_000)),
    )
    finess_used: set[str] = set()
    siret_used: set[str] = set()
    rpps_used: set[str] = set()
    structures: list[Structure] = []
    # per professional: [rpps, profession, last, first, structures, administrator_of]
    staff: list[tuple[str, Profession, str, str, list[str], list[str]]] = []
    for kind, count in counts:
        professions, low, high = _STAFF[kind]
        for _ in range(count):
            department, postcode, town = rng.choice(TOWNS)
            finess = _finess(rng, department, kind, finess_used)
            iban, bic = _bank_details(rng)
            number = rng.randint(1, 150)
            bis = " bis" if rng.random() < 0.05 else ""
            structures.append(
                Structure(
                    finess=finess,
                    siret=_siret(rng, siret_used),
                    kind=kind,
                    name=_structure_name(rng, kind, town),
                    address=f"{number}{bis} {rng.choice(STREETS)}, {postcode} {town}",
                    iban=iban,
                    bic=bic,
                )
            )
            for position in range(rng.randint(low, high)):
                if position > 0 and rng.random() < 0.05:
                    # some staff already practise elsewhere (replacements, second practice);
                    # the administrator (a pharmacy's owner) runs only this one
                    other = staff[rng.randrange(len(staff))]
                    if other[1] in professions and finess not in other[4]:
                        other[4].append(finess)
                        continue
                profession = professions[0] if position == 0 else rng.choice(professions)
                female = rng.random() < 0.55
                first = rng.choice(FEMALE_FIRST_NAMES if female else MALE_FIRST_NAMES)
                staff.append(
                    (
                        _rpps(rng, rpps_used),
                        profession,
                        rng.choice(LAST_NAMES),
                        first,
                        [finess],
                        [finess] if position == 0 else [],
                    )
                )
    professionals = tuple(
        Professional(
            rpps=rpps,
            profession=profession,
            last_name=last,
            first_name=first,
            structures=tuple(places),
            administrator_of=tuple(administers),
        )
        for rpps, profession, last, first, places, administers in staff
    )
    return tuple(structures), professionals


def generate_france(*, seed: int, beneficiaries: int, today: date) -> SyntheticFrance:
    """Insurers with their contracts, structures and professionals sized for a population."""
    if beneficiaries < 0:
        raise ValueError("beneficiaries cannot be negative")
    insurers = _insurers(random.Random(f"rempart-france-insurers:{seed}"), today)
    structures, professionals = _structures_and_professionals(
        random.Random(f"rempart-france-structures:{seed}"), beneficiaries
    )
    return SyntheticFrance(insurers=insurers, structures=structures, professionals=professionals)


# --- Beneficiaries ------------------------------------------------------------------------

# Rates per family (so, in expectation, per beneficiary) and per person.
P_CLOSED = 0.05
P_FUTURE = 0.02
P_SUSPENDED = 0.01
P_GAP = 0.03
P_TWINS = 0.01
P_SPOUSE = 0.45
P_PROVISIONAL = 0.003
P_CORSICA = 0.01
P_OVERSEAS = 0.02
P_ABROAD_ADULT = 0.05
P_ABROAD_CHILD = 0.01
P_LUNAR_IF_ABROAD = 0.15  # adults born abroad whose civil record is incomplete
P_CHILD_WITHOUT_NIR = 0.45  # among children under 16
P_HOME_DEPARTMENT = 0.6  # a spouse or child born in the insured's department
# Children per family, cumulative: 0, 1, 2, 3, 4.
_CHILDREN_CUMULATIVE = (0.55, 0.73, 0.90, 0.97, 1.0)

_DAYS_PER_YEAR = 365.2425
_YEARS_16, _YEARS_18, _YEARS_20 = (int(n * _DAYS_PER_YEAR) for n in (16, 18, 20))
_YEARS_25, _YEARS_45 = (int(n * _DAYS_PER_YEAR) for n in (25, 45))
_SIBLING_GAP = 300  # days between the births of two children who are not twins
_THREE_DIGITS: tuple[str, ...] = tuple(f"{n:03d}" for n in range(1000))
_CACHE_LIMIT = 200_000


@dataclass(frozen=True, slots=True)
class _Place:
    """A place of birth as the NIR writes it: department (or 99 + country) and communes."""

    prefix: str
    communes: tuple[str, ...]  # ("",) abroad, where the country code takes the commune's place

    @property
    def capacity(self) -> int:
        return len(self.communes) * _ORDER_PAIRS


# Order numbers are handed out in pairs (1, 2), (3, 4) ... (997, 998): a person takes one
# and the other stays free for a twin, so every NIR of the stream is distinct.
_ORDER_PAIRS = 499
_SLOT_MULTIPLIER = 1_000_003  # a prime above every capacity: a bijection modulo each


def _places() -> tuple[
    tuple[_Place, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...]
]:
    """Every place, and the indexes of metropolitan (weighted), Corsican, overseas and foreign
    ones."""
    places: list[_Place] = []
    metro: list[int] = []
    for department in dict.fromkeys(METRO_DEPARTMENTS):
        first, count = (101, 20) if department == "75" else (1, 600)  # Paris: arrondissements
        places.append(_Place(department, _THREE_DIGITS[first : first + count]))
    index = {p.prefix: i for i, p in enumerate(places)}
    metro = [index[d] for d in METRO_DEPARTMENTS]
    corsica = []
    for department in CORSICA:
        corsica.append(len(places))
        places.append(_Place(department, _THREE_DIGITS[1:367]))
    overseas_communes = {"971": 34, "972": 34, "973": 22, "974": 24, "975": 2, "976": 17}
    overseas_index: dict[str, int] = {}
    for department, count in overseas_communes.items():
        overseas_index[department] = len(places)
        places.append(_Place(department, tuple(c[1:] for c in _THREE_DIGITS[1 : count + 1])))
    abroad_index: dict[str, int] = {}
    for country in dict.fromkeys(COUNTRIES):
        abroad_index[country] = len(places)
        places.append(_Place("99" + country, ("",)))
    return (
        tuple(places),
        tuple(metro),
        tuple(corsica),
        tuple(overseas_index[d] for d in OVERSEAS),
        tuple(abroad_index[c] for c in COUNTRIES),
    )


_PLACES, _METRO_PLACES, _CORSICA_PLACES, _OVERSEAS_PLACES, _ABROAD_PLACES = _places()
# NIR month codes in the order of their index: 01-12, then the unknown-month codes.
_MONTH_INDEX: dict[str, int] = {
    code: i
    for i, code in enumerate([*(f"{m:02d}" for m in range(1, 13)), *sorted(set(UNKNOWN_MONTHS))])
}
_SEX_DIGITS = ("1", "2", "7", "8")  # male, female, provisional male, provisional female


class _MemberNumbers:
    """A bijection from a per-insurer family counter to member numbers (8-12 characters)."""

    __slots__ = ("_count", "_modulus", "_multiplier", "_offset", "_prefix", "_width")

    def __init__(self, amc_number: str) -> None:
        rng = random.Random(f"rempart-members:{amc_number}")
        prefix_length = rng.choice((0, 0, 1, 2, 2))
        self._prefix = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(prefix_length))
        self._width = rng.choice((8, 9, 10))
        self._modulus = 10**self._width
        multiplier = rng.randrange(self._modulus // 3, self._modulus)
        while multiplier % 2 == 0 or multiplier % 5 == 0:  # coprime to 10**width
            multiplier += 1
        self._multiplier = multiplier
        self._offset = rng.randrange(self._modulus)
        self._count = 0

    def next(self) -> str:
        count = self._count
        if count >= self._modulus:
            raise ValueError("too many families for one insurer's member numbers")
        self._count = count + 1
        number = (self._multiplier * count + self._offset) % self._modulus
        return self._prefix + str(number).zfill(self._width)


def _month_starts(today: date, before: int, after: int) -> dict[int, date]:
    """First day of the month `k` months before today's month, for -after <= k <= before."""
    starts: dict[int, date] = {}
    for k in range(-after, before + 1):
        months = today.year * 12 + today.month - 1 - k
        starts[k] = date(months // 12, months % 12 + 1, 1)
    return starts


def generate_statements(
    *, france: SyntheticFrance, seed: int, beneficiaries: int, today: date
) -> Iterator[BeneficiaryStatement]:
    """Exactly `beneficiaries` statements, family by family, in constant memory.

    A generator: nothing is computed before the first `next()`, and nothing is kept but
    bounded caches and per-bucket counters (about 5 MB whatever the size).
    """
    if beneficiaries < 0:
        raise ValueError("beneficiaries cannot be negative")
    if not france.insurers or any(not i.contracts for i in france.insurers):
        raise ValueError("every insurer needs at least one contract")
    return _statements(france, seed, beneficiaries, today)


def _statements(
    france: SyntheticFrance, seed: int, beneficiaries: int, today: date
) -> Iterator[BeneficiaryStatement]:
    rng = random.Random(f"rempart-statements:{seed}")
    r = rng.random

    # Insurers by market share (Zipf-like), contracts by popularity within each.
    insurers = france.insurers
    insurer_cumulative = list(accumulate(1.0 / (i + 1) ** 0.8 for i in range(len(insurers))))
    insurer_total = insurer_cumulative[-1]
    last_insurer = len(insurers) - 1
    amc_numbers = [i.amc_number for i in insurers]
    members = [_MemberNumbers(i.amc_number) for i in insurers]
    contract_codes = [[c.code for c in i.contracts] for i in insurers]
    contract_cumulative = [
        list(accumulate(1.0 / (k + 1) for k in range(len(i.contracts)))) for i in insurers
    ]
    agreement_rng = random.Random(f"rempart-agreements:{seed}")
    agreements = [agreement_rng.sample(AGREEMENT_TYPES, 2) for _ in insurers]

    today_ordinal = today.toordinal()
    end_of_year = date(today.year, 12, 31)
    month_start = _month_starts(today, 120, 3)

    def month_end(k: int) -> date:  # last day of the month k months ago (k >= 1)
        return month_start[k - 1] - timedelta(days=1)

    rights_cache: dict[tuple[date, date | None, RightsStatus], RightsPeriod] = {}

    def period(start: date, end: date | None, status: RightsStatus) -> RightsPeriod:
        key = (start, end, status)
        found = rights_cache.get(key)
        if found is None:
            if len(rights_cache) >= _CACHE_LIMIT:
                rights_cache.clear()
            found = rights_cache[key] = RightsPeriod(start, end, status)
        return found

    open_status, suspended_status = RightsStatus.OPEN, RightsStatus.SUSPENDED
    # The common cases, made once: rights[k] started k + 12 months ago.
    current_rights = [
        (
            (period(month_start[k], None, open_status),),
            (period(month_start[k], end_of_year, open_status),),
        )
        for k in range(12, 73)
    ]
    suspended_rights = [(period(month_start[k], None, suspended_status),) for k in range(12, 73)]
    future_rights = [(period(month_start[-k], None, open_status),) for k in range(1, 4)]

    # NIR buckets: (sex digit, year, month code, place); each counts the slots it handed out.
    n_places = len(_PLACES)
    n_months = len(_MONTH_INDEX)
    counts = array("I", bytes(4 * len(_SEX_DIGITS) * 100 * n_months * n_places))
    prefixes = [p.prefix for p in _PLACES]
    communes = [p.communes for p in _PLACES]
    capacities = [p.capacity for p in _PLACES]
    month_index = _MONTH_INDEX
    sex_stride = 100 * n_months
    multiplier = _SLOT_MULTIPLIER
    # (date as on card, year * n_months + month index), by ordinal
    births: dict[int, tuple[str, int]] = {}

    males, females, last_names = MALE_FIRST_NAMES, FEMALE_FIRST_NAMES, LAST_NAMES
    n_males, n_females, n_last = len(males), len(females), len(last_names)
    metro, n_metro = _METRO_PLACES, len(_METRO_PLACES)
    overseas, n_overseas = _OVERSEAS_PLACES, len(_OVERSEAS_PLACES)
    abroad, n_abroad = _ABROAD_PLACES, len(_ABROAD_PLACES)
    corsica = _CORSICA_PLACES
    first_abroad = min(abroad)
    unknown_months, n_unknown = UNKNOWN_MONTHS, len(UNKNOWN_MONTHS)
    three, sexes = _THREE_DIGITS, _SEX_DIGITS
    insured_rel, spouse_rel = Relationship.INSURED, Relationship.SPOUSE
    child_rel = Relationship.CHILD
    p_provisional_cut = P_PROVISIONAL
    p_corsica_cut = p_provisional_cut + P_CORSICA
    p_overseas_cut = p_corsica_cut + P_OVERSEAS

    def birth(ordinal: int) -> tuple[str, int]:
        found = births.get(ordinal)
        if found is None:
            text = date.fromordinal(ordinal).isoformat().replace("-", "")
            found = births[ordinal] = (text, int(text[2:4]) * n_months + int(text[4:6]) - 1)
        return found

    def person(
        female: bool, ordinal: int, abroad_rate: float, lunar_allowed: bool, home: int | None
    ) -> tuple[str, str, int]:
        """(birth date as on card, NIR, place) of one person born on `ordinal`."""
        text, birth_key = births.get(ordinal) or birth(ordinal)
        u = r()
        sex = 1 if female else 0
        born_abroad = False
        if u < p_provisional_cut:  # provisional number, abroad-born
            sex += 2
            place = abroad[int(r() * n_abroad)]
            born_abroad = True
        elif u < p_corsica_cut:
            place = corsica[int(r() * 2)]
        elif u < p_overseas_cut:
            place = overseas[int(r() * n_overseas)]
        elif u < p_overseas_cut + abroad_rate:
            place = abroad[int(r() * n_abroad)]
            born_abroad = True
        elif home is not None and r() < P_HOME_DEPARTMENT:
            place = home
        else:
            place = metro[int(r() * n_metro)]
        nir_month = text[4:6]
        if born_abroad and lunar_allowed and r() < P_LUNAR_IF_ABROAD:
            v = r()
            if v < 0.6:  # neither month nor day known
                text = text[:4] + "0000"
                nir_month = unknown_months[int(r() * n_unknown)]
            elif v < 0.85:  # day unknown
                text = text[:6] + "00"
            else:  # month unknown
                text = text[:4] + "00" + text[6:]
                nir_month = unknown_months[int(r() * n_unknown)]
            birth_key = int(text[2:4]) * n_months + month_index[nir_month]
        while True:
            bucket = (sex * sex_stride + birth_key) * n_places + place
            used_slots = counts[bucket]
            if used_slots < capacities[place]:
                break
            place = metro[int(r() * n_metro)]  # bucket full: born somewhere else
        counts[bucket] = used_slots + 1
        commune, pair = divmod((used_slots * multiplier + bucket) % capacities[place], _ORDER_PAIRS)
        order = 2 * pair + (2 if r() < 0.5 else 1)
        first13 = (
            f"{sexes[sex]}{text[2:4]}{nir_month}"
            f"{prefixes[place]}{communes[place][commune]}{three[order]}"
        )
        return text, first13 + nir_key(first13), place

    produced = 0
    while produced < beneficiaries:
        # --- the member's contract ---------------------------------------------------
        i = bisect(insurer_cumulative, r() * insurer_total)
        i = min(i, last_insurer)
        amc = amc_numbers[i]
        member_number = members[i].next()
        codes = contract_codes[i]
        cumulative = contract_cumulative[i]
        k = bisect(cumulative, r() * cumulative[-1])
        contract_code = codes[k if k < len(codes) else -1]
        agreement = agreements[i][0] if r() < 0.9 else agreements[i][1]

        # --- rights, shared by the family ---------------------------------------------
        u = r()
        latest_birth = today_ordinal
        if u < P_CLOSED:
            ended = 1 + int(r() * 24)
            last_end = month_end(ended)
            rights: tuple[RightsPeriod, ...] = (
                period(month_start[ended + 6 + int(r() * 60)], last_end, open_status),
            )
            latest_birth = last_end.toordinal()
        elif u < P_CLOSED + P_FUTURE:
            rights = future_rights[int(r() * 3)]
        elif u < P_CLOSED + P_FUTURE + P_SUSPENDED:
            rights = suspended_rights[int(r() * 61)]
        elif u < P_CLOSED + P_FUTURE + P_SUSPENDED + P_GAP:
            first_end = 14 + int(r() * 30)
            gap = 2 + int(r() * 11)  # the second starts at least a full month later
            older_start = month_start[first_end + 6 + int(r() * 60)]
            rights = (
                period(older_start, month_end(first_end), open_status),
                period(month_start[first_end - gap], None, open_status),
            )
        else:  # started 1 to 6 years ago, open-ended or until the end of the year
            rights = current_rights[int(r() * 61)][r() < 0.3]

        # --- the insured ------------------------------------------------------------------
        twins = r() < P_TWINS
        age = 25 + r() * 25 if twins else 18 + 77 * r() ** 1.3
        insured_ordinal = today_ordinal - int(age * _DAYS_PER_YEAR)
        insured_female = r() < 0.52
        insured_birth, insured_nir, place = person(
            insured_female, insured_ordinal, P_ABROAD_ADULT, True, None
        )
        home = place if place < first_abroad else None  # abroad has no department to share
        family_name = last_names[int(r() * n_last)]
        first = females[int(r() * n_females)] if insured_female else males[int(r() * n_males)]
        used = {insured_birth}
        yield BeneficiaryStatement(
            amc,
            member_number,
            contract_code,
            agreement,
            insured_nir,
            insured_nir,
            insured_birth,
            1,
            insured_rel,
            family_name,
            first,
            rights,
            today,
        )
        produced += 1
        if produced >= beneficiaries:
            break

        # --- a spouse -----------------------------------------------------------------
        if r() < P_SPOUSE:
            spouse_female = (not insured_female) if r() < 0.96 else insured_female
            spouse_ordinal = insured_ordinal + int((r() * 12 - 6) * _DAYS_PER_YEAR)
            spouse_ordinal = min(spouse_ordinal, today_ordinal - _YEARS_18)
            spouse_birth = insured_birth
            while spouse_birth in used:  # the same day, or both lunar the same year
                spouse_birth, spouse_nir, _ = person(
                    spouse_female, spouse_ordinal, P_ABROAD_ADULT, True, home
                )
                spouse_ordinal -= 1
            used.add(spouse_birth)
            spouse_name = family_name if r() < 0.55 else last_names[int(r() * n_last)]
            first = females[int(r() * n_females)] if spouse_female else males[int(r() * n_males)]
            yield BeneficiaryStatement(
                amc,
                member_number,
                contract_code,
                agreement,
                insured_nir,
                spouse_nir,
                spouse_birth,
                1,
                spouse_rel,
                spouse_name,
                first,
                rights,
                today,
            )
            produced += 1
            if produced >= beneficiaries:
                break

        # --- children -------------------------------------------------------------------
        v = r()
        children = 0
        while v > _CHILDREN_CUMULATIVE[children]:
            children += 1
        if twins:
            children = max(children, 2)
        # children born when the insured was 20 to 45, and dependants up to 25
        lowest = max(insured_ordinal + _YEARS_20, today_ordinal - _YEARS_25)
        highest = min(insured_ordinal + _YEARS_45, latest_birth)
        if lowest > highest:
            continue
        first_start = rights[0].start.toordinal()
        # most children bear the insured's name, some the other parent's
        child_name = family_name if r() < 0.9 else last_names[int(r() * n_last)]
        twin_left = 2 if twins else 0
        siblings: list[int] = []
        child_ordinal = lowest
        child_birth = ""
        child_female = False
        child_nir: str | None = None
        first = ""
        for _ in range(children):
            if twin_left == 1:  # the second twin: same birth date, sex and place, rank 2
                rank = 2
                if child_nir is not None:
                    order = int(child_nir[10:13])
                    first13 = child_nir[:10] + three[order + 1 if order % 2 else order - 1]
                    child_nir = first13 + nir_key(first13)
                twin_name, names = first, (females if child_female else males)
                while first == twin_name:
                    first = names[int(r() * len(names))]
                twin_left = 0
            else:
                rank = 1
                child_ordinal = lowest + int(r() * (highest - lowest + 1))
                tries = 0
                while (
                    siblings
                    and tries < 20
                    and any(abs(child_ordinal - o) < _SIBLING_GAP for o in siblings)
                ):
                    child_ordinal = lowest + int(r() * (highest - lowest + 1))
                    tries += 1
                child_birth = (births.get(child_ordinal) or birth(child_ordinal))[0]
                if child_birth in used or tries == 20:
                    break  # too short a window for one more child
                used.add(child_birth)
                siblings.append(child_ordinal)
                child_female = r() < 0.49
                young = today_ordinal - child_ordinal < _YEARS_16
                if young and r() < P_CHILD_WITHOUT_NIR:
                    child_nir = None
                else:
                    child_nir = person(child_female, child_ordinal, P_ABROAD_CHILD, False, home)[1]
                first = females[int(r() * n_females)] if child_female else males[int(r() * n_males)]
                if twin_left == 2:
                    twin_left = 1
            child_rights = rights
            if child_ordinal > first_start:  # no rights before birth
                born = date.fromordinal(child_ordinal)
                child_rights = tuple(
                    period(max(p.start, born), p.end, p.status)
                    for p in rights
                    if p.end is None or p.end >= born
                )
            yield BeneficiaryStatement(
                amc,
                member_number,
                contract_code,
                agreement,
                insured_nir,
                child_nir,
                child_birth,
                rank,
                child_rel,
                child_name,
                first,
                child_rights,
                today,
            )
            produced += 1
            if produced >= beneficiaries:
                break
