"""Whether a beneficiary's rights are open at the date of care, pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from rempart.registry.domain import RightsPeriod, RightsStatus
from rempart.rights.reasons import Reason


class CheckStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    NO_MATCHING_RIGHTS = "no_matching_rights"


@dataclass(frozen=True)
class Eligibility:
    status: CheckStatus
    reason: Reason | None = None
    valid_from: date | None = None
    valid_until: date | None = None  # None: open-ended


NO_MATCH = Eligibility(CheckStatus.NO_MATCHING_RIGHTS, Reason.NO_MATCHING_RIGHTS)


def eligibility(periods: Sequence[RightsPeriod], *, day: date) -> Eligibility:
    """Open when an open period covers the day; otherwise closed, saying whether the
    rights are yet to open or have ended (or were closed)."""
    for period in periods:
        if period.covers(day):
            if period.status is RightsStatus.OPEN:
                return Eligibility(CheckStatus.OPEN, None, period.start, period.end)
            return Eligibility(CheckStatus.CLOSED, Reason.RIGHTS_CLOSED)
    if any(p.start > day and p.status is RightsStatus.OPEN for p in periods):
        return Eligibility(CheckStatus.CLOSED, Reason.RIGHTS_NOT_YET_OPEN)
    return Eligibility(CheckStatus.CLOSED, Reason.RIGHTS_CLOSED)
