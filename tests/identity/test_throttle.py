"""Backoff and lockout: at most ten failures, separately per subject, forgotten after a
quiet day, reset by a success."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rempart.identity.throttle import (
    DEFAULT_POLICY,
    FailureState,
    ThrottlePolicy,
    after_failure,
    after_success,
    current,
)

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def fail(times: int, *, every: timedelta = timedelta(0)) -> tuple[FailureState, datetime]:
    state, now = FailureState(), NOW
    for _ in range(times):
        state = after_failure(state, now)
        now += every
    return state, now


def test_three_free_failures_then_growing_delays() -> None:
    state, _ = fail(3)
    assert not state.blocked(NOW)
    delays = []
    for count in range(4, 10):
        state, _ = fail(count)
        delays.append(state.retry_after(NOW))
    assert delays == [2, 4, 8, 16, 32, 64]


def test_the_tenth_failure_locks_out() -> None:
    state, _ = fail(10)
    assert state.blocked(NOW + timedelta(minutes=29))
    assert not state.blocked(NOW + timedelta(minutes=30))
    assert state.retry_after(NOW) == 30 * 60


@given(st.integers(0, 3600))
def test_the_tenth_failure_counted_between_blocks_locks_out(spacing: int) -> None:
    """Failures attempted only when not blocked (as the sign-in flow does): the tenth
    brings the full lockout, whatever the spacing within a day."""
    state, now = FailureState(), NOW
    for attempt in range(1, 11):
        if state.blocked(now):
            now = state.blocked_until  # type: ignore[assignment]
        state = after_failure(state, now)
        if attempt < 10:
            assert state.blocked_until is None or state.blocked_until - now < DEFAULT_POLICY.lockout
        now += timedelta(seconds=spacing)
    assert state.failures == 10
    assert state.blocked_until is not None
    assert state.blocked_until - (now - timedelta(seconds=spacing)) == DEFAULT_POLICY.lockout


def test_a_quiet_day_forgets_and_a_success_resets() -> None:
    state, _ = fail(6)
    assert current(state, NOW + timedelta(hours=25)) == FailureState()
    assert after_success(state).failures == 0
    assert not after_success(state).blocked(NOW)


def test_a_lockout_is_not_forgotten_while_it_lasts() -> None:
    policy = ThrottlePolicy(lockout=timedelta(hours=48))
    state = FailureState()
    for _ in range(10):
        state = after_failure(state, NOW, policy)
    assert current(state, NOW + timedelta(hours=25), policy).blocked(NOW + timedelta(hours=25))


def test_a_policy_cannot_allow_more_than_ten_failures() -> None:
    with pytest.raises(ValueError, match="tenth"):
        ThrottlePolicy(max_failures=11)
