"""The containment ladder end to end, through the HTTP API: a professional scraping
rights checks is throttled, then asked to step up, then suspended — their sessions end,
their pharmacy's software stops, the analysts, the pharmacy and the insurers are told —
and only two different security analysts bring the account back. A honeytoken lookup,
or repeated "this wasn't me", contains at once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rempart.identity.client_errors import TokenRequestRefused
from rempart.shield.alerting import StoredAlertSink
from rempart.shield.honeytokens import plant_honeytoken
from rempart.shield.quotas import QuotaPolicy
from rempart.shield.redis_quotas import RedisShield
from rempart.shield.redis_store import RedisFeatureStore
from rempart.shield.sentinel import Sentinel

from .ladder_scene import Scene, build_scene

GAPS_MS = (1600, 2400, 1800, 2200, 2000)  # a loop with a little jitter


@pytest.fixture(params=["in-process", "redis", "postgres"])
def scene(request: pytest.FixtureRequest, tmp_path: Path, sqlite_url: str) -> Iterator[Scene]:
    """Features in process or in Redis, on SQLite; and in process on PostgreSQL."""
    database = sqlite_url
    if request.param == "postgres":
        database = request.getfixturevalue("postgres_url")
    built = build_scene(tmp_path, database)
    if request.param == "redis":
        url: str = request.getfixturevalue("redis_url")
        namespace: str = request.getfixturevalue("namespace")
        platform = built.web.platform
        alerts = StoredAlertSink(platform.uow)
        built.web.app.state.shield = Sentinel(
            quotas=RedisShield(
                url, QuotaPolicy(), namespace=f"{namespace}:q", alerts=alerts, timeout=5.0
            ),
            store=RedisFeatureStore(url, namespace=f"{namespace}:f", alerts=alerts, timeout=5.0),
            uow=platform.uow,
            alerts=alerts,
        )
    yield built
    built.web.app.state.shield.close()


def problem(response: object) -> str:
    body = response.json()  # type: ignore[attr-defined]
    return str(body.get("type", "")).rsplit("/", 1)[-1]


def rung_of(scene: Scene) -> str | None:
    active = [c for c in scene.containments(scene.pro) if c.status == "active"]
    return active[0].rung if active else None


def hammer(scene: Scene, counter: TestClient, until: str, most: int, step_ms: int) -> list[int]:
    statuses = []
    for i in range(most):
        scene.tick(milliseconds=step_ms)
        statuses.append(scene.check(counter, scene.lines[i % len(scene.lines)]).status_code)
        if rung_of(scene) == until:
            return statuses
    raise AssertionError(f"never reached {until}: {statuses}")


def test_a_scraping_professional_is_throttled_stepped_up_suspended_then_lifted_by_two(
    scene: Scene,
) -> None:
    counter = scene.web.signed_in(scene.pro)

    # 1. As fast as it is let: answered, until the cadence gives it away.
    statuses = []
    for i in range(40):
        scene.tick(milliseconds=GAPS_MS[i % len(GAPS_MS)])
        statuses.append(scene.check(counter, scene.lines[i % len(scene.lines)]).status_code)
        if statuses[-1] == 429:
            break
    assert statuses[-1] == 429
    assert set(statuses[:-1]) == {200}
    assert 20 <= len(statuses) <= 30
    assert rung_of(scene) == "throttle"
    assert "shield:account:throttled" in scene.security_events(scene.pro)

    # 2. Hammering the refusals: a fresh factor is now required.
    hammer(scene, counter, "step_up", most=20, step_ms=1000)
    assert "shield:account:step_up_required" in scene.security_events(scene.pro)
    scene.tick(minutes=6)  # the passkey sign-in is older than five minutes now
    refused = scene.check(counter, scene.lines[0])
    assert (refused.status_code, problem(refused)) == (401, "step-up-required")
    assert refused.headers["WWW-Authenticate"].startswith("Bearer error=")

    # 3. A program does not step up: it hammers on, and is suspended.
    hammer(scene, counter, "suspend", most=40, step_ms=1000)
    ended = scene.check(counter, scene.lines[0])
    assert (ended.status_code, problem(ended)) == (401, "unauthenticated")
    assert scene.account_status(scene.pro) == "suspended"
    assert scene.live_sessions(scene.pro) == 0
    assert scene.client_status() == "suspended"  # the pharmacy's software stops too
    with pytest.raises(TokenRequestRefused):  # no token for a suspended client
        scene.software_check(scene.lines[0])

    # 4. Everyone is told.
    codes = [a.code for a in scene.alerts()]
    for code in ("shield.account.throttle", "shield.account.step_up", "shield.account.suspend"):
        assert code in codes
    messages = scene.outbox()
    topics = [m.topic for m in messages]
    assert topics.count("shield.alert") >= 3
    assert [m.recipient_ref for m in messages if m.topic == "shield.suspension"] == [
        scene.world.finess
    ]
    exposed = {m.recipient_ref for m in messages if m.topic == "shield.exposure"}
    assert exposed
    assert exposed <= {line.amc_number for line in scene.lines}
    for message in messages:  # counts and references only
        for line in scene.lines[:30]:
            assert line.insured_nir not in message.body
            assert line.member_number not in message.body
        assert str(scene.pro) not in message.body

    analyst, second = scene.analyst(0), scene.analyst(1)
    listed = analyst.get("/api/v1/security/alerts", params={"severity": "critical"})
    assert listed.status_code == 200
    suspension = next(a for a in listed.json() if a["code"] == "shield.account.suspend")
    assert suspension["subject_ref"] == str(scene.pro)
    assert suspension["containment_step"] == "suspend"
    containments = analyst.get("/api/v1/security/containments").json()
    mine = next(c for c in containments if c["subject_ref"] == str(scene.pro))
    assert any(c["caused_by"] == mine["id"] for c in containments)  # the software client

    # 5. Two different analysts lift it; the same one twice is refused.
    asked = analyst.post(f"/api/v1/security/containments/{mine['id']}/lift-requests")
    assert asked.status_code == 201
    request_id = asked.json()["id"]
    alone = analyst.post(f"/api/v1/security/lift-requests/{request_id}/approval")
    assert (alone.status_code, problem(alone)) == (403, "forbidden")
    assert scene.account_status(scene.pro) == "suspended"
    approved = second.post(f"/api/v1/security/lift-requests/{request_id}/approval")
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "lifted"
    assert scene.account_status(scene.pro) == "active"
    assert scene.client_status() == "active"
    again = second.post(f"/api/v1/security/lift-requests/{request_id}/approval")
    assert again.status_code == 409

    # 6. Back at the counter, with every step in the account's own history.
    scene.tick(minutes=2)
    counter = scene.web.signed_in(scene.pro)
    assert scene.check(counter, scene.lines[3]).status_code == 200
    history = [e["tag"] for e in counter.get("/api/v1/me/security-history").json()]
    for tag in (
        "shield:account:throttled",
        "shield:account:step_up_required",
        "shield:account:suspended",
        "shield:account:lift_requested",
        "shield:account:reinstated",
    ):
        assert tag in history


def test_a_honeytoken_lookup_suspends_at_once(scene: Scene) -> None:
    plant_honeytoken(
        uow=scene.web.platform.uow(), beneficiary_id=scene.beneficiary_of(scene.lines[0])
    )
    counter = scene.web.signed_in(scene.pro)
    assert scene.check(counter, scene.lines[1]).status_code == 200
    scene.tick(minutes=3)
    # The lookup is answered like any other (nothing tells it apart)...
    assert scene.check(counter, scene.lines[0]).status_code == 200
    # ...and the account is suspended with it.
    assert scene.account_status(scene.pro) == "suspended"
    scene.tick(seconds=20)
    assert scene.check(counter, scene.lines[1]).status_code == 401
    (containment,) = list(scene.containments(scene.pro))
    assert (containment.rung, containment.detector) == ("suspend", "event.honeytoken")
    critical = [a for a in scene.alerts() if a.severity == "critical"]
    assert [a.detector for a in critical] == ["event.honeytoken"]


def test_reports_of_this_was_not_me_contain_the_professional(scene: Scene) -> None:
    """Three insured people each say a check on their record was not for their care."""
    from rempart.identity.permissions import Role

    counter = scene.web.signed_in(scene.pro)
    insured = []
    for n, line in enumerate(scene.lines[:3]):
        scene.tick(minutes=7)
        assert scene.check(counter, line).status_code == 200
        account = scene.web.account(
            Role.INSURED, f"insured-{n}", beneficiary_id=scene.beneficiary_of(line)
        )
        insured.append(account)
    rungs = []
    for account in insured:
        scene.tick(minutes=1)
        person = scene.web.signed_in(account)
        history = person.get("/api/v1/me/access-history").json()
        assert len(history) == 1, history
        (access,) = history
        reported = person.post(f"/api/v1/me/access-history/{access['id']}/report")
        assert reported.status_code == 201
        rungs.append(rung_of(scene))
    assert rungs == [None, "step_up", "suspend"]
    assert scene.account_status(scene.pro) == "suspended"
