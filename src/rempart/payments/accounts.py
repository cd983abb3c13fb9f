"""Whose bank account a payment goes to, and whose it is debited from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import bindparam, select

from rempart.db.uow import UnitOfWork
from rempart.kernel.errors import InvalidInput
from rempart.payments.models import InsurerMandateRow
from rempart.payments.sepa import Account
from rempart.registry.generator import synthetic_bank_details
from rempart.registry.models import StructureRow
from rempart.settings import Settings


@dataclass(frozen=True)
class Operator:
    """The platform's own account and SEPA creditor identifier."""

    account: Account
    creditor_id: str = field(repr=False)


# A structure's account for a payout, or None while its payments are held.
PayoutAccountFor = Callable[[UnitOfWork, str], Account | None]


# Plain columns, not the ORM row: a payment run reads one account per structure paid.
_STRUCTURE_ACCOUNT = select(
    StructureRow.id, StructureRow.name, StructureRow.iban, StructureRow.bic
).where(StructureRow.finess == bindparam("finess"))


def registered_account(uow: UnitOfWork, finess: str) -> Account | None:
    """The account the structure registered with the platform."""
    row = uow.session.execute(_STRUCTURE_ACCOUNT, {"finess": finess}).first()
    if row is None:
        return None
    iban = uow.vault.open(row.iban, table="structures", column="iban", row_id=row.id)
    return Account(name=row.name, iban=iban, bic=row.bic)


def mandate_of(uow: UnitOfWork, amc_number: str) -> tuple[Account, InsurerMandateRow] | None:
    row = uow.session.scalars(
        select(InsurerMandateRow).where(InsurerMandateRow.amc_number == amc_number)
    ).first()
    if row is None:
        return None
    iban = uow.vault.open(row.iban, table="insurer_mandates", column="iban", row_id=row.id)
    return Account(name=row.account_name, iban=iban, bic=row.bic), row


def operator_from(settings: Settings) -> Operator:
    """From settings; a development platform gets a synthetic account of its own."""
    iban = settings.operator_iban.get_secret_value() if settings.operator_iban else None
    if iban and settings.operator_bic and settings.sepa_creditor_id:
        return Operator(
            Account(settings.operator_name, iban, settings.operator_bic),
            settings.sepa_creditor_id,
        )
    if settings.is_development:
        iban, bic = synthetic_bank_details(seed=0)
        return Operator(Account(settings.operator_name, iban, bic), "FR72ZZZ123456")
    raise InvalidInput(
        "payment runs need REMPART_OPERATOR_IBAN, REMPART_OPERATOR_BIC and "
        "REMPART_SEPA_CREDITOR_ID",
        field="operator_iban",
    )
