"""A rights check as a pharmacy's software sends it, validated, pure."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from rempart.kernel.errors import InvalidInput
from rempart.kernel.identifiers import BirthDateOnCard, Nir, parse_amc_number, parse_birth_rank
from rempart.registry.domain import CareCategory

_MEMBER_NUMBER = re.compile(r"[A-Z0-9]{1,20}")
_AGREEMENT = re.compile(r"[A-Z0-9]{1,8}")
# Checks are made for the day of dispensing; a late invoice still needs its check, a
# prescription to be filled soon may be checked ahead.
OLDEST_DATE_OF_CARE = timedelta(days=730)
FURTHEST_DATE_OF_CARE = timedelta(days=31)


@dataclass(frozen=True)
class RightsCheckRequest:
    insured_nir: str = field(repr=False)
    birth_date: str = field(repr=False)  # as on the card, may be "lunar"
    birth_rank: int = field(repr=False)
    amc_number: str
    member_number: str = field(repr=False)
    agreement_type: str
    date_of_care: date
    categories: tuple[CareCategory, ...]
    structure: str | None = None  # the FINESS acted for, when the actor has several

    def validated(self, *, today: date) -> RightsCheckRequest:
        member = self.member_number.strip().upper()
        if not _MEMBER_NUMBER.fullmatch(member):
            raise InvalidInput("member_number has 1-20 letters or digits", field="member_number")
        agreement = self.agreement_type.strip().upper()
        if not _AGREEMENT.fullmatch(agreement):
            raise InvalidInput("agreement_type has 1-8 letters or digits", field="agreement_type")
        if not today - OLDEST_DATE_OF_CARE <= self.date_of_care <= today + FURTHEST_DATE_OF_CARE:
            raise InvalidInput(
                "date_of_care is more than two years ago or more than a month ahead",
                field="date_of_care",
            )
        if not self.categories or len(self.categories) > len(CareCategory):
            raise InvalidInput("name the care categories wanted", field="categories")
        return RightsCheckRequest(
            Nir.parse(self.insured_nir, field="insured_nir").value,
            BirthDateOnCard.parse(self.birth_date).value,
            parse_birth_rank(self.birth_rank),
            parse_amc_number(self.amc_number),
            member,
            agreement,
            self.date_of_care,
            tuple(dict.fromkeys(self.categories)),
            self.structure,
        )
