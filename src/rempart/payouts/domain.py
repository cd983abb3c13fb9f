"""A structure's bank accounts and how a change moves, pure.

A change of the account a structure is paid on is the prize of payout fraud: whoever
redirects it receives the structure's payments. So a change never takes effect at once:

    structure admin + step-up ───────────────────────┐
                                                     v
    platform admin ──> pending_approval ──(second)──> cooling_off ──> active ──> superseded
                              │           (admin)        │
                              └──────> cancelled <───────┘

`cooling_off` ends by itself at `effective_at` (approval, or the structure
administrator's request, plus the cooling-off period): from that instant the account is
in effect, whatever the stored status says until the next write settles it. A new
request supersedes the change under way (its cooling-off starts again); a change under
way can be cancelled until it takes effect, never after (then it takes a new change).

While a change is under way — waiting for approval or cooling off — the structure's
payments are held: paid neither to the old account nor to the new one (see
`payout_decision` and docs/security/payout-integrity.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from rempart.kernel.errors import Conflict, Forbidden, InvalidInput


class AccountStatus(StrEnum):
    PENDING_APPROVAL = "pending_approval"  # asked by a platform admin, waits for a second
    COOLING_OFF = "cooling_off"  # approved; takes effect at effective_at
    ACTIVE = "active"  # payments go to it
    SUPERSEDED = "superseded"  # replaced by a newer account or change
    CANCELLED = "cancelled"  # withdrawn before it took effect


UNDER_WAY = frozenset({AccountStatus.PENDING_APPROVAL, AccountStatus.COOLING_OFF})


class Requester(StrEnum):
    """Who asked, which decides the path (same spelling as the identity roles)."""

    STRUCTURE_ADMIN = "structure_admin"  # with a fresh phishing-resistant step-up
    PLATFORM_ADMIN = "platform_admin"  # four eyes: another platform admin approves


class Verdict(StrEnum):
    PAY = "pay"
    HELD = "held"


class HoldReason(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    COOLING_OFF = "cooling_off"


@dataclass(frozen=True, slots=True)
class BankAccount:
    """One account of a structure as recorded (never its IBAN: the last four characters
    are what people are shown)."""

    id: uuid.UUID
    last4: str
    bic: str
    status: AccountStatus
    requester: Requester
    requested_at: datetime
    requested_by: uuid.UUID
    approved_by: uuid.UUID | None = None
    approved_at: datetime | None = None
    effective_at: datetime | None = None
    cancelled_by: uuid.UUID | None = None
    cancelled_at: datetime | None = None

    def status_at(self, at: datetime) -> AccountStatus:
        """The status at an instant: a cooling-off that has run out is in effect."""
        if (
            self.status is AccountStatus.COOLING_OFF
            and self.effective_at is not None
            and self.effective_at <= at
        ):
            return AccountStatus.ACTIVE
        return self.status


def check_cooling_off(cooling_off: timedelta) -> timedelta:
    if cooling_off < timedelta(0):
        raise InvalidInput("the cooling-off period cannot be negative", field="cooling_off")
    return cooling_off


def new_change(
    *,
    account_id: uuid.UUID,
    last4: str,
    bic: str,
    requester: Requester,
    requested_by: uuid.UUID,
    now: datetime,
    cooling_off: timedelta,
) -> BankAccount:
    """A structure administrator's request (step-up already checked) starts cooling off
    at once; a platform administrator's waits for a second one."""
    check_cooling_off(cooling_off)
    if requester is Requester.STRUCTURE_ADMIN:
        status, effective_at = AccountStatus.COOLING_OFF, now + cooling_off
    else:
        status, effective_at = AccountStatus.PENDING_APPROVAL, None
    return BankAccount(
        account_id, last4, bic, status, requester, now, requested_by, effective_at=effective_at
    )


def approved(
    change: BankAccount, *, approver: uuid.UUID, now: datetime, cooling_off: timedelta
) -> BankAccount:
    """Four eyes: a platform administrator other than the requester; the cooling-off
    starts at the approval."""
    check_cooling_off(cooling_off)
    if change.status_at(now) is not AccountStatus.PENDING_APPROVAL:
        raise Conflict("this change does not wait for an approval")
    if approver == change.requested_by:
        raise Forbidden(
            "a bank account change is approved by a second platform administrator, "
            "not by its requester"
        )
    return replace(
        change,
        status=AccountStatus.COOLING_OFF,
        approved_by=approver,
        approved_at=now,
        effective_at=now + cooling_off,
    )


def cancelled(change: BankAccount, *, by: uuid.UUID, now: datetime) -> BankAccount:
    if change.status_at(now) not in UNDER_WAY:
        raise Conflict("this change is no longer under way: once in effect, request a new one")
    return replace(change, status=AccountStatus.CANCELLED, cancelled_by=by, cancelled_at=now)


def superseded(change: BankAccount) -> BankAccount:
    return replace(change, status=AccountStatus.SUPERSEDED)


def in_effect(accounts: Iterable[BankAccount], at: datetime) -> BankAccount | None:
    """The account payments go to at `at`; None means the account registered with the
    structure at onboarding (the registry's), no change having taken effect since."""
    active = [a for a in accounts if a.status_at(at) is AccountStatus.ACTIVE]
    return max(active, key=_took_effect, default=None)


def change_under_way(accounts: Iterable[BankAccount], at: datetime) -> BankAccount | None:
    """The change waiting for approval or cooling off at `at` (there is at most one)."""
    open_ = [a for a in accounts if a.status_at(at) in UNDER_WAY]
    return max(open_, key=lambda a: a.requested_at, default=None)


def settled(accounts: Iterable[BankAccount], at: datetime) -> list[BankAccount]:
    """The accounts whose stored status is out of date at `at`, brought up to date: a
    cooling-off that ran out becomes active, and the account it replaces superseded."""
    accounts = list(accounts)
    newest = in_effect(accounts, at)
    changed = []
    for account in accounts:
        now_status = account.status_at(at)
        if now_status is AccountStatus.ACTIVE and newest is not None and account.id != newest.id:
            changed.append(superseded(account))
        elif now_status is not account.status:
            changed.append(replace(account, status=now_status))
    return changed


@dataclass(frozen=True, slots=True)
class PayoutDecision:
    """What a payment run does with a structure's payable lines at an instant.

    `PAY`: to `account` (None: the account registered at onboarding). `HELD`: to no
    account — a change is under way; the lines stay payable and go in a later run, from
    `held_until` at the earliest (None while the change waits for approval)."""

    verdict: Verdict
    account: BankAccount | None = None
    reason: HoldReason | None = None
    held_until: datetime | None = None


def payout_decision(accounts: Iterable[BankAccount], at: datetime) -> PayoutDecision:
    """The hold policy: while a change is under way, neither the old account (the
    change may be the structure's own, its old account closed or compromised) nor the
    new one (the change may be the fraud) is paid. Holding delays a payment by the
    cooling-off at most; paying the wrong account loses it."""
    accounts = list(accounts)
    change = change_under_way(accounts, at)
    if change is not None:
        return PayoutDecision(
            Verdict.HELD,
            reason=HoldReason(change.status_at(at).value),
            held_until=change.effective_at,
        )
    return PayoutDecision(Verdict.PAY, account=in_effect(accounts, at))


def _took_effect(account: BankAccount) -> datetime:
    assert account.effective_at is not None  # an account in effect has its instant
    return account.effective_at
