"""Races on PostgreSQL, where workers really run at once: one TOTP code sent twice
concurrently opens one session; a burst of parallel guesses cannot exceed the lockout."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import pytest

from rempart.identity import signin, totp
from rempart.identity.passwords import PasswordHasher
from rempart.identity.permissions import Role
from rempart.identity.sessions import SessionPolicy
from rempart.kernel.errors import DomainError

from .test_sign_in_api import PASSWORD, enrolled, with_fallback
from .web import Web, make_web

T = TypeVar("T")
pytestmark = pytest.mark.postgres


@pytest.fixture
def web(tmp_path: Path, postgres_url: str) -> Web:
    return make_web(tmp_path, postgres_url)


def at_once(count: int, attempt: Callable[[], T]) -> list[T | DomainError]:
    barrier = threading.Barrier(count)
    results: list[T | DomainError] = []
    lock = threading.Lock()

    def run() -> None:
        barrier.wait()
        try:
            outcome: T | DomainError = attempt()
        except DomainError as refused:
            outcome = refused
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_one_totp_code_sent_twice_at_once_opens_one_session(web: Web) -> None:
    browser, _ = enrolled(web)
    secret = with_fallback(web, browser)
    device = browser.cookies.get("__Host-rempart-device")
    web.clock.set(web.clock.now() + timedelta(seconds=totp.STEP_SECONDS))
    code = totp.code_at(secret, web.clock.now())
    hasher = PasswordHasher()

    def attempt() -> signin.SignedIn | signin.AwaitingConfirmation:
        return signin.sign_in_with_password(
            uow=web.platform.uow(),
            hasher=hasher,
            login_name="agent@amc.example",
            password=PASSWORD,
            code=code,
            address="203.0.113.5",
            user_agent="test",
            device_token=device,
            policy=SessionPolicy(),
        )

    results = at_once(2, attempt)
    opened = [r for r in results if isinstance(r, signin.SignedIn)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(opened) == 1, results
    assert len(refused) == 1


def test_a_burst_of_parallel_guesses_stays_within_the_lockout(web: Web) -> None:
    web.account(Role.INSURER_STAFF, "agent@amc.example", amc_number="123456789")
    hasher = PasswordHasher()

    def guess() -> signin.SignedIn | signin.AwaitingConfirmation:
        return signin.sign_in_with_password(
            uow=web.platform.uow(),
            hasher=hasher,
            login_name="agent@amc.example",
            password="not the password",
            code="000000",
            address="203.0.113.6",
            user_agent="test",
            device_token=None,
            policy=SessionPolicy(),
        )

    results = at_once(16, guess)
    checked = [r for r in results if isinstance(r, signin.SignInRefused)]
    # Each attempt is counted before its factor is checked: at most the four the backoff
    # lets through at once (three free failures, then the first delay) reach a check.
    assert 1 <= len(checked) <= 4, [type(r).__name__ for r in results]
    assert all(isinstance(r, DomainError) for r in results)
