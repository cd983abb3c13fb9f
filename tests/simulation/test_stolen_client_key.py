"""A copy of a pharmacy's client key, without the DPoP key of the pharmacy's own
installation and away from the pharmacy: another installation, served nothing until a
professional confirms it (nobody does, and asking for codes again and again suspends
the client); it learns nothing."""

from __future__ import annotations

from rempart.simulation.runner import SeedResult

from .stolen_key import NAME, StolenKeyLook
from .test_range import figures_of


def test_the_stolen_key_is_served_nothing(
    small_range: SeedResult, stolen_key: StolenKeyLook
) -> None:
    f = figures_of(small_range, NAME)
    assert stolen_key.ran
    # The pharmacy's software had worked from the pharmacy since the first day: a DPoP
    # key it never signed with, from an address it never called from, is another
    # installation, served nothing until a professional confirms it. Nobody did: its
    # codes suspended the client.
    assert f.lookups == 0
    assert stolen_key.first_lookup is None
    assert f.contained
    assert f.contained_by is not None
    assert f.contained_by.startswith("client suspend")
    assert f.extra["thief_codes_asked"] >= 1
    assert stolen_key.thief_requests >= 1
    assert f.extra["thief_lookups_past_step_up"] == 0
    # Its DPoP key is its own: no confirmation ever counted for it. The pharmacy's own
    # installation, confirmed by its pharmacists in the portal whenever the client
    # stood on a rung, went on working until the suspension.
    assert stolen_key.thief_keys
    assert not stolen_key.thief_keys & stolen_key.pharmacy_keys
    assert not stolen_key.thief_keys & stolen_key.confirmed_keys
    assert stolen_key.confirmed_keys <= stolen_key.pharmacy_keys
    assert f.extra["pharmacy_tokens"] >= 1


def test_the_stolen_key_learns_no_identity_and_the_honest_software_alone_is_not_contained(
    small_range: SeedResult, stolen_key: StolenKeyLook
) -> None:
    f = figures_of(small_range, NAME)
    assert f.attackers == 1
    assert f.identity_fields == 0
    assert f.records == f.open_records == 0
    assert f.alerts >= 1
    assert "shield.client.suspend" in f.alert_codes
    # The pharmacy's software worked the whole history alone before the thief came: the
    # client was contained only once the thief asked for codes.
    assert stolen_key.first_request is not None
    assert all(at >= stolen_key.first_request for _, at in stolen_key.client_rungs)
    assert 0 <= f.collateral_days <= f.colleague_days
    assert f.colleague_days >= 1
