"""Events that are rare in honest hands: a honeytoken looked up, a burst of account
requests or IBAN changes, insured people saying "this wasn't me"."""

from __future__ import annotations

from dataclasses import dataclass

from rempart.shield.domain import Detector, Signal, quiet, stepped

HONEYTOKEN_SCORE = 1000  # alone, far past suspension


def honeytoken(hit: bool) -> Signal:
    """A honeytoken beneficiary exists only in the registry: no card of theirs is at any
    counter, so a lookup of one comes from a copy of the data."""
    if not hit:
        return quiet(Detector.HONEYTOKEN)
    return Signal(
        Detector.HONEYTOKEN, HONEYTOKEN_SCORE, "a honeytoken beneficiary was looked up", True
    )


@dataclass(frozen=True)
class BurstPolicy:
    # Accounts requested by one person in 24 hours: a structure administrator adds a
    # colleague now and then; a platform administrator onboards more.
    account_steps: tuple[float, float, float] = (4, 8, 12)
    platform_admin_factor: float = 5.0
    insurer_factor: float = 25.0  # insurers request their members' accounts
    # IBAN changes of one structure in 30 days: once in years is usual.
    iban_steps: tuple[float, float, float] = (2, 3, 4)
    # IBAN changes over the whole platform in an hour: after a leak of bank details.
    platform_iban_per_hour: int = 20
    # Step-up codes asked in an hour by a client at the step-up rung with a DPoP key no
    # professional has confirmed: the pharmacy's installation asks one when its
    # confirmation lapses (every 15 minutes at most, once more if a code expired
    # unread); a copy of the client key, used with a DPoP key of its own, asks and is
    # never confirmed.
    unconfirmed_code_steps: tuple[float, float, float] = (10, 20, 30)


def account_burst(requested: int, *, factor: float, policy: BurstPolicy) -> Signal:
    steps = (
        policy.account_steps[0] * factor,
        policy.account_steps[1] * factor,
        policy.account_steps[2] * factor,
    )
    return Signal(
        Detector.ACCOUNT_BURST,
        stepped(requested, steps),
        f"{requested} accounts requested in 24 h (steps {steps[0]:.0f}/{steps[1]:.0f}/"
        f"{steps[2]:.0f})",
    )


def iban_burst(changes: int, policy: BurstPolicy) -> Signal:
    return Signal(
        Detector.IBAN_BURST,
        stepped(changes, policy.iban_steps),
        f"{changes} IBAN change requests for the structure in 30 days",
    )


def unconfirmed_codes(asked: int, policy: BurstPolicy) -> Signal:
    """At the step-up rung the client's way out is a professional's confirmation: a
    stolen client key cannot get one, and keeps asking."""
    steps = policy.unconfirmed_code_steps
    return Signal(
        Detector.UNCONFIRMED_CODES,
        stepped(asked, steps),
        f"{asked} step-up codes asked in an hour by unconfirmed DPoP keys (steps "
        f"{steps[0]:.0f}/{steps[1]:.0f}/{steps[2]:.0f})",
    )


def not_me(reports: int) -> Signal:
    """ "This wasn't me" reports about accesses by the subject in 30 days. One may be a
    forgotten visit; two from different people are not; three suspend."""
    if reports >= 3:
        score = 100
    elif reports == 2:
        score = 70
    elif reports == 1:
        score = 30
    else:
        score = 0
    return Signal(
        Detector.NOT_ME, score, f"{reports} 'this wasn't me' reports in 30 days", reports >= 2
    )
