"""The registry's vocabulary, pure: what an insurer tells us about its beneficiaries, and
who the professionals are. No persistence, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from itertools import pairwise

from rempart.kernel.errors import InvalidInput


class InsurerStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class Relationship(StrEnum):
    """The beneficiary's quality under the member's contract."""

    INSURED = "insured"
    SPOUSE = "spouse"
    CHILD = "child"
    OTHER = "other"


class RightsStatus(StrEnum):
    OPEN = "open"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class CareCategory(StrEnum):
    """Care categories a guarantee line applies to; `rempart.rights` gives each its rules.

    The last three are not care: they name what the AMO leaves to the patient (franchises,
    participations forfaitaires, the out-of-pathway increase of the ticket modérateur). A
    contract names them only to state whether it covers them, so that a contrat responsable
    that does is refused (`rempart.rights.responsible`); the coverage calculation never
    takes them as lines and never pays a franchise or a participation forfaitaire.
    """

    PHARMACY_100 = "pharmacy_100"
    PHARMACY_65 = "pharmacy_65"
    PHARMACY_30 = "pharmacy_30"
    PHARMACY_15 = "pharmacy_15"
    GENERAL_PRACTITIONER = "general_practitioner"
    SPECIALIST = "specialist"
    EXCESS_FEES = "excess_fees"
    LABORATORY = "laboratory"
    RADIOLOGY = "radiology"
    HOSPITAL_STAY = "hospital_stay"
    HOSPITAL_DAILY_CHARGE = "hospital_daily_charge"
    OPTICAL_100_SANTE = "optical_100_sante"
    OPTICAL_FREE_PRICE = "optical_free_price"
    DENTAL_100_SANTE = "dental_100_sante"
    DENTAL_PROSTHESIS = "dental_prosthesis"
    HEARING_100_SANTE = "hearing_100_sante"
    HEARING_FREE_PRICE = "hearing_free_price"
    OTHER = "other"
    FRANCHISE = "franchise"
    PARTICIPATION_FORFAITAIRE = "participation_forfaitaire"
    OUT_OF_PATHWAY_PENALTY = "out_of_pathway_penalty"


class RuleKind(StrEnum):
    """How a guarantee line pays. A yearly ceiling (per category and beneficiary) and a
    renewal period are not kinds: they are optional limits on a line of any paying kind."""

    PERCENT_OF_BR = "percent_of_br"  # includes the AMO share: "200% BR"
    PERCENT_OF_TM = "percent_of_tm"
    FIXED_PER_ACT = "fixed_per_act"
    YEARLY_FORFAIT = "yearly_forfait"
    EXCLUDED = "excluded"


class Profession(StrEnum):
    PHARMACIST = "pharmacist"
    GENERAL_PRACTITIONER = "general_practitioner"
    SPECIALIST = "specialist"
    OPTICIAN = "optician"
    AUDIOLOGIST = "audiologist"
    DENTIST = "dentist"
    NURSE = "nurse"
    LABORATORY = "laboratory"


class StructureKind(StrEnum):
    PHARMACY = "pharmacy"
    MEDICAL_PRACTICE = "medical_practice"
    OPTICAL_SHOP = "optical_shop"
    HEARING_CENTRE = "hearing_centre"
    DENTAL_PRACTICE = "dental_practice"
    LABORATORY = "laboratory"
    HOSPITAL = "hospital"


@dataclass(frozen=True, slots=True)
class GuaranteeLine:
    """One care category's guarantee in a contract.

    Rates are in basis points (10000 = 100%), amounts in cents, so nothing is a float.
    """

    category: CareCategory
    kind: RuleKind
    rate_bp: int | None = None
    amount_cents: int | None = None
    yearly_ceiling_cents: int | None = None
    renewal_months: int | None = None

    def __post_init__(self) -> None:
        percentage = self.kind in (RuleKind.PERCENT_OF_BR, RuleKind.PERCENT_OF_TM)
        if percentage and (self.rate_bp is None or not 0 <= self.rate_bp <= 100_000):
            raise InvalidInput(f"{self.category}: a percentage rule needs rate_bp in 0..100000")
        fixed = self.kind in (RuleKind.FIXED_PER_ACT, RuleKind.YEARLY_FORFAIT)
        if fixed and (self.amount_cents is None or self.amount_cents < 0):
            raise InvalidInput(f"{self.category}: a fixed rule needs a positive amount_cents")
        for name in ("yearly_ceiling_cents", "renewal_months"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise InvalidInput(f"{self.category}: {name} cannot be negative")


@dataclass(frozen=True, slots=True)
class Contract:
    code: str
    label: str
    responsible: bool
    guarantees: tuple[GuaranteeLine, ...]

    def __post_init__(self) -> None:
        categories = [g.category for g in self.guarantees]
        if len(categories) != len(set(categories)):
            raise InvalidInput(f"contract {self.code}: a care category appears twice")


@dataclass(frozen=True, slots=True)
class Insurer:
    amc_number: str
    name: str
    dpo_email: str = field(repr=False)
    status: InsurerStatus = InsurerStatus.ACTIVE
    contracts: tuple[Contract, ...] = ()


@dataclass(frozen=True, slots=True)
class RightsPeriod:
    start: date
    end: date | None  # None: open-ended
    status: RightsStatus = RightsStatus.OPEN

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise InvalidInput("a rights period ends before it starts", field="rights")

    def overlaps(self, other: RightsPeriod) -> bool:
        self_end = self.end or date.max
        other_end = other.end or date.max
        return self.start <= other_end and other.start <= self_end

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    def __reduce__(self) -> tuple[type[RightsPeriod], tuple[date, date | None, RightsStatus]]:
        # Pickled through the constructor: dataclasses' own state protocol looks up the
        # fields of every object, several times the cost (an import pickles millions).
        return RightsPeriod, (self.start, self.end, self.status)


def check_no_overlap(periods: tuple[RightsPeriod, ...]) -> None:
    if len(periods) < 2:  # nearly every statement: skip the sort
        return
    ordered = sorted(periods, key=lambda p: p.start)
    for earlier, later in pairwise(ordered):
        if earlier.overlaps(later):
            raise InvalidInput("two rights periods overlap", field="rights")


def close_periods(periods: tuple[RightsPeriod, ...], *, on: date) -> tuple[RightsPeriod, ...]:
    """Rights end the day before `on`: later periods are kept but marked closed."""
    closed: list[RightsPeriod] = []
    for period in periods:
        if period.start >= on:
            closed.append(RightsPeriod(period.start, period.end, RightsStatus.CLOSED))
        elif period.end is None or period.end >= on:
            closed.append(
                RightsPeriod(period.start, date.fromordinal(on.toordinal() - 1), period.status)
            )
        else:
            closed.append(period)
    return tuple(closed)


@dataclass(frozen=True, slots=True)
class BeneficiaryStatement:
    """One line of an insurer's rights file: everything it states about one beneficiary.

    Identifiers are already validated strings (see kernel.identifiers). The card tuple
    (insured NIR, birth date as on card, rank, AMC number, member number) is how the
    beneficiary is found; nothing else is.
    """

    amc_number: str
    member_number: str = field(repr=False)
    contract_code: str
    agreement_type: str
    insured_nir: str = field(repr=False)
    beneficiary_nir: str | None = field(repr=False)
    birth_date: str = field(repr=False)
    birth_rank: int
    relationship: Relationship
    last_name: str = field(repr=False)
    first_name: str = field(repr=False)
    rights: tuple[RightsPeriod, ...]
    as_of: date

    def __post_init__(self) -> None:
        check_no_overlap(self.rights)

    def __reduce__(self) -> tuple[type[BeneficiaryStatement], tuple[object, ...]]:
        # As RightsPeriod: through the constructor (and so through its checks again).
        return BeneficiaryStatement, (
            self.amc_number,
            self.member_number,
            self.contract_code,
            self.agreement_type,
            self.insured_nir,
            self.beneficiary_nir,
            self.birth_date,
            self.birth_rank,
            self.relationship,
            self.last_name,
            self.first_name,
            self.rights,
            self.as_of,
        )


@dataclass(frozen=True, slots=True)
class Structure:
    finess: str
    siret: str
    kind: StructureKind
    name: str
    address: str = field(repr=False)
    iban: str = field(repr=False)
    bic: str


@dataclass(frozen=True, slots=True)
class Professional:
    rpps: str
    profession: Profession
    last_name: str = field(repr=False)
    first_name: str = field(repr=False)
    structures: tuple[str, ...] = field(default=())  # FINESS numbers where they practise
    administrator_of: tuple[str, ...] = field(default=())
