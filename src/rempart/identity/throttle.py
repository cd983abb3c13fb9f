"""Sign-in throttling, pure: exponential backoff after repeated failures, and a lockout
at the tenth, counted separately per account and per client address.

The same rule applies to a login name that matches no account: the per-account counter
is always keyed by the blind index of the normalised login name (`identity.sealing.
login_key`, case and spaces ignored), whether or not an account has it, so every spelling
of a name shares one counter and the throttling tells nothing about which accounts exist.
Counters are stored by keyed pseudonyms, never by name or address.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int = 3  # failures before any delay
    max_failures: int = 10  # at this count the subject is locked out
    base_delay: timedelta = timedelta(seconds=2)
    max_delay: timedelta = timedelta(minutes=5)
    lockout: timedelta = timedelta(minutes=30)
    forget_after: timedelta = timedelta(hours=24)  # a quiet day resets the count

    def __post_init__(self) -> None:
        if not 0 <= self.free_failures < self.max_failures <= 10:
            raise ValueError("lockout must come at the tenth failure at the latest")


DEFAULT_POLICY = ThrottlePolicy()


@dataclass(frozen=True)
class FailureState:
    failures: int = 0
    last_failure: datetime | None = None
    blocked_until: datetime | None = None

    def blocked(self, now: datetime) -> bool:
        return self.blocked_until is not None and now < self.blocked_until

    def retry_after(self, now: datetime) -> int:
        """Whole seconds before the next attempt is considered (0: now)."""
        if not self.blocked(now):
            return 0
        assert self.blocked_until is not None
        return max(1, int((self.blocked_until - now).total_seconds() + 0.999))


def current(
    state: FailureState, now: datetime, policy: ThrottlePolicy = DEFAULT_POLICY
) -> FailureState:
    """Forget old failures once the subject has been quiet long enough (and not locked)."""
    if (
        state.last_failure is not None
        and now - state.last_failure >= policy.forget_after
        and not state.blocked(now)
    ):
        return FailureState()
    return state


def after_failure(
    state: FailureState, now: datetime, policy: ThrottlePolicy = DEFAULT_POLICY
) -> FailureState:
    state = current(state, now, policy)
    failures = state.failures + 1
    if failures >= policy.max_failures:
        until: datetime | None = now + policy.lockout
    elif failures > policy.free_failures:
        doublings = failures - policy.free_failures - 1
        until = now + min(policy.base_delay * (2**doublings), policy.max_delay)
    else:
        until = None
    return FailureState(failures=failures, last_failure=now, blocked_until=until)


def after_success(state: FailureState) -> FailureState:
    """A success resets the account's counter (never an address's: one good password
    must not unlock a spraying address)."""
    return replace(state, failures=0, blocked_until=None)


# --- storage ------------------------------------------------------------------------------


def login_subject(pseudonym: Callable[[str, str], str], login_key: bytes) -> str:
    """The per-account counter's key: the login name as normalised for lookups, whether
    or not an account has it."""
    return pseudonym("sign-in:login", login_key.hex())


def address_subject(pseudonym: Callable[[str, str], str], address: str) -> str:
    return pseudonym("sign-in:address", address)
