"""An invoice as the professional's software sends it, validated, pure."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field, replace
from datetime import date

from rempart.claims.domain import ClaimedLine, validate_invoice_number, validate_lines
from rempart.kernel.errors import InvalidInput
from rempart.kernel.plain import plain
from rempart.rights.requests import OLDEST_DATE_OF_CARE, RightsCheckRequest


@dataclass(frozen=True)
class CardData:
    """Read from the patient's cards, exactly as for a rights check."""

    insured_nir: str = field(repr=False)
    birth_date: str = field(repr=False)
    birth_rank: int = field(repr=False)
    amc_number: str
    member_number: str = field(repr=False)
    agreement_type: str


@dataclass(frozen=True)
class InvoiceSubmission:
    invoice_number: str
    date_of_care: date
    lines: tuple[ClaimedLine, ...]
    card: CardData | None = field(default=None, repr=False)
    accreditation_id: uuid.UUID | None = None
    structure: str | None = None  # the FINESS acted for, when the actor has several

    def validated(self, *, today: date) -> InvoiceSubmission:
        if self.card is None and self.accreditation_id is None:
            raise InvalidInput("give the card data, an accreditation id, or both", field="card")
        if self.date_of_care > today:
            raise InvalidInput("an invoice is for care already given", field="date_of_care")
        if self.date_of_care < today - OLDEST_DATE_OF_CARE:
            raise InvalidInput("date_of_care is more than two years ago", field="date_of_care")
        lines = validate_lines(self.lines)
        card = self.card
        if card is not None:
            checked = RightsCheckRequest(
                insured_nir=card.insured_nir,
                birth_date=card.birth_date,
                birth_rank=card.birth_rank,
                amc_number=card.amc_number,
                member_number=card.member_number,
                agreement_type=card.agreement_type,
                date_of_care=self.date_of_care,
                categories=tuple(dict.fromkeys(line.care.category for line in lines)),
            ).validated(today=today)
            card = CardData(
                checked.insured_nir,
                checked.birth_date,
                checked.birth_rank,
                checked.amc_number,
                checked.member_number,
                checked.agreement_type,
            )
        return replace(
            self,
            invoice_number=validate_invoice_number(self.invoice_number),
            lines=lines,
            card=card,
        )

    def fingerprint(self) -> bytes:
        """Canonical bytes of the request, for comparing an Idempotency-Key's reuse. It
        holds card data: it is only ever stored as a keyed digest."""
        return json.dumps(plain(self), default=str, sort_keys=True).encode()
