"""Concurrent invoices on PostgreSQL: parallel requests cannot overspend a ceiling, and
parallel resends of one Idempotency-Key create one invoice."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import create_engine, func, select

from rempart.claims.models import ConsumptionRow, InvoiceRow
from rempart.claims.receipts import InvoiceReceipt
from rempart.registry import service as registry
from rempart.registry.models import BeneficiaryRow

from ..factories import card_of
from ..payments.world import send
from .support import Pharmacy, invoice, open_pharmacy

T = TypeVar("T")


@pytest.fixture
def pharmacy(tmp_path: Path, postgres_url: str) -> Pharmacy:
    return open_pharmacy(tmp_path, postgres_url)


def _together(count: int, work: Callable[[int], T]) -> list[T]:
    """Runs `work` in `count` threads released at the same instant."""
    start = threading.Barrier(count)
    results: list[T | BaseException] = [RuntimeError("not run")] * count

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = work(index)
        except BaseException as error:
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results  # type: ignore[return-value]


def test_parallel_invoices_cannot_overspend_a_ceiling(pharmacy: Pharmacy) -> None:
    person = pharmacy.open_people()[0]
    pharmacy.set_ceiling(person, "pharmacy_65", 1000)
    platform, finess = pharmacy.web.platform, pharmacy.world.finess
    receipts: list[InvoiceReceipt] = _together(
        8, lambda i: send(platform, finess, person, code=f"34009300000{i:02d}")
    )
    assert sum(r.amc_cents for r in receipts) == 1000
    assert sorted(r.amc_cents for r in receipts)[-3:] == [300, 350, 350]
    with platform.uow() as uow:
        consumed = uow.session.scalar(select(func.sum(ConsumptionRow.amc_cents)))
    assert consumed == 1000


def test_parallel_resends_of_one_key_create_one_invoice(pharmacy: Pharmacy) -> None:
    person = pharmacy.open_people()[0]
    key = f"resend-{uuid.uuid4().hex}"
    body = {
        "invoice_number": "F0001",
        "date_of_care": "2026-11-28",
        "card": {
            "insured_nir": person.insured_nir,
            "birth_date": person.birth_date,
            "birth_rank": person.birth_rank,
            "amc_number": person.amc_number,
            "member_number": person.member_number,
            "agreement_type": person.agreement_type,
        },
        "lines": [
            {
                "category": "pharmacy_65",
                "code": "3400930000001",
                "quantity": 1,
                "unit_price_cents": 1000,
                "unit_br_cents": 1000,
                "amo_rate_bp": 6500,
                "amo_cents": 650,
            }
        ],
    }
    answers = _together(4, lambda _: pharmacy.submit(body, key=key))
    assert {a.status_code for a in answers} <= {201, 409}
    accepted = [a.json() for a in answers if a.status_code == 201]
    assert accepted
    assert len({a["invoice_id"] for a in accepted}) == 1
    with pharmacy.web.platform.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(InvoiceRow)) == 1


def test_a_lock_held_too_long_fails_the_invoice_fast_and_a_resend_goes_through(
    tmp_path: Path, postgres_url: str
) -> None:
    """A transaction stuck holding the beneficiary's lock (a hung worker, a console left
    open): the invoice behind it waits `database_lock_timeout_s`, not for ever, and
    answers 503; sent again with the same key once the lock is gone, it is taken once."""
    pharmacy = open_pharmacy(tmp_path / "slow", postgres_url, database_lock_timeout_s=0.3)
    person = pharmacy.open_people()[0]
    with pharmacy.web.platform.uow() as uow:
        beneficiary_id = registry.find_beneficiary(uow=uow, **card_of(person))  # type: ignore[arg-type]
    stuck = create_engine(postgres_url)
    try:
        with stuck.connect() as holder:
            holder.execute(
                select(BeneficiaryRow.id)
                .where(BeneficiaryRow.id == beneficiary_id)
                .with_for_update()
            )
            started = time.monotonic()
            refused = pharmacy.submit(invoice(person), key="held-lock-1")
            assert time.monotonic() - started < 5
            assert refused.status_code == 503, refused.text
            assert refused.headers["retry-after"] == "1"
            holder.rollback()
        taken = pharmacy.submit(invoice(person), key="held-lock-1")
        assert taken.status_code == 201, taken.text
        again = pharmacy.submit(invoice(person), key="held-lock-1")
        assert again.content == taken.content
    finally:
        stuck.dispose()
    with pharmacy.web.platform.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(InvoiceRow)) == 1
