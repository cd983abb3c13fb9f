"""Recording an insurer's SEPA direct debit mandate (operators, from the signed paper)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from rempart.db.uow import UnitOfWork
from rempart.kernel.errors import InvalidInput, NotFound
from rempart.kernel.identifiers import Iban, parse_bic
from rempart.kernel.ids import new_id
from rempart.payments.models import InsurerMandateRow
from rempart.registry.generator import synthetic_bank_details
from rempart.registry.models import InsurerRow


def record_mandate(
    *,
    uow: UnitOfWork,
    amc_number: str,
    account_name: str,
    iban: str,
    bic: str,
    mandate_id: str,
    signed_on: date,
) -> None:
    """Records (or replaces) the insurer's mandate. The IBAN is sealed like every other."""
    iban = Iban.parse(iban).value
    bic = parse_bic(bic)
    if not 1 <= len(mandate_id) <= 35 or " " in mandate_id:
        raise InvalidInput("a mandate reference has 1-35 characters, no spaces", field="mandate_id")
    if not 1 <= len(account_name.strip()) <= 70:
        raise InvalidInput("the account holder's name has 1-70 characters", field="account_name")
    with uow:
        if (
            uow.session.scalars(
                select(InsurerRow.id).where(InsurerRow.amc_number == amc_number)
            ).first()
            is None
        ):
            raise NotFound("no insurer has this AMC number")
        row = uow.session.scalars(
            select(InsurerMandateRow).where(InsurerMandateRow.amc_number == amc_number)
        ).first()
        if row is None:
            row = InsurerMandateRow(id=new_id(), amc_number=amc_number)
            uow.session.add(row)
        row.account_name = account_name.strip()
        row.iban = uow.vault.seal(iban, table="insurer_mandates", column="iban", row_id=row.id)
        row.key_version = uow.vault.active_version
        row.bic = bic
        row.mandate_id = mandate_id
        row.signed_on = signed_on
        row.recorded_at = uow.clock.now()
        uow.commit()


def seed_demo_mandates(*, uow: UnitOfWork, amc_numbers: list[str], signed_on: date) -> None:
    """Synthetic B2B mandates for a demo platform's insurers, so that its payment runs
    write a direct debit file too."""
    for index, amc_number in enumerate(sorted(amc_numbers)):
        iban, bic = synthetic_bank_details(seed=10_000 + index)
        record_mandate(
            uow=uow,
            amc_number=amc_number,
            account_name=f"Compte AMC {amc_number}",
            iban=iban,
            bic=bic,
            mandate_id=f"RUM-DEMO-{amc_number}",
            signed_on=signed_on,
        )
