"""Issue #7, "done when": with Redis stopped mid-run, quotas still hold (conservatively)
and an alert is raised — on the real service path: rights checks through the app's
shield (Sentinel) with its quotas and features in a real redis-server that this test
starts on a free port and kills in the middle of the run.

(`tests/shield/test_quotas.py` and `test_feature_store.py` check each store alone,
through a TCP relay that stands for a Redis going away; here the process dies.)"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import redis
from sqlalchemy import select

from rempart.audit.context import RequestContext, serving
from rempart.kernel.errors import RateLimited
from rempart.rights.service import check_rights
from rempart.shield.alerting import StoredAlertSink
from rempart.shield.alerts import FEATURE_STORE_DOWN, QUOTA_STORE_DOWN
from rempart.shield.models import AlertRow
from rempart.shield.quotas import Limits, QuotaPolicy
from rempart.shield.redis_quotas import RedisShield
from rempart.shield.redis_store import RedisFeatureStore
from rempart.shield.sentinel import Sentinel
from rempart.simulation.parameters import Parameters
from rempart.simulation.workload import PHARMACY_CATEGORIES, card_request, open_on
from rempart.simulation.world import World, build_world

LIMIT = 10  # an actor's checks a minute in this test
SHARE = 0.5  # each worker's share of it while Redis is away: 5


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    binary = shutil.which("redis-server")
    if binary is None:
        # Redis is part of the machine this suite runs on (`.ci/run` starts the same
        # binary): its absence is a broken environment, not a test to pass over.
        pytest.fail("redis-server is required (Debian's redis-server package)")
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(url, socket_timeout=0.5).ping()
            break
        except redis.RedisError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
    try:
        yield url, process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def test_redis_dying_mid_run_keeps_quotas_and_raises_alerts(
    tmp_path: Path, redis_server: tuple[str, subprocess.Popen[bytes]]
) -> None:
    url, process = redis_server
    params = replace(Parameters(), beneficiaries=600, scale=0.1)
    world = build_world(seed=5, params=params, days=1, home=tmp_path / "range")
    sink = StoredAlertSink(world.platform.uow)
    policy = QuotaPolicy.everywhere(Limits(1_000_000, 1_000_000, 1_000_000))
    policy = replace(policy, actor=Limits(LIMIT, 1_000, 1_000))
    shield = Sentinel(
        quotas=RedisShield(url, policy, fallback_share=SHARE, alerts=sink, timeout=0.5),
        store=RedisFeatureStore(url, alerts=sink, timeout=0.5),
        uow=world.platform.uow,
        alerts=sink,
    )
    world = replace(world, shield=shield)
    try:
        _check_until_refused(world, process, sink)
    finally:
        world.close()


def _check_until_refused(
    world: World, process: subprocess.Popen[bytes], sink: StoredAlertSink
) -> None:
    pharmacist = next(p for p in world.staff() if p.finess == world.sites[0].finess)
    site = world.sites[0]
    context = RequestContext(request_id=None, address=site.address, user_agent=pharmacist.device)
    world.clock.set(world.at_local(world.params.attack_day, 10))
    _, actor = world.sign_in(pharmacist.account_id, context)
    assert actor is not None
    today = world.clock.today()
    cards = [line for line in world.population.statements if open_on(line, today)]

    def check(n: int) -> None:
        with serving(context):
            check_rights(
                uow=world.platform.uow(),
                actor=actor,
                shield=world.shield,
                request=card_request(cards[n], today, PHARMACY_CATEGORIES),
            )

    for n in range(4):  # counted in Redis
        check(n)
    process.kill()  # Redis dies mid-run
    process.wait(timeout=10)
    # Never unlimited: this worker alone keeps its share of the minute's budget.
    for n in range(4, 4 + int(LIMIT * SHARE)):
        check(n)
    for n in (20, 21):
        with pytest.raises(RateLimited):
            check(n)
    sink.wait()
    with world.platform.uow() as uow:
        codes = set(uow.session.scalars(select(AlertRow.code)))
    assert {QUOTA_STORE_DOWN, FEATURE_STORE_DOWN} <= codes
