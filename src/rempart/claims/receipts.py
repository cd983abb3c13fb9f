"""What an invoice's sender is told: per line, accepted for an amount or rejected with a
code. Holds no personal data, so it can be stored as the idempotent answer."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from rempart.claims.domain import InvoiceStatus, LineStatus
from rempart.kernel.plain import plain
from rempart.rights.reasons import Reason


@dataclass(frozen=True, slots=True)
class LineReceipt:
    line_no: int
    code: str
    status: LineStatus
    reason: Reason | None
    amc_cents: int
    rule: str | None
    near_duplicate: bool


@dataclass(frozen=True)
class InvoiceReceipt:
    invoice_id: uuid.UUID
    invoice_number: str
    status: InvoiceStatus
    reason: Reason | None
    amc_cents: int
    lines: tuple[LineReceipt, ...]

    def to_json(self) -> str:
        return json.dumps(plain(self), default=str, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> InvoiceReceipt:
        data = json.loads(text)
        return cls(
            invoice_id=uuid.UUID(data["invoice_id"]),
            invoice_number=data["invoice_number"],
            status=InvoiceStatus(data["status"]),
            reason=Reason(data["reason"]) if data["reason"] else None,
            amc_cents=data["amc_cents"],
            lines=tuple(
                LineReceipt(
                    line_no=line["line_no"],
                    code=line["code"],
                    status=LineStatus(line["status"]),
                    reason=Reason(line["reason"]) if line["reason"] else None,
                    amc_cents=line["amc_cents"],
                    rule=line["rule"],
                    near_duplicate=line["near_duplicate"],
                )
                for line in data["lines"]
            ),
        )
