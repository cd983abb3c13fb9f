"""A copy of a pharmacy's client key, without the DPoP key of the pharmacy's own
installation: the step-up rung holds it (nobody confirms its codes, and asking for them
again and again suspends the client), while the pharmacy's software passes once its
pharmacists confirm; it learns no identity."""

from __future__ import annotations

from rempart.simulation.runner import SeedResult

from .stolen_key import NAME, StolenKeyLook
from .test_range import figures_of


def test_the_stolen_key_never_passes_the_step_up_rung(
    small_range: SeedResult, stolen_key: StolenKeyLook
) -> None:
    f = figures_of(small_range, NAME)
    assert stolen_key.ran
    # The thief met the step-up rung (the client's, or its structure's) and asked for
    # codes nobody confirmed, until they suspended the client. The software had worked
    # from the pharmacy since the first day: a DPoP key it never used, from an address
    # it never used, is asked to step up within its first few lookups.
    assert f.contained
    assert f.contained_by is not None
    assert f.contained_by.startswith("client suspend")
    assert f.extra["thief_minutes_to_step_up"] >= 0
    assert f.extra["thief_lookups_to_step_up"] <= 5
    assert f.extra["thief_codes_asked"] >= 1
    assert stolen_key.thief_requests >= 1
    # Not one lookup answered to it once the rung stood.
    assert f.extra["thief_lookups_past_step_up"] == 0
    assert f.lookups == f.extra["thief_lookups_to_step_up"]
    # Its DPoP key is its own: no confirmation ever counted for it. The pharmacy's own
    # installation, confirmed by its pharmacists in the portal, went on working.
    assert stolen_key.thief_keys
    assert not stolen_key.thief_keys & stolen_key.pharmacy_keys
    assert not stolen_key.thief_keys & stolen_key.confirmed_keys
    assert stolen_key.confirmed_keys <= stolen_key.pharmacy_keys
    assert f.extra["pharmacy_confirmations"] >= 1
    assert f.extra["pharmacy_tokens"] >= 1


def test_the_stolen_key_learns_no_identity_and_the_honest_software_alone_is_not_contained(
    small_range: SeedResult, stolen_key: StolenKeyLook
) -> None:
    f = figures_of(small_range, NAME)
    assert f.attackers == 1
    assert f.identity_fields == 0
    assert 0 <= f.open_records <= f.records <= f.lookups
    assert f.alerts >= 1
    assert "shield.client.step_up" in f.alert_codes
    # The pharmacy's software worked the whole history alone before the thief came: the
    # client was contained only once the thief read.
    assert stolen_key.first_lookup is not None
    assert all(at >= stolen_key.first_lookup for _, at in stolen_key.client_rungs)
    assert 0 <= f.collateral_days <= f.colleague_days
    assert f.colleague_days >= 1
