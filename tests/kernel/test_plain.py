"""`plain` is `dataclasses.asdict` without the deep copies: the same JSON, byte for byte
(an invoice's fingerprint is compared with the one stored for its Idempotency-Key)."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass
from datetime import date
from typing import NamedTuple

from hypothesis import given
from hypothesis import strategies as st

from rempart.claims.domain import ClaimedLine, InvoiceStatus, LineStatus
from rempart.claims.receipts import InvoiceReceipt, LineReceipt
from rempart.claims.requests import CardData, InvoiceSubmission
from rempart.kernel.plain import plain
from rempart.registry.domain import CareCategory
from rempart.rights.domain import NOT_CARE, PHARMACY_AMO_RATE_BP, CareLine
from rempart.rights.reasons import Reason


def _json(value: object) -> str:
    return json.dumps(value, default=str, sort_keys=True)


@st.composite
def care_lines(draw: st.DrawFn) -> CareLine:
    """Valid lines (the domain refuses the others at construction)."""
    quantity = draw(st.integers(1, 9))
    price = draw(st.integers(0, 10_000))
    category = draw(st.sampled_from([c for c in CareCategory if c not in NOT_CARE]))
    return CareLine(
        category=category,
        code=draw(st.text("0123456789", min_size=1, max_size=13)),
        quantity=quantity,
        unit_price_cents=price,
        unit_br_cents=price,
        amo_rate_bp=PHARMACY_AMO_RATE_BP.get(category, 6_000),
        amo_cents=draw(st.integers(0, price * quantity)),
    )


submissions = st.builds(
    InvoiceSubmission,
    invoice_number=st.text(max_size=20),
    date_of_care=st.dates(),
    lines=st.lists(st.builds(ClaimedLine, care=care_lines()), max_size=4).map(tuple),
    card=st.none() | st.builds(CardData, birth_rank=st.integers(1, 9)),
    accreditation_id=st.none() | st.uuids(),
    structure=st.none() | st.text(max_size=9),
)
receipts = st.builds(
    InvoiceReceipt,
    invoice_id=st.uuids(),
    status=st.sampled_from(InvoiceStatus),
    reason=st.none() | st.sampled_from(Reason),
    lines=st.lists(
        st.builds(
            LineReceipt,
            status=st.sampled_from(LineStatus),
            reason=st.none() | st.sampled_from(Reason),
            rule=st.none() | st.text(max_size=8),
        ),
        max_size=4,
    ).map(tuple),
)


@given(submissions)
def test_an_invoice_submission_reads_as_asdict_reads_it(submission: InvoiceSubmission) -> None:
    assert _json(plain(submission)) == _json(asdict(submission))
    assert submission.fingerprint() == _json(asdict(submission)).encode()


@given(receipts)
def test_a_receipt_reads_as_asdict_reads_it(receipt: InvoiceReceipt) -> None:
    assert receipt.to_json() == _json(asdict(receipt))
    assert InvoiceReceipt.from_json(receipt.to_json()) == receipt


class Pair(NamedTuple):
    left: int
    right: date


@dataclass(frozen=True)
class Nested:
    pairs: list[Pair]
    by_id: dict[str, tuple[uuid.UUID, ...]]


def test_containers_keep_their_types_as_in_asdict() -> None:
    value = Nested([Pair(1, date(2026, 11, 29))], {"a": (uuid.UUID(int=7),)})
    assert plain(value) == asdict(value)
    assert type(plain(value)["pairs"][0]) is Pair
