"""Sign-in throttling with stored counters, on both backends: per login and per address,
alike for names with and without an account, reset by success for the account only."""

from __future__ import annotations

from datetime import timedelta

from rempart.bootstrap import Platform
from rempart.identity.sealing import login_key
from rempart.identity.throttle import address_subject, login_subject
from rempart.identity.throttling import record_failure, record_success, retry_after
from rempart.kernel.clock import FixedClock


def subjects(platform: Platform, login: str, address: str) -> tuple[str, str]:
    vault = platform.vault
    return (
        login_subject(vault.pseudonym, login_key(login)),
        address_subject(vault.pseudonym, address),
    )


def test_ten_failures_lock_the_login_and_the_address(platform: Platform) -> None:
    login, address = subjects(platform, "Agent@AMC.example", "203.0.113.7")
    clock = platform.clock
    assert isinstance(clock, FixedClock)
    for _ in range(3):  # three free failures
        record_failure(uow=platform.uow(), subjects=[login, address])
        assert retry_after(uow=platform.uow(), subjects=[login, address]) == 0
    for _ in range(7):
        record_failure(uow=platform.uow(), subjects=[login, address])
    assert retry_after(uow=platform.uow(), subjects=[login]) == 30 * 60
    assert retry_after(uow=platform.uow(), subjects=[address]) == 30 * 60
    # Every spelling of the name shares the counter; another address is free.
    same, other = subjects(platform, "  agent@amc.EXAMPLE ", "198.51.100.9")
    assert same == login
    assert retry_after(uow=platform.uow(), subjects=[other]) == 0
    clock.set(clock.now() + timedelta(minutes=31))
    assert retry_after(uow=platform.uow(), subjects=[login, address]) == 0


def test_a_success_resets_the_account_not_the_address(platform: Platform) -> None:
    login, address = subjects(platform, "someone@x.example", "203.0.113.8")
    for _ in range(6):
        record_failure(uow=platform.uow(), subjects=[login, address])
    assert retry_after(uow=platform.uow(), subjects=[login]) > 0
    record_success(uow=platform.uow(), login_subject=login)
    assert retry_after(uow=platform.uow(), subjects=[login]) == 0
    assert retry_after(uow=platform.uow(), subjects=[address]) > 0


def test_subjects_are_pseudonyms_not_names_or_addresses(platform: Platform) -> None:
    login, address = subjects(platform, "someone@x.example", "203.0.113.8")
    assert "someone" not in login
    assert "203.0.113.8" not in address
    assert login.startswith("p")
