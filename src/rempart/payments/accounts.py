"""Whose bank account a payment goes to, and whose it is debited from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from rempart.db.uow import UnitOfWork
from rempart.kernel.errors import InvalidInput
from rempart.payments.models import InsurerMandateRow
from rempart.payments.sepa import Account
from rempart.payouts.service import decide_payout
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


def structure_account(uow: UnitOfWork, finess: str) -> Account | None:
    """The account the structure's payments may go to now, or None while they are held
    (a bank account change pending approval or in its cooling-off period). Decided in the
    caller's transaction, which keeps the structure locked until the payout is recorded."""
    decision = decide_payout(uow, structure_finess=finess, at=uow.clock.now())
    if not decision.payable or decision.iban is None or decision.bic is None:
        return None
    name = uow.session.scalar(select(StructureRow.name).where(StructureRow.finess == finess))
    return Account(name=name or finess, iban=decision.iban.value, bic=decision.bic)


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
