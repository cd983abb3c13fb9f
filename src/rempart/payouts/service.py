"""Use cases of payout integrity: read a structure's bank account (masked), request,
approve and cancel a change, and tell the payment run where a structure's payments may
go at an instant.

Every change is serialised on the structure's row (locked for the transaction), written
with its audit record, the acting person's security event and the out-of-band notices
in one unit of work: a change that does not commit leaves no trace and sends nothing.
No IBAN leaves this module except to the payment run (`PayoutAccount.iban`): views,
audit records, events and notices carry the last four characters at most.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rempart.audit.domain import AuditTag, Category, Outcome
from rempart.audit.trail import record_action
from rempart.db.uow import UnitOfWork
from rempart.identity.domain import SecurityTag
from rempart.identity.events import record_event
from rempart.identity.factors import require_recent_strong_factor
from rempart.identity.permissions import Actor, ObjectKind, Permission, Role, Target, authorize
from rempart.kernel.errors import Conflict, Forbidden, NotFound
from rempart.kernel.identifiers import Iban, parse_bic, parse_finess
from rempart.kernel.ids import new_id
from rempart.outbox.service import enqueue
from rempart.payouts import domain, notices
from rempart.payouts.domain import (
    AccountStatus,
    BankAccount,
    HoldReason,
    Requester,
    Verdict,
    change_under_way,
    in_effect,
    payout_decision,
)
from rempart.payouts.repository import (
    Rows,
    account_rows,
    account_rows_of,
    accounts_of,
    add_change,
    bic_of,
    iban_of,
    settle,
    structure_of,
    write,
)
from rempart.registry.service import RegisteredStructure, registered_structures
from rempart.shield.port import Shield, admit

_REQUESTERS = {
    Role.STRUCTURE_ADMIN: Requester.STRUCTURE_ADMIN,
    Role.PLATFORM_ADMIN: Requester.PLATFORM_ADMIN,
}
_PARTIES = {
    Role.STRUCTURE_ADMIN: notices.Party.STRUCTURE_ADMIN,
    Role.PLATFORM_ADMIN: notices.Party.PLATFORM_ADMIN,
    Role.SECURITY_ANALYST: notices.Party.SECURITY_ANALYST,
}


# --- what callers get back -------------------------------------------------------------


@dataclass(frozen=True)
class AccountView:
    """The account in effect, masked. `requested_at` and `effective_at` are None for the
    account registered at onboarding."""

    last4: str
    bic: str
    requested_at: datetime | None
    effective_at: datetime | None


@dataclass(frozen=True)
class ChangeView:
    id: uuid.UUID
    last4: str
    bic: str
    status: AccountStatus  # pending_approval or cooling_off
    requester: Requester
    requested_at: datetime
    effective_at: datetime | None  # None while it waits for approval


@dataclass(frozen=True)
class BankAccountView:
    structure: str
    current: AccountView
    change: ChangeView | None
    payments: Verdict  # held while a change is under way


@dataclass(frozen=True)
class PayoutAccount:
    """Where a structure's payments may go at an instant, for the payment run.

    `verdict` PAY: transfer to `iban` / `bic`. HELD: transfer nothing to this structure
    now — neither to the old account nor to the new one; its lines stay payable and go
    in a later run, from `held_until` at the earliest (None while the change waits for a
    second platform administrator: it may be approved, cancelled or left waiting)."""

    structure_finess: str
    verdict: Verdict
    iban: Iban | None = field(default=None, repr=False)
    bic: str | None = None
    last4: str | None = None
    reason: HoldReason | None = None
    held_until: datetime | None = None
    account_name: str | None = None  # made out to: the structure's registered name

    @property
    def payable(self) -> bool:
        return self.verdict is Verdict.PAY


# --- use cases ---------------------------------------------------------------------------


def bank_account(
    *, uow: UnitOfWork, actor: Actor, shield: Shield, structure: str
) -> BankAccountView:
    """The structure's account in effect and the change under way, masked."""
    finess = _authorised(actor, Permission.BANK_ACCOUNT_READ, structure)
    admit(shield, uow, actor, "payouts.bank_account.read", finess)
    with uow:
        registered = structure_of(uow, finess)
        view = _view(registered, accounts_of(uow, registered), uow.clock.now())
        record_action(
            uow,
            tag=AuditTag.PAYOUTS_BANK_ACCOUNT_READ,
            actor=actor,
            structure=finess,
            categories={Category.BANK},
        )
        uow.commit()
    return view


