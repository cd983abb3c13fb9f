"""The state machine of a bank account change and the hold policy, pure."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rempart.kernel.errors import Conflict, Forbidden, InvalidInput
from rempart.payouts import domain
from rempart.payouts.domain import (
    UNDER_WAY,
    AccountStatus,
    BankAccount,
    HoldReason,
    Requester,
    Verdict,
    payout_decision,
)

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
COOL = timedelta(hours=72)
ALICE, BOB = uuid.UUID(int=1), uuid.UUID(int=2)


def change(requester: Requester, *, by: uuid.UUID = ALICE, at: datetime = NOW) -> BankAccount:
    return domain.new_change(
        account_id=uuid.uuid4(),
        last4="0189",
        bic="AGRIFRPP",
        requester=requester,
        requested_by=by,
        now=at,
        cooling_off=COOL,
    )


def test_a_structure_administrators_change_cools_off_at_once() -> None:
    c = change(Requester.STRUCTURE_ADMIN)
    assert (c.status, c.effective_at, c.approved_by) == (
        AccountStatus.COOLING_OFF,
        NOW + COOL,
        None,
    )
    assert c.status_at(NOW + COOL - timedelta(seconds=1)) is AccountStatus.COOLING_OFF
    assert c.status_at(NOW + COOL) is AccountStatus.ACTIVE


def test_a_platform_administrators_change_waits_for_a_second_one() -> None:
    c = change(Requester.PLATFORM_ADMIN)
    assert (c.status, c.effective_at) == (AccountStatus.PENDING_APPROVAL, None)
    assert c.status_at(NOW + timedelta(days=365)) is AccountStatus.PENDING_APPROVAL
    with pytest.raises(Forbidden, match="second platform administrator"):
        domain.approved(c, approver=ALICE, now=NOW, cooling_off=COOL)
    later = NOW + timedelta(hours=5)
    ok = domain.approved(c, approver=BOB, now=later, cooling_off=COOL)
    assert (ok.status, ok.approved_by, ok.approved_at, ok.effective_at) == (
        AccountStatus.COOLING_OFF,
        BOB,
        later,
        later + COOL,  # the cooling-off starts at the approval, not at the request
    )
    with pytest.raises(Conflict):
        domain.approved(ok, approver=BOB, now=later, cooling_off=COOL)


def test_a_structure_administrators_change_needs_no_approval() -> None:
    with pytest.raises(Conflict):
        domain.approved(change(Requester.STRUCTURE_ADMIN), approver=BOB, now=NOW, cooling_off=COOL)


def test_a_change_is_cancelled_while_under_way_and_never_after() -> None:
    for c in (change(Requester.STRUCTURE_ADMIN), change(Requester.PLATFORM_ADMIN)):
        cancelled = domain.cancelled(c, by=BOB, now=NOW + timedelta(hours=1))
        assert (cancelled.status, cancelled.cancelled_by) == (AccountStatus.CANCELLED, BOB)
        with pytest.raises(Conflict):
            domain.cancelled(cancelled, by=BOB, now=NOW + timedelta(hours=2))
    in_effect = change(Requester.STRUCTURE_ADMIN)
    with pytest.raises(Conflict, match="request a new one"):
        domain.cancelled(in_effect, by=BOB, now=NOW + COOL)


def test_a_negative_cooling_off_is_refused() -> None:
    with pytest.raises(InvalidInput):
        domain.new_change(
            account_id=uuid.uuid4(),
            last4="0189",
            bic="AGRIFRPP",
            requester=Requester.STRUCTURE_ADMIN,
            requested_by=ALICE,
            now=NOW,
            cooling_off=-COOL,
        )


def test_the_hold_policy() -> None:
    assert payout_decision([], NOW) == domain.PayoutDecision(Verdict.PAY, account=None)
    pending = change(Requester.PLATFORM_ADMIN)
    held = payout_decision([pending], NOW + timedelta(days=30))
    assert (held.verdict, held.reason, held.held_until, held.account) == (
        Verdict.HELD,
        HoldReason.PENDING_APPROVAL,
        None,
        None,
    )
    cooling = change(Requester.STRUCTURE_ADMIN)
    held = payout_decision([cooling], NOW + timedelta(hours=1))
    assert (held.verdict, held.reason, held.held_until) == (
        Verdict.HELD,
        HoldReason.COOLING_OFF,
        NOW + COOL,
    )
    assert payout_decision([cooling], NOW + COOL) == domain.PayoutDecision(
        Verdict.PAY, account=cooling
    )
    cancelled = domain.cancelled(cooling, by=BOB, now=NOW)
    assert payout_decision([cancelled], NOW + timedelta(hours=1)).account is None


def test_settling_makes_the_newest_account_active_and_supersedes_the_older() -> None:
    first = change(Requester.STRUCTURE_ADMIN)
    second = change(Requester.STRUCTURE_ADMIN, at=NOW + COOL + timedelta(hours=1))
    first_settled = domain.settled([first], NOW + COOL)
    assert [(a.id, a.status) for a in first_settled] == [(first.id, AccountStatus.ACTIVE)]
    (first,) = first_settled
    at = NOW + 3 * COOL
    statuses = {a.id: a.status for a in domain.settled([first, second], at)}
    assert statuses == {first.id: AccountStatus.SUPERSEDED, second.id: AccountStatus.ACTIVE}
    assert domain.settled([first], at) == []  # nothing out of date


# --- any sequence of operations keeps the invariants ----------------------------------------

OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["structure", "platform", "approve", "self_approve", "cancel", "wait"]),
        st.integers(min_value=0, max_value=100),  # hours passing before the operation
    ),
    max_size=25,
)


@given(OPERATIONS)
def test_no_sequence_pays_an_account_before_its_cooling_off_ran_out(
    operations: list[tuple[str, int]],
) -> None:
    """Whatever people do, in whatever order: at most one change is under way, payments
    are held exactly while one is, and an account is paid only once it was requested by
    a structure administrator or approved by a second platform administrator, and its
    whole cooling-off has passed since."""
    now, accounts = NOW, list[BankAccount]()

    def save(account: BankAccount) -> None:
        accounts[:] = [account if a.id == account.id else a for a in accounts]

    for operation, hours in operations:
        now += timedelta(hours=hours)
        for account in domain.settled(accounts, now):
            save(account)
        under_way = domain.change_under_way(accounts, now)
        try:
            if operation in ("structure", "platform"):
                if under_way is not None:
                    save(domain.superseded(under_way))
                requester = (
                    Requester.STRUCTURE_ADMIN
                    if operation == "structure"
                    else Requester.PLATFORM_ADMIN
                )
                accounts.append(change(requester, at=now))
            elif operation in ("approve", "self_approve") and under_way is not None:
                approver = ALICE if operation == "self_approve" else BOB
                save(domain.approved(under_way, approver=approver, now=now, cooling_off=COOL))
            elif operation == "cancel" and under_way is not None:
                save(domain.cancelled(under_way, by=BOB, now=now))
        except (Conflict, Forbidden):
            pass
        open_now = [a for a in accounts if a.status_at(now) in UNDER_WAY]
        assert len(open_now) <= 1
        decision = payout_decision(accounts, now)
        assert (decision.verdict is Verdict.HELD) == bool(open_now)
        paid = decision.account
        if paid is not None:
            assert paid.effective_at is not None
            assert paid.effective_at <= now
            started = paid.requested_at if paid.approved_at is None else paid.approved_at
            assert paid.effective_at - started == COOL
            assert paid.requester is Requester.STRUCTURE_ADMIN or paid.approved_by == BOB
