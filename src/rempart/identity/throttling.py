"""Sign-in throttling against the database: the pure rule of `throttle` applied to
counters stored per subject (account login and client address, as keyed pseudonyms).
Shared by every worker.

An attempt is *taken* before its factor is checked — counted as a failure and committed
under a row lock — and refunded only if it succeeds. Checking first and counting after
would let a burst of parallel requests all pass the check before any failure is
counted, and so guess far more than ten times per lockout."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from rempart.db.uow import UnitOfWork
from rempart.identity.models import ThrottleRow
from rempart.identity.throttle import (
    DEFAULT_POLICY,
    FailureState,
    ThrottlePolicy,
    after_failure,
    after_success,
    current,
)
from rempart.kernel.errors import RateLimited


def _state(row: ThrottleRow | None) -> FailureState:
    if row is None:
        return FailureState()
    return FailureState(row.failures, row.last_failure, row.blocked_until)


def _locked(uow: UnitOfWork, subject: str) -> ThrottleRow:
    """The subject's counter, locked until commit. A first failure creates it: two
    workers creating the same one race on the primary key, and the loser (its savepoint
    rolled back) then waits on the winner's row lock like any later attempt."""
    if uow.session.get(ThrottleRow, subject) is None:
        try:
            with uow.session.begin_nested():
                uow.session.add(
                    ThrottleRow(subject=subject, failures=0, last_failure=None, blocked_until=None)
                )
        except IntegrityError:
            pass
    return uow.session.scalars(
        select(ThrottleRow)
        .where(ThrottleRow.subject == subject)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _store(row: ThrottleRow, state: FailureState) -> None:
    row.failures, row.last_failure = state.failures, state.last_failure
    row.blocked_until = state.blocked_until


def retry_after(
    *, uow: UnitOfWork, subjects: Sequence[str], policy: ThrottlePolicy = DEFAULT_POLICY
) -> int:
    """Seconds before any of the subjects may try again (0: now)."""
    with uow:
        now = uow.clock.now()
        rows = uow.session.scalars(select(ThrottleRow).where(ThrottleRow.subject.in_(subjects)))
        return max((current(_state(r), now, policy).retry_after(now) for r in rows), default=0)


def take_attempt(
    *, uow: UnitOfWork, subjects: Sequence[str], policy: ThrottlePolicy = DEFAULT_POLICY
) -> None:
    """Raise RateLimited if any subject is blocked; otherwise count the attempt as a
    failure for every subject, committed before the caller checks anything."""
    with uow:
        now = uow.clock.now()
        locked = [_locked(uow, subject) for subject in sorted(set(subjects))]  # one lock order
        wait = max((current(_state(r), now, policy).retry_after(now) for r in locked), default=0)
        if wait:
            raise RateLimited(
                "too many failed sign-ins: wait before trying again", retry_after=wait
            )
        for row in locked:
            _store(row, after_failure(_state(row), now, policy))
        uow.commit()


def refund(
    *,
    uow: UnitOfWork,
    login_subject: str | None,
    address_subject: str,
    policy: ThrottlePolicy = DEFAULT_POLICY,
) -> None:
    """A successful attempt: the account's counter is reset; the address gets back the
    one failure its attempt was counted as (never more: one good password must not
    unlock a spraying address)."""
    with uow:
        subjects = sorted({address_subject, *([login_subject] if login_subject else [])})
        for subject in subjects:  # the same lock order as take_attempt
            row = _locked(uow, subject)
            if subject == login_subject:
                _store(row, after_success(_state(row)))
            else:
                row.failures = max(0, row.failures - 1)
                if row.failures <= policy.free_failures:
                    row.blocked_until = None
        uow.commit()


def record_failure(
    *, uow: UnitOfWork, subjects: Sequence[str], policy: ThrottlePolicy = DEFAULT_POLICY
) -> None:
    """A failure counted after the fact (where no attempt was taken beforehand)."""
    with uow:
        now = uow.clock.now()
        for subject in sorted(set(subjects)):
            row = _locked(uow, subject)
            _store(row, after_failure(_state(row), now, policy))
        uow.commit()


def record_success(*, uow: UnitOfWork, login_subject: str) -> None:
    """Resets the account's counter only (never the address's)."""
    with uow:
        row = uow.session.get(ThrottleRow, login_subject)
        if row is not None:
            state = after_success(_state(row))
            row.failures, row.blocked_until = state.failures, state.blocked_until
            uow.commit()