def request_bank_account_change(
    *,
    uow: UnitOfWork,
    actor: Actor,
    shield: Shield,
    structure: str,
    iban: str,
    bic: str,
    cooling_off: timedelta,
) -> BankAccountView:
    """A structure administrator of the structure, with a fresh phishing-resistant
    step-up: the change cools off at once. A platform administrator (step-up too): the
    change waits for a second platform administrator. Either supersedes the change under
    way, whose cooling-off does not carry over."""
    finess = _authorised(actor, Permission.IBAN_CHANGE, structure)
    requester = _REQUESTERS.get(actor.role)
    if requester is None:  # a grant without a path: refuse rather than guess
        raise Forbidden(f"{Permission.IBAN_CHANGE} is not allowed here")
    require_recent_strong_factor(actor, now_seconds=uow.clock.now().timestamp())
    admit(shield, uow, actor, "payouts.bank_account.change", finess)
    new_iban, new_bic = Iban.parse(iban), parse_bic(bic)
    domain.check_cooling_off(cooling_off)
    with uow:
        now = uow.clock.now()
        registered = structure_of(uow, finess, lock=True)
        rows = settle(uow, registered, now)
        accounts = [a for _, a in rows]
        current = in_effect(accounts, now)
        current_iban = iban_of(uow, rows, current, registered)
        if (new_iban.value, new_bic) == (current_iban, bic_of(current, registered)):
            raise Conflict(
                "the structure is already paid on this account: to stop a change under "
                "way, cancel it"
            )
        replaces = change_under_way(accounts, now)
        if replaces is not None:
            if (new_iban.value, new_bic) == (
                iban_of(uow, rows, replaces, registered),
                replaces.bic,
            ):
                raise Conflict("the same change is already under way")
            write(uow, rows, domain.superseded(replaces))
        change = domain.new_change(
            account_id=new_id(),
            last4=new_iban.value[-4:],
            bic=new_bic,
            requester=requester,
            requested_by=actor.account_id,
            now=now,
            cooling_off=cooling_off,
        )
        add_change(uow, registered, change, new_iban.value)
        _record(uow, actor, finess, AuditTag.PAYOUTS_BANK_ACCOUNT_CHANGE_REQUESTED)
        record_event(uow, actor.account_id, actor.account_id, SecurityTag.IBAN_CHANGE_REQUESTED)
        _notify(
            uow,
            notices.requested(
                _named(registered), change, replaces=replaces, cooling_off=cooling_off
            ),
        )
        # Bursts of changes are a sign of account takeover: the shield may contain the
        # requester in this same transaction.
        shield.observe_iban_change(actor=actor, structure=finess, now=now, uow=uow)
        view = _view(registered, accounts_of(uow, registered), now)
        uow.commit()
    return view


def approve_bank_account_change(
    *,
    uow: UnitOfWork,
    actor: Actor,
    shield: Shield,
    structure: str,
    change_id: uuid.UUID,
    cooling_off: timedelta,
) -> BankAccountView:
    """A platform administrator other than the requester, with a fresh step-up, approves
    the change they reviewed (named by its id, so that a change swapped meanwhile is not
    approved unseen); its cooling-off starts now. A self-approval is refused and kept on
    record."""
    finess = _authorised(actor, Permission.IBAN_CHANGE_APPROVE, structure)
    require_recent_strong_factor(actor, now_seconds=uow.clock.now().timestamp())
    admit(shield, uow, actor, "payouts.bank_account.approve", finess)
    domain.check_cooling_off(cooling_off)
    with uow:
        now = uow.clock.now()
        registered = structure_of(uow, finess, lock=True)
        rows = settle(uow, registered, now)
        pending = next((a for _, a in rows if a.id == change_id), None)
        if pending is None:
            raise NotFound("no change of this structure has this id")
        try:
            change = domain.approved(
                pending, approver=actor.account_id, now=now, cooling_off=cooling_off
            )
        except Forbidden:
            uow.rollback()
            _record(
                uow, actor, finess, AuditTag.PAYOUTS_BANK_ACCOUNT_CHANGE_APPROVED, Outcome.REFUSED
            )
            uow.commit()
            raise
        write(uow, rows, change)
        _record(uow, actor, finess, AuditTag.PAYOUTS_BANK_ACCOUNT_CHANGE_APPROVED)
        _events(uow, actor, change.requested_by, SecurityTag.IBAN_CHANGE_APPROVED)
        _notify(uow, notices.approved(_named(registered), change))
        view = _view(registered, accounts_of(uow, registered), now)
        uow.commit()
    return view


def cancel_bank_account_change(
    *, uow: UnitOfWork, actor: Actor, shield: Shield, structure: str
) -> BankAccountView:
    """A structure administrator of the structure, or a security analyst, stops the
    change under way (waiting for approval or cooling off); the structure's payments
    resume on the account in effect. A change already in effect cannot be cancelled."""
    finess = _authorised(actor, Permission.IBAN_CHANGE_CANCEL, structure)
    admit(shield, uow, actor, "payouts.bank_account.cancel", finess)
    with uow:
        now = uow.clock.now()
        registered = structure_of(uow, finess, lock=True)
        rows = settle(uow, registered, now)
        accounts = [a for _, a in rows]
        under_way = change_under_way(accounts, now)
        if under_way is None:
            raise NotFound("no change of this structure's bank account is under way")
        change = domain.cancelled(under_way, by=actor.account_id, now=now)
        write(uow, rows, change)
        _record(uow, actor, finess, AuditTag.PAYOUTS_BANK_ACCOUNT_CHANGE_CANCELLED)
        _events(uow, actor, change.requested_by, SecurityTag.IBAN_CHANGE_CANCELLED)
        view = _view(registered, accounts_of(uow, registered), now)
        _notify(
            uow,
            notices.cancelled(
                _named(registered),
                change,
                by=_PARTIES.get(actor.role, notices.Party.SECURITY_ANALYST),
                current_last4=view.current.last4,
            ),
        )
        uow.commit()
    return view


