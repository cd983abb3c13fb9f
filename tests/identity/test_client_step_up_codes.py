"""A copy of a client's key at the step-up rung: it can only ask for codes that nobody
confirms, and asking over and over suspends the client (`event.unconfirmed-step-up-codes`);
the pharmacy's own installation, confirmed, asks without counting."""

from __future__ import annotations

from pathlib import Path

import pytest

from rempart.identity.client_step_up import STEP_UP_REQUEST
from rempart.kernel.errors import StepUpRequired
from rempart.shield.detectors.events import BurstPolicy, unconfirmed_codes
from rempart.shield.domain import Detector, Subject, Suspended

from ..shield.ladder_scene import Scene, build_scene
from .clientkit import Key
from .test_client_step_up import Software, _actor, _climb, _confirm

SUSPENDING = BurstPolicy().unconfirmed_code_steps[2]


@pytest.fixture
def scene(tmp_path: Path, database_url: str) -> Scene:
    return build_scene(tmp_path, database_url, beneficiaries=10)


def ask(scene: Scene, key: Key, times: int, every_s: float = 20) -> None:
    """`times` codes asked by the software signing with `key`, as the route admits them."""
    shield = scene.web.app.state.shield
    for _ in range(times):
        shield.admit(
            actor=_actor(scene, key),
            action=STEP_UP_REQUEST,
            structure=None,
            now=scene.web.clock.now(),
        )
        scene.tick(seconds=every_s)


def test_the_steps() -> None:
    policy = BurstPolicy()
    scores = [unconfirmed_codes(n, policy).score for n in (0, 9, 10, 20, 30)]
    assert scores == [0, 0, 40, 70, 100]
    assert unconfirmed_codes(30, policy).detector is Detector.UNCONFIRMED_CODES


def test_a_key_nobody_confirms_asking_again_and_again_suspends_the_client(
    scene: Scene,
) -> None:
    shield = scene.web.app.state.shield
    thief = Key()
    _climb(scene, Subject.client(scene.client_id))
    ask(scene, thief, int(SUSPENDING) - 1)
    with pytest.raises(StepUpRequired):  # still at the rung: it got nothing, and asks on
        shield.admit(
            actor=_actor(scene, thief),
            action="rights.check",
            structure=None,
            now=scene.web.clock.now(),
        )
    ask(scene, thief, 1)
    with pytest.raises(Suspended):
        shield.admit(
            actor=_actor(scene, thief),
            action=STEP_UP_REQUEST,
            structure=None,
            now=scene.web.clock.now(),
        )
    (suspension,) = [c for c in scene.containments(scene.client_id) if c.rung == "suspend"]
    assert suspension.detector == Detector.UNCONFIRMED_CODES.value
    alerts = [a for a in scene.alerts() if a.detector == Detector.UNCONFIRMED_CODES.value]
    assert alerts
    assert alerts[-1].rung == "suspend"
    assert alerts[-1].subject_ref == str(scene.client_id)
    assert str(scene.world.member_rpps) not in alerts[-1].evidence


def pressed(scene: Scene) -> None:
    """A risk remembered at the step-up rung's level (30 refusals in ten minutes: 60),
    as a client the shield stepped up itself carries: one more step of 40 suspends."""
    shield = scene.web.app.state.shield
    now_ms = int(scene.web.clock.now().timestamp() * 1000)
    for _ in range(30):
        shield.detection.refusal(Subject.client(scene.client_id), now_ms)


def test_with_a_risk_remembered_a_stranger_key_s_first_step_suspends(scene: Scene) -> None:
    _climb(scene, Subject.client(scene.client_id))
    pressed(scene)
    ask(scene, Key(), int(BurstPolicy().unconfirmed_code_steps[0]), every_s=15)
    assert "suspend" in [c.rung for c in scene.containments(scene.client_id)]


def test_the_installation_a_professional_confirmed_today_never_counts(scene: Scene) -> None:
    """Its pharmacists renew their confirmations all day (each one when it lapses): with a
    risk remembered at the rung's level, codes asked that counted would suspend it."""
    software = Software(scene)
    _climb(scene, Subject.client(scene.client_id))
    assert _confirm(scene, software.ask()).status_code == 200
    scene.tick(minutes=20)  # the confirmation lapsed: the software asks again
    pressed(scene)
    ask(scene, software.dpop, int(SUSPENDING) + 10, every_s=15)
    # A new token (the first expired meanwhile), the same installation, confirmed again.
    again = Software(scene, software.dpop)
    assert _confirm(scene, again.ask()).status_code == 200
    assert again.check().status_code == 200
    assert [c.rung for c in scene.containments(scene.client_id) if c.status == "active"] == [
        "step_up"
    ]


def test_codes_asked_off_the_rung_do_not_count(scene: Scene) -> None:
    """An integrator trying the flow: no rung, nothing to confirm, nothing counted."""
    ask(scene, Key(), int(SUSPENDING) * 2)
    assert Software(scene).check().status_code == 200
    assert scene.containments(scene.client_id) == []
