"""A pharmacy with imported beneficiaries, and invoices as its software sends them."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from rempart.identity.permissions import Role
from rempart.registry import service as registry
from rempart.registry.domain import BeneficiaryStatement, RightsStatus
from rempart.registry.models import BeneficiaryRow, GuaranteeLineRow

from ..conftest import TODAY
from ..factories import card_of, france, statements, write_file
from ..identity.clientworld import World, build_world
from ..identity.web import Web, make_web

_keys = itertools.count(1)


@dataclass
class Pharmacy:
    web: Web
    world: World
    lines: list[BeneficiaryStatement]
    counter: TestClient  # a professional of world.finess, signed in
    other_counter: TestClient  # a professional of another structure
    professional: uuid.UUID  # the counter's account

    def open_people(self) -> list[BeneficiaryStatement]:
        return [
            x
            for x in self.lines
            if any(p.covers(TODAY) and p.status is RightsStatus.OPEN for p in x.rights)
        ]

    def submit(
        self, body: dict[str, Any], *, key: str | None = None, counter: TestClient | None = None
    ) -> Any:
        return (counter or self.counter).post(
            "/api/v1/invoices",
            json=body,
            headers={"Idempotency-Key": key or f"key-{next(_keys):08d}"},
        )

    def set_ceiling(self, person: BeneficiaryStatement, category: str, cents: int) -> None:
        """Gives the person's contract a yearly ceiling in one category (test setup)."""
        with self.web.platform.uow() as uow:
            beneficiary_id = registry.find_beneficiary(uow=uow, **card_of(person))  # type: ignore[arg-type]
            contract_id = uow.session.scalar(
                select(BeneficiaryRow.contract_id).where(BeneficiaryRow.id == beneficiary_id)
            )
            uow.session.execute(
                update(GuaranteeLineRow)
                .where(
                    GuaranteeLineRow.contract_id == contract_id,
                    GuaranteeLineRow.category == category,
                )
                .values(yearly_ceiling_cents=cents)
            )
            uow.commit()


def open_pharmacy(tmp_path: Path, database_url: str, **overrides: object) -> Pharmacy:
    web = make_web(tmp_path, database_url, **overrides)
    world = build_world(web.platform)
    lines = statements(france(60), beneficiaries=60)
    registry.import_rights_file(
        uow=web.platform.uow(), path=write_file(tmp_path / "r.jsonl", lines)
    )
    pro = web.account(Role.PROFESSIONAL, "pharmacien", finess=(world.finess,), rpps=None)
    other = web.account(Role.PROFESSIONAL, "voisin", finess=(world.other_finess,), rpps=None)
    return Pharmacy(web, world, lines, web.signed_in(pro), web.signed_in(other), pro)


def card(person: BeneficiaryStatement, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "insured_nir": person.insured_nir,
        "birth_date": person.birth_date,
        "birth_rank": person.birth_rank,
        "amc_number": person.amc_number,
        "member_number": person.member_number,
        "agreement_type": person.agreement_type,
    }
    body.update(changes)
    return body


def drug(code: str = "3400930000001", *, price: int = 1000, **changes: Any) -> dict[str, Any]:
    """A 65% drug: BR = price, the AMO pays 65%, the ticket modérateur is 35%."""
    line: dict[str, Any] = {
        "category": "pharmacy_65",
        "code": code,
        "quantity": 1,
        "unit_price_cents": price,
        "unit_br_cents": price,
        "amo_rate_bp": 6500,
        "amo_cents": price * 65 // 100,
    }
    line.update(changes)
    return line


def invoice(
    person: BeneficiaryStatement | None = None,
    *lines: dict[str, Any],
    number: str = "F0001",
    day: date = TODAY,
    **changes: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "invoice_number": number,
        "date_of_care": day.isoformat(),
        "lines": list(lines) or [drug()],
    }
    if person is not None:
        body["card"] = card(person)
    body.update(changes)
    return body