def payout_account(*, uow: UnitOfWork, structure_finess: str, at: datetime) -> PayoutAccount:
    """Where the structure's payments may go at `at`, in a unit of work of its own (read
    only). A payment run that records its transfers should prefer `decide_payout` inside
    the transaction that records them."""
    with uow:
        return decide_payout(uow, structure_finess=structure_finess, at=at)


def decide_payout(uow: UnitOfWork, *, structure_finess: str, at: datetime) -> PayoutAccount:
    """`payout_account` inside the caller's open unit of work (it neither commits nor
    rolls back). The structure's row stays locked until the caller's transaction ends,
    so no change of its account commits between this decision and the transfer the
    caller records (PostgreSQL; SQLite has one writer at a time anyway).

    Changes recorded so far count even if requested after `at`: a hold is never
    missed. Pass the instant the transfer is issued (normally now)."""
    finess = parse_finess(structure_finess, field="structure_finess")
    registered = structure_of(uow, finess, lock=True)
    return _decided(uow, registered, account_rows(uow, registered), at)


def decide_payouts(
    uow: UnitOfWork, *, structure_finesses: Sequence[str], at: datetime
) -> dict[str, PayoutAccount]:
    """`decide_payout` for a payment run's batch of structures, in two statements for
    the batch: the same decisions, every structure's row locked the same way until the
    caller's transaction ends. A FINESS no structure is registered under is refused."""
    finesses = [parse_finess(f, field="structure_finess") for f in structure_finesses]
    registered = registered_structures(uow=uow, finess=finesses, lock=True)
    if len(registered) != len(set(finesses)):
        # As `decide_payout`: lines to pay for an unregistered structure stop the run for
        # the operator to look at, rather than wait unseen among the held ones.
        raise NotFound("no registered structure has this FINESS")
    rows = account_rows_of(uow, [r.id for r in registered.values()])
    return {
        finess: _decided(uow, structure, rows.get(structure.id, []), at)
        for finess, structure in registered.items()
    }


def _decided(
    uow: UnitOfWork, registered: RegisteredStructure, rows: Rows, at: datetime
) -> PayoutAccount:
    decision = payout_decision([a for _, a in rows], at)
    if decision.verdict is Verdict.HELD:
        return PayoutAccount(
            registered.finess,
            Verdict.HELD,
            reason=decision.reason,
            held_until=decision.held_until,
        )
    iban = Iban(iban_of(uow, rows, decision.account, registered))
    bic = bic_of(decision.account, registered)
    return PayoutAccount(
        registered.finess,
        Verdict.PAY,
        iban=iban,
        bic=bic,
        last4=iban.value[-4:],
        account_name=registered.name,
    )


# --- helpers -------------------------------------------------------------------------------


def _authorised(actor: Actor, permission: Permission, structure: str) -> str:
    finess = parse_finess(structure)
    authorize(actor, permission, Target(ObjectKind.STRUCTURE, finess))
    return finess


def _view(
    registered: RegisteredStructure, accounts: list[BankAccount], at: datetime
) -> BankAccountView:
    current = in_effect(accounts, at)
    if current is None:
        shown = AccountView(registered.iban[-4:], registered.bic, None, None)
    else:
        shown = AccountView(current.last4, current.bic, current.requested_at, current.effective_at)
    change = change_under_way(accounts, at)
    return BankAccountView(
        registered.finess,
        shown,
        None
        if change is None
        else ChangeView(
            change.id,
            change.last4,
            change.bic,
            change.status_at(at),
            change.requester,
            change.requested_at,
            change.effective_at,
        ),
        payout_decision(accounts, at).verdict,
    )


def _named(registered: RegisteredStructure) -> notices.Structure:
    return notices.Structure(registered.finess, registered.name)


def _record(
    uow: UnitOfWork, actor: Actor, finess: str, tag: AuditTag, outcome: Outcome = Outcome.ALLOWED
) -> None:
    """The audit record of a change, on the structure (never the IBAN): the shield reads
    bursts of these tags."""
    record_action(uow, tag=tag, actor=actor, structure=finess, outcome=outcome)


def _events(uow: UnitOfWork, actor: Actor, requester: uuid.UUID, tag: SecurityTag) -> None:
    """In the acting person's security history, and in the requester's when another
    person approved or cancelled their change."""
    record_event(uow, actor.account_id, actor.account_id, tag)
    if requester != actor.account_id:
        record_event(uow, requester, actor.account_id, tag)


def _notify(uow: UnitOfWork, outgoing: list[notices.Notice]) -> None:
    for notice in outgoing:
        enqueue(
            uow,
            topic=notice.topic,
            recipient_kind=notice.recipient_kind,
            recipient_ref=notice.recipient_ref,
            subject=notice.subject,
            body=notice.body,
        )
