"""Another installation of a software client's key — a DPoP key it never signed with,
from an address it never called from — is served nothing until a professional of the
structure confirms it, and cannot become known by waiting; the pharmacy's own
installation changing its key or its address alone is served as before
(shield.installations)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from rempart.identity.client_errors import TokenRequestRefused
from rempart.identity.client_step_up import STEP_UP_REQUEST_PATH
from rempart.shield.detectors.events import BurstPolicy
from rempart.shield.store import LocalFeatureStore

from ..shield.ladder_scene import Scene, build_scene
from .clientkit import Key
from .test_client_step_up import PAGE, Software, _from, _refused_for_step_up

PHARMACY = "198.51.100.20"
REVOKED = "/api/v1/rights/revoked"
ELSEWHERE = "203.0.113.66"


class Installation(Software):
    """Software signing with its own DPoP key, calling from `address`, with a token of its
    own for each call (the tests move the clock by hours)."""

    def __init__(self, scene: Scene, address: str, dpop: Key | None = None) -> None:
        super().__init__(scene, dpop, address)

    def post(self, url: str, body: dict[str, Any] | None = None) -> Any:
        self._fresh_token()
        return super().post(url, body)

    def get(self, url: str, params: dict[str, str]) -> Any:
        self._fresh_token()
        return super().get(url, params)

    def _fresh_token(self) -> None:
        scene = self.scene
        self.token = scene.world.token(scene.client_id, scene.client_key, self.dpop).access_token


@pytest.fixture
def scene(tmp_path: Path, database_url: str) -> Scene:
    return build_scene(tmp_path, database_url, beneficiaries=10)


@pytest.fixture
def pharmacy(scene: Scene) -> Installation:
    """The pharmacy's own installation, trusted on first use (the client's first call)."""
    own = Installation(scene, PHARMACY)
    assert own.check().status_code == 200
    scene.tick(seconds=60)
    return own


def test_a_copy_of_the_key_elsewhere_is_served_nothing_even_after_waiting(
    scene: Scene, pharmacy: Installation
) -> None:
    thief = Installation(scene, ELSEWHERE)
    for _ in range(3):
        answer = thief.check()
        assert _refused_for_step_up(answer), answer.text
        assert "guarantees" not in answer.json()  # a problem, not an answer
    # Known by nobody a day later either: only a served call or a confirmation makes an
    # installation known, and the thief had neither.
    scene.tick(seconds=25 * 3600)
    assert _refused_for_step_up(thief.check())
    # The pharmacy's own installation was never held up.
    assert pharmacy.check().status_code == 200


def test_the_pharmacy_reinstalling_or_changing_line_is_served_as_before(
    scene: Scene, pharmacy: Installation
) -> None:
    reinstalled = Installation(scene, PHARMACY)  # a new DPoP key at the pharmacy
    assert reinstalled.check().status_code == 200
    moved = Installation(scene, "198.51.100.77", pharmacy.dpop)  # its line changed
    assert moved.check().status_code == 200
    # The new line is known now: the reinstalled key is served there too.
    assert Installation(scene, "198.51.100.77", reinstalled.dpop).check().status_code == 200


def test_a_key_served_at_the_pharmacy_does_not_carry_its_trust_elsewhere(
    scene: Scene, pharmacy: Installation
) -> None:
    """A thief with a foothold on the pharmacy's network is served there (it cannot be
    told from a counter's machine), but that does not make its key the client's."""
    thief_at_the_pharmacy = Installation(scene, PHARMACY)
    assert thief_at_the_pharmacy.check().status_code == 200
    back_home = Installation(scene, ELSEWHERE, thief_at_the_pharmacy.dpop)
    assert _refused_for_step_up(back_home.check())
    assert _refused_for_step_up(Installation(scene, ELSEWHERE).check())


def test_refusals_of_another_installation_do_not_contain_the_pharmacy(
    scene: Scene, pharmacy: Installation
) -> None:
    """Software on a new machine and a new network retrying while it waits for the
    pharmacist: its refusals are not the client's."""
    waiting = Installation(scene, ELSEWHERE)
    for _ in range(70):
        assert _refused_for_step_up(waiting.check())
        scene.tick(seconds=5)
    assert pharmacy.check().status_code == 200
    assert not scene.containments(scene.client_id)


def test_a_new_installation_on_a_new_network_is_served_once_confirmed(
    scene: Scene, pharmacy: Installation
) -> None:
    elsewhere = Installation(scene, ELSEWHERE)
    assert _refused_for_step_up(elsewhere.check())
    code = elsewhere.post(STEP_UP_REQUEST_PATH).json()["user_code"]
    # The pharmacist confirms from the same network, beside the new installation.
    assert _from(scene, ELSEWHERE).post(PAGE, data={"user_code": code}).status_code == 200
    assert elsewhere.check().status_code == 200
    # Known from then on, past the confirmation's own window, from its new network.
    scene.tick(seconds=3600)
    assert elsewhere.check().status_code == 200


def test_codes_asked_by_an_installation_nobody_confirms_suspend_the_client(
    scene: Scene, pharmacy: Installation
) -> None:
    """Without any rung on the client: the stranger's codes count from the first."""
    thief = Installation(scene, ELSEWHERE)
    suspending = int(BurstPolicy().unconfirmed_code_steps[2])
    answers = []
    for _ in range(suspending):
        answers.append(thief.post(STEP_UP_REQUEST_PATH).status_code)
        scene.tick(seconds=60)
    assert answers == [201] * suspending
    assert any(c.rung == "suspend" for c in scene.containments(scene.client_id))
    # The client's key is known to be copied: no installation of it gets a token.
    with pytest.raises(TokenRequestRefused):
        pharmacy.check()


def test_emptying_the_feature_store_hands_nothing_to_whoever_calls_first(
    scene: Scene, pharmacy: Installation
) -> None:
    """A restart without Redis empties the store: the thief calling first is still
    another installation, and the pharmacy's anchored key is still the client's."""
    shield = scene.web.app.state.shield
    shield.detection.store = LocalFeatureStore()  # what a restart leaves
    thief = Installation(scene, ELSEWHERE)
    assert _refused_for_step_up(thief.check())
    assert pharmacy.check().status_code == 200
    assert _refused_for_step_up(thief.check())


def test_another_installation_gets_no_revocation_list_either(
    scene: Scene, pharmacy: Installation
) -> None:
    """Every data-serving call passes the gate, the revoked accreditations' list too."""
    since = (scene.web.clock.now() - timedelta(days=1)).isoformat()
    assert pharmacy.get(REVOKED, params={"since": since}).status_code == 200
    thief = Installation(scene, ELSEWHERE)
    assert _refused_for_step_up(thief.get(REVOKED, params={"since": since}))


def test_a_code_confirmed_past_the_warning_lets_it_through_for_a_while_only(
    scene: Scene, pharmacy: Installation
) -> None:
    """A pharmacist talked into confirming a code asked from another network (the
    relayed-code scam) lets that installation through for the confirmation's 15
    minutes, and the analysts are alerted; its key is never anchored."""
    thief = Installation(scene, ELSEWHERE)
    code = thief.post(STEP_UP_REQUEST_PATH).json()["user_code"]
    scammed = _from(scene, PHARMACY)
    confirmed = scammed.post(PAGE, data={"user_code": code, "elsewhere": "accepted"})
    assert "data-software-confirmed" in confirmed.text
    assert thief.check().status_code == 200
    scene.tick(seconds=16 * 60)
    assert _refused_for_step_up(thief.check())
