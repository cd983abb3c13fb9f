"""The check route serialises its answer itself (rights.api.check): the bytes must be
those FastAPI sends for the same model through its response field (compact JSON, by
alias), every kind of value present: dates, a UUID, enums, nulls and a list."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import TypeAdapter

from rempart.registry.domain import CareCategory, RuleKind
from rempart.rights.api import AccreditationOut, GuaranteeOut, RightsCheckOut
from rempart.rights.eligibility import CheckStatus
from rempart.rights.reasons import Reason


def test_the_answer_is_what_fastapi_would_have_sent() -> None:
    answers = [
        RightsCheckOut(
            status=CheckStatus.OPEN,
            reason=None,
            valid_from=date(2026, 1, 1),
            valid_until=None,
            guarantees=[
                GuaranteeOut(
                    category=category,
                    kind=kind,
                    rate_bp=10_000,
                    amount_cents=None,
                    yearly_ceiling_cents=5_000,
                    renewal_months=None,
                )
                for category, kind in zip(CareCategory, RuleKind, strict=False)
            ],
            accreditation=AccreditationOut(id=uuid.uuid4(), expires_on=date(2026, 2, 1)),
        ),
        RightsCheckOut(
            status=CheckStatus.NO_MATCHING_RIGHTS,
            reason=next(iter(Reason)),
            valid_from=None,
            valid_until=None,
            guarantees=[],
            accreditation=None,
        ),
    ]
    adapter = TypeAdapter(RightsCheckOut)
    for answer in answers:
        assert answer.model_dump_json().encode() == adapter.dump_json(answer, by_alias=True)
