"""Sign-in throttling against the database: the pure rule of `throttle` applied to
counters stored per subject (account login and client address, as keyed pseudonyms).
Shared by every worker; a row lock serialises concurrent failures of one subject."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

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


def _state(row: ThrottleRow | None) -> FailureState:
    if row is None:
        return FailureState()
    return FailureState(row.failures, row.last_failure, row.blocked_until)


def retry_after(
    *, uow: UnitOfWork, subjects: Sequence[str], policy: ThrottlePolicy = DEFAULT_POLICY
) -> int:
    """Seconds before any of the subjects may try again (0: now). Checked before the
    factor is, so a blocked subject never even reaches the verification."""
    with uow:
        now = uow.clock.now()
        rows = uow.session.scalars(select(ThrottleRow).where(ThrottleRow.subject.in_(subjects)))
        return max((current(_state(r), now, policy).retry_after(now) for r in rows), default=0)


def record_failure(
    *, uow: UnitOfWork, subjects: Sequence[str], policy: ThrottlePolicy = DEFAULT_POLICY
) -> None:
    with uow:
        now = uow.clock.now()
        for subject in sorted(subjects):  # one lock order for every worker
            row = uow.session.scalar(
                select(ThrottleRow).where(ThrottleRow.subject == subject).with_for_update()
            )
            state = after_failure(_state(row), now, policy)
            if row is None:
                uow.session.add(
                    ThrottleRow(
                        subject=subject,
                        failures=state.failures,
                        last_failure=state.last_failure,
                        blocked_until=state.blocked_until,
                    )
                )
            else:
                row.failures, row.last_failure = state.failures, state.last_failure
                row.blocked_until = state.blocked_until
        uow.commit()


def record_success(*, uow: UnitOfWork, login_subject: str) -> None:
    """Resets the account's counter only (never the address's)."""
    with uow:
        row = uow.session.get(ThrottleRow, login_subject)
        if row is not None:
            state = after_success(_state(row))
            row.failures, row.blocked_until = state.failures, state.blocked_until
            uow.commit()
