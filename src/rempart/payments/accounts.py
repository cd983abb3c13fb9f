"""Whose bank account a payment goes to, and whose it is debited from."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from rempart.db.uow import UnitOfWork
from rempart.kernel.errors import InvalidInput
from rempart.payments.models import InsurerMandateRow
from rempart.payments.sepa import Account
from rempart.payouts.service import decide_payouts
from rempart.registry.generator import synthetic_bank_details
from rempart.settings import Settings


@dataclass(frozen=True)
class Operator:
    """The platform's own account and SEPA creditor identifier."""

    account: Account
    creditor_id: str = field(repr=False)


# The accounts a batch of structures' payouts go to, by FINESS: None for a structure
# whose payments are held.
PayoutAccountsFor = Callable[[UnitOfWork, Sequence[str]], dict[str, Account | None]]


def structure_accounts(uow: UnitOfWork, finesses: Sequence[str]) -> dict[str, Account | None]:
    """The account each structure's payments may go to now, or None while they are held
    (a bank account change pending approval or in its cooling-off period). Decided in the
    caller's transaction, which keeps the structures locked until the payouts are
    recorded; a payment run's batch at a time (two statements, not three a structure)."""
    decisions = decide_payouts(uow, structure_finesses=finesses, at=uow.clock.now())
    accounts: dict[str, Account | None] = {}
    for finess in finesses:
        decision = decisions.get(finess)
        accounts[finess] = None
        if decision is not None and decision.payable and decision.iban and decision.bic:
            name = decision.account_name or finess
            accounts[finess] = Account(name=name, iban=decision.iban.value, bic=decision.bic)
    return accounts


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
