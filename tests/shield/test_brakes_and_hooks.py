"""Channel brakes (one analyst puts one on, two take it off), the hooks other features
call (account requests, IBAN changes, invoices), and alerts about the shield's own
stores reaching the analysts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from rempart.identity.permissions import Actor, Role
from rempart.shield.domain import Detector, Rung, Subject
from rempart.shield.engine import Detection
from rempart.shield.observations import Sighting
from rempart.shield.quotas import epoch_ms
from rempart.shield.sentinel import Sentinel
from rempart.shield.store import LocalFeatureStore

from ..identity.web import make_web
from .ladder_scene import Scene, build_scene
from .test_quotas import _closed_port
from .workload import MONDAY


@pytest.fixture
def scene(tmp_path: Path, database_url: str) -> Scene:
    return build_scene(tmp_path, database_url, beneficiaries=10)


def problem(response: object) -> str:
    return str(response.json()["type"]).rsplit("/", 1)[-1]  # type: ignore[attr-defined]


def test_a_portal_brake_closes_the_portal_and_not_the_api(scene: Scene) -> None:
    counter = scene.web.signed_in(scene.pro)
    line = scene.lines[0]
    assert scene.check(counter, line).status_code == 200
    analyst, second = scene.analyst(0), scene.analyst(1)

    braked = analyst.put("/api/v1/security/brakes/portal")
    assert braked.status_code == 200, braked.text
    assert braked.json()["step"] == "brake"
    assert analyst.put("/api/v1/security/brakes/portal").status_code == 409
    scene.tick(seconds=30)
    closed = scene.check(counter, line)
    assert (closed.status_code, problem(closed)) == (403, "channel-closed")
    assert scene.software_check(line).status_code == 200  # the API channel still reads
    # The analysts' own pages stay open on a braked portal.
    assert analyst.get("/api/v1/security/containments").status_code == 200

    release = analyst.delete("/api/v1/security/brakes/portal")
    assert release.status_code == 202
    request_id = release.json()["id"]
    alone = analyst.post(f"/api/v1/security/lift-requests/{request_id}/approval")
    assert alone.status_code == 403
    assert scene.check(counter, line).status_code == 403  # still braked
    assert second.post(f"/api/v1/security/lift-requests/{request_id}/approval").status_code == 200
    scene.tick(seconds=30)
    assert scene.check(counter, line).status_code == 200
    assert analyst.delete("/api/v1/security/brakes/portal").status_code == 404


def test_brakes_name_a_real_channel_and_need_a_fresh_factor(scene: Scene) -> None:
    from rempart.identity.sessions import Factor

    analyst = scene.analyst(0)
    assert analyst.put("/api/v1/security/brakes/cli").status_code == 422
    phishable = scene.web.signed_in(scene.analysts[1], Factor.TOTP)
    refused = phishable.put("/api/v1/security/brakes/api")
    assert (refused.status_code, problem(refused)) == (401, "step-up-required")


def test_acknowledging_an_alert(scene: Scene) -> None:
    sentinel = scene.web.app.state.shield
    assert isinstance(sentinel, Sentinel)
    for _ in range(3):
        sentinel.observe_iban_change(
            actor=scene.world.structure_admin, structure=scene.world.finess, now=MONDAY
        )
    analyst = scene.analyst(0)
    raised = [
        a
        for a in analyst.get("/api/v1/security/alerts", params={"status": "open"}).json()
        if a["subject_kind"] == "structure"
    ]
    assert [a["containment_step"] for a in raised] == ["step_up", "throttle"]  # newest first
    alert = raised[0]
    assert alert["detector"] == Detector.IBAN_BURST.value
    done = analyst.post(f"/api/v1/security/alerts/{alert['id']}/acknowledge")
    assert done.status_code == 200
    assert done.json()["status"] == "acknowledged"
    assert analyst.post(f"/api/v1/security/alerts/{alert['id']}/acknowledge").status_code == 409
    still_open = analyst.get("/api/v1/security/alerts", params={"status": "open"}).json()
    assert alert["id"] not in {a["id"] for a in still_open}
    assert analyst.get("/api/v1/security/alerts", params={"since": "2026-11-01"}).status_code == 422


def test_iban_changes_in_a_burst_contain_the_structure(scene: Scene) -> None:
    sentinel = scene.web.app.state.shield
    admin = scene.world.structure_admin
    for day, expected in ((0, None), (3, "throttle"), (9, "step_up")):
        sentinel.observe_iban_change(
            actor=admin, structure=scene.world.finess, now=MONDAY + timedelta(days=day)
        )
        active = [c for c in scene.containments(scene.world.finess) if c.status == "active"]
        assert (active[0].rung if active else None) == expected
    # The requester's own account climbs with it, in its security history.
    assert "shield:account:step_up_required" in scene.security_events(admin.account_id)


def test_a_platform_wide_burst_of_iban_changes_alerts(scene: Scene) -> None:
    sentinel = scene.web.app.state.shield
    for n in range(20):
        admin = Actor(account_id=scene.analysts[0], role=Role.STRUCTURE_ADMIN)
        sentinel.observe_iban_change(
            actor=admin, structure=f"75{n:07d}", now=MONDAY + timedelta(minutes=n)
        )
    codes = [a.code for a in scene.alerts()]
    assert codes.count("shield.platform.iban-burst") == 1


def test_a_burst_of_account_requests_contains_the_requester(scene: Scene) -> None:
    sentinel = scene.web.app.state.shield
    admin = scene.world.structure_admin
    for n in range(8):
        sentinel.observe_account_request(actor=admin, now=MONDAY + timedelta(minutes=5 * n))
    (containment,) = scene.containments(admin.account_id)
    assert (containment.rung, containment.detector) == ("step_up", Detector.ACCOUNT_BURST.value)
    # A platform administrator onboarding a structure's staff is not a burst.
    platform_admin = scene.world.approver
    for n in range(8):
        sentinel.observe_account_request(actor=platform_admin, now=MONDAY + timedelta(minutes=n))
    assert scene.containments(platform_admin.account_id) == []


def test_checks_that_never_become_invoices_fire_once_invoices_flow() -> None:
    detection = Detection(LocalFeatureStore())
    quiet, busy = Subject.structure("750000001"), Subject.structure("750000002")
    day_one = MONDAY.replace(hour=8)
    for structure in (quiet, busy):
        for n in range(200):
            at = day_one + timedelta(minutes=3 * n)
            sighting = Sighting(
                actor=Subject.account(n_uuid(n)), structure=structure, matched=True, accredited=True
            )
            detection.lookup(sighting, epoch_ms(at))
    for n in range(180):  # the honest pharmacy invoices what it checked
        detection.invoice(busy, epoch_ms(day_one + timedelta(minutes=3 * n + 10)))
    next_day = day_one + timedelta(days=1, hours=8)
    for structure, fired in ((quiet, True), (busy, False)):
        sighting = Sighting(actor=Subject.account(n_uuid(999)), structure=structure, matched=True)
        (_, assessed) = detection.lookup(sighting, epoch_ms(next_day))
        signal = {s.detector: s for s in assessed.risk.signals}[Detector.NO_INVOICE]
        assert (signal.score == 100) is fired, signal


def n_uuid(n: int):  # type: ignore[no-untyped-def]
    import uuid

    return uuid.UUID(int=n + 1)


def test_the_quota_stores_going_down_reach_the_analysts(tmp_path: Path, sqlite_url: str) -> None:
    """With Redis unreachable, quotas and detectors carry on locally; the alerts are
    stored and sent to the analysts, not only logged."""
    web = make_web(tmp_path, sqlite_url, redis_url=f"redis://127.0.0.1:{_closed_port()}/15")
    from ..identity.clientworld import build_world
    from .ladder_scene import Scene as _Scene  # noqa: F401  (same harness)

    world = build_world(web.platform)
    pro = web.account(Role.PROFESSIONAL, "pro", finess=(world.finess,))
    counter = web.signed_in(pro)
    from ..factories import france, statements
    from .ladder_scene import card

    line = statements(france(60), beneficiaries=5)[0]
    assert counter.post("/api/v1/rights/checks", json=card(line)).status_code == 200
    web.app.state.shield.close()  # waits for the alerts to be stored
    with web.platform.uow() as uow:
        from sqlalchemy import select

        from rempart.outbox.models import OutboxMessageRow
        from rempart.shield.models import AlertRow

        codes = set(uow.session.scalars(select(AlertRow.code)))
        topics = list(uow.session.scalars(select(OutboxMessageRow.topic)))
    assert {"shield.quota-store-unreachable", "shield.feature-store-unreachable"} <= codes
    assert topics.count("shield.alert") >= 2
    assert Rung.NONE.level == 0


def test_peers_are_the_same_profession_in_structures_of_the_same_size(scene: Scene) -> None:
    from sqlalchemy import func, select

    from rempart.registry.models import MembershipRow, ProfessionalRow, StructureRow
    from rempart.shield.features import feature_key

    assert scene.software_check(scene.lines[0]).status_code == 200
    with scene.web.platform.uow() as uow:
        profession = uow.session.scalar(
            select(ProfessionalRow.profession).where(
                ProfessionalRow.rpps == scene.world.member_rpps
            )
        )
        kind, members = uow.session.execute(
            select(StructureRow.kind, func.count(MembershipRow.professional_id))
            .join(MembershipRow, MembershipRow.structure_id == StructureRow.id)
            .where(StructureRow.finess == scene.world.finess)
            .group_by(StructureRow.kind)
        ).one()
    size = "small" if members <= 2 else "medium" if members <= 6 else "large"
    store = scene.web.app.state.shield.detection.store
    kept = store.snapshot()
    assert feature_key(f"client-peers:{profession}/{size}", "n:d") in kept
    assert feature_key(f"structure-peers:{kind}/{size}", "n:d") in kept
