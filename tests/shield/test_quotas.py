"""Quotas against a real Redis (REMPART_TEST_REDIS_URL; CI sets it and requires it), and
the in-process budget they fall back to.

Each test works under a key namespace of its own, deleted afterwards, so that tests run
in parallel on one database without seeing each other's counters."""

from __future__ import annotations

import contextlib
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import redis

from rempart.identity.permissions import Actor, Channel, Role
from rempart.kernel.errors import RateLimited
from rempart.shield.alerts import QUOTA_STORE_BACK, QUOTA_STORE_DOWN, Alert
from rempart.shield.port import FixedBudgetShield, Shield
from rempart.shield.quotas import Limits, QuotaPolicy
from rempart.shield.redis_quotas import RedisShield

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday morning, on a whole second
BIG = Limits(1_000_000, 1_000_000, 1_000_000)
FINESS = "750000001"


# redis_url and namespace: tests/shield/conftest.py


class Alerts:
    def __init__(self) -> None:
        self.raised: list[Alert] = []

    def raise_alert(self, alert: Alert) -> None:
        self.raised.append(alert)

    def codes(self) -> list[str]:
        return [alert.code for alert in self.raised]


def policy(
    *,
    actor: Limits = BIG,
    structure: Limits = BIG,
    client: Limits = BIG,
    address: Limits = BIG,
    everyone: Limits = BIG,
) -> QuotaPolicy:
    """Large limits everywhere but where a test names its own."""
    return QuotaPolicy(actor, structure, client, address, everyone)


def professional(finess: str = FINESS) -> Actor:
    return Actor(account_id=uuid.uuid4(), role=Role.PROFESSIONAL, structures=frozenset({finess}))


def software(client_id: uuid.UUID, rpps: str) -> Actor:
    return Actor(
        account_id=uuid.uuid4(),
        role=Role.PROFESSIONAL,
        structures=frozenset({FINESS}),
        channel=Channel.API,
        rpps=rpps,
        client_id=client_id,
    )


def admit(shield: Shield, actor: Actor, at: datetime, address: str | None = None) -> None:
    shield.admit(actor=actor, action="rights.check", structure=FINESS, now=at, address=address)


def refused_after(shield: Shield, actor: Actor, at: datetime, address: str | None = None) -> int:
    with pytest.raises(RateLimited) as refused:
        admit(shield, actor, at, address)
    assert refused.value.retry_after > 0
    return refused.value.retry_after


MakeShield = Callable[[QuotaPolicy], RedisShield]


@pytest.fixture
def make_shield(redis_url: str, namespace: str) -> Iterator[MakeShield]:
    made: list[RedisShield] = []

    def make(quotas: QuotaPolicy) -> RedisShield:
        shield = RedisShield(redis_url, quotas, namespace=namespace)
        made.append(shield)
        return shield

    yield make
    for shield in made:
        shield.close()


@pytest.mark.parametrize(
    ("limits", "span"),
    [
        (Limits(5, 1_000, 1_000), timedelta(minutes=1)),
        (Limits(1_000, 7, 1_000), timedelta(hours=1)),
        (Limits(1_000, 1_000, 9), timedelta(days=1)),
    ],
)
def test_each_window_allows_exactly_its_limit(
    make_shield: MakeShield, limits: Limits, span: timedelta
) -> None:
    shield = make_shield(policy(actor=limits))
    actor = professional()
    limit = min(limits.per_minute, limits.per_hour, limits.per_day)
    step = span / (limit * 4)  # all within the window
    for i in range(limit):
        admit(shield, actor, T0 + i * step)
    wait = refused_after(shield, actor, T0 + limit * step)
    # The first request leaves the window between one window and one bucket after it.
    assert span.total_seconds() - limit * step.total_seconds() < wait
    assert wait <= (span + span / 60).total_seconds()


def test_the_window_slides(make_shield: MakeShield) -> None:
    shield = make_shield(policy(actor=Limits(3, 1_000, 1_000)))
    actor = professional()
    for seconds in (0, 20, 40):
        admit(shield, actor, T0 + timedelta(seconds=seconds))
    at = T0 + timedelta(seconds=50)
    wait = refused_after(shield, actor, at)
    assert wait == 11  # the request at 0 s is forgotten at 61 s (one bucket late, never early)
    refused_after(shield, actor, at + timedelta(seconds=wait - 1))
    admit(shield, actor, at + timedelta(seconds=wait))
    # Only one slot came free: 20, 40 and 61 fill the window again.
    refused_after(shield, actor, at + timedelta(seconds=wait))
    admit(shield, actor, T0 + timedelta(seconds=82))  # the one at 20 s has gone


def test_a_refusal_counts_nothing(make_shield: MakeShield) -> None:
    """A spent actor hammering does not spend its structure's budget for the others."""
    shield = make_shield(policy(actor=Limits(2, 1_000, 1_000), structure=Limits(4, 1_000, 1_000)))
    scraper, colleague = professional(), professional()
    admit(shield, scraper, T0)
    admit(shield, scraper, T0)
    for _ in range(10):
        refused_after(shield, scraper, T0)
    admit(shield, colleague, T0)
    admit(shield, colleague, T0)


def test_subjects_are_independent_and_the_structure_binds_all_its_actors(
    make_shield: MakeShield,
) -> None:
    shield = make_shield(policy(actor=Limits(3, 1_000, 1_000), structure=Limits(5, 1_000, 1_000)))
    first, second, third = professional(), professional(), professional()
    for _ in range(3):
        admit(shield, first, T0)
    refused_after(shield, first, T0)
    admit(shield, second, T0)  # another actor is not blocked by the first one's quota
    admit(shield, second, T0)
    refused_after(shield, third, T0)  # but the structure's five are spent, for everyone
    elsewhere = professional("750000002")
    shield.admit(actor=elsewhere, action="rights.check", structure="750000002", now=T0)


def test_software_counts_per_professional_and_per_client(make_shield: MakeShield) -> None:
    shield = make_shield(policy(actor=Limits(2, 1_000, 1_000), client=Limits(3, 1_000, 1_000)))
    client = uuid.uuid4()
    admit(shield, software(client, "10000000001"), T0)
    admit(shield, software(client, "10000000001"), T0)
    refused_after(shield, software(client, "10000000001"), T0)  # the same professional
    admit(shield, software(client, "10000000002"), T0)  # another one at the counter
    refused_after(shield, software(client, "10000000003"), T0)  # the client's three are spent
    admit(shield, software(uuid.uuid4(), "10000000003"), T0)  # another client is not


def test_address_and_global_budgets(make_shield: MakeShield) -> None:
    shield = make_shield(policy(address=Limits(2, 1_000, 1_000), everyone=Limits(4, 1_000, 1_000)))
    admit(shield, professional(), T0, address="192.0.2.10")
    admit(shield, professional(), T0, address="192.0.2.10")
    refused_after(shield, professional(), T0, address="192.0.2.10")
    admit(shield, professional(), T0, address="192.0.2.11")
    admit(shield, professional(), T0)
    refused_after(shield, professional(), T0)  # four admitted platform-wide


def test_new_accounts_get_a_share_of_the_actor_budget(make_shield: MakeShield) -> None:
    shield = make_shield(policy(actor=Limits(4, 1_000, 1_000)))
    actor = professional()
    for _ in range(2):
        shield.admit(actor=actor, action="rights.check", structure=FINESS, now=T0, new_account=True)
    with pytest.raises(RateLimited):
        shield.admit(actor=actor, action="rights.check", structure=FINESS, now=T0, new_account=True)


def test_keys_are_namespaced_and_opaque(
    make_shield: MakeShield, redis_url: str, namespace: str
) -> None:
    shield = make_shield(policy())
    client = uuid.uuid4()
    admit(shield, software(client, "10000000001"), T0, address="192.0.2.10")
    keys = [k.decode() for k in redis.Redis.from_url(redis_url).scan_iter(match=f"{namespace}:*")]
    assert len(keys) == 5 * 3  # actor, global, structure, client, address x three windows
    for clear in (str(client), "10000000001", FINESS, "192.0.2.10"):
        assert not [key for key in keys if clear in key]


def test_two_workers_share_one_budget(make_shield: MakeShield) -> None:
    quotas = policy(actor=Limits(6, 1_000, 1_000))
    one, two = make_shield(quotas), make_shield(quotas)
    actor = professional()
    for i in range(6):
        admit((one, two)[i % 2], actor, T0)
    refused_after(one, actor, T0)
    refused_after(two, actor, T0)


def test_threads_hammering_never_exceed_the_limit(make_shield: MakeShield) -> None:
    quotas = policy(structure=Limits(50, 1_000, 1_000))
    workers = [make_shield(quotas) for _ in range(2)]

    def attempt(i: int) -> bool:
        try:
            admit(workers[i % 2], professional(), T0 + timedelta(milliseconds=i))
        except RateLimited:
            return False
        return True

    with ThreadPoolExecutor(max_workers=16) as pool:
        admitted = sum(pool.map(attempt, range(200)))
    assert admitted == 50


def test_the_local_budget_counts_the_same_way() -> None:
    shield = FixedBudgetShield(policy(actor=Limits(3, 1_000, 1_000), structure=Limits(4, 9, 9)))
    actor = professional()
    for seconds in (0, 20, 40):
        admit(shield, actor, T0 + timedelta(seconds=seconds))
    assert refused_after(shield, actor, T0 + timedelta(seconds=50)) == 11
    admit(shield, professional(), T0 + timedelta(seconds=50))
    refused_after(shield, professional(), T0 + timedelta(seconds=50))  # structure: 4 spent


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_redis_unreachable_falls_back_to_a_local_share_never_unlimited() -> None:
    alerts = Alerts()
    shield = RedisShield(
        f"redis://127.0.0.1:{_closed_port()}/15",
        policy(actor=Limits(8, 1_000, 1_000)),
        fallback_share=0.25,
        alerts=alerts,
        recheck_after=0,  # every request tries Redis again: the alert must still be one
    )
    actor = professional()
    admit(shield, actor, T0)
    admit(shield, actor, T0)
    for _ in range(20):
        refused_after(shield, actor, T0)  # a quarter of eight
    assert shield.degraded
    assert alerts.codes() == [QUOTA_STORE_DOWN]
    assert "127.0.0.1" not in alerts.raised[0].detail


class Proxy:
    """A TCP relay in front of the test Redis that can be cut and restored, standing in
    for a Redis that stops mid-run and comes back."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = _closed_port()
        self._sockets: list[socket.socket] = []
        self._server: socket.socket | None = None

    def start(self) -> None:
        self._server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self._server,), daemon=True).start()

    def stop(self) -> None:
        assert self._server is not None
        self._server.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
        self._server.close()
        for sock in self._sockets:
            sock.close()
        self._sockets.clear()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                near, _ = server.accept()
            except OSError:
                return
            far = socket.create_connection(self.target)
            self._sockets += [near, far]
            for a, b in ((near, far), (far, near)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def test_redis_stopping_mid_run_degrades_then_recovers(redis_url: str, namespace: str) -> None:
    parsed = redis.Redis.from_url(redis_url).connection_pool.connection_kwargs
    proxy = Proxy((parsed.get("host", "127.0.0.1"), int(parsed.get("port", 6379))))
    proxy.start()
    alerts = Alerts()
    shield = RedisShield(
        f"redis://127.0.0.1:{proxy.port}/{parsed.get('db', 0)}",
        policy(actor=Limits(8, 1_000, 1_000)),
        fallback_share=0.5,
        alerts=alerts,
        namespace=namespace,
        recheck_after=0,
    )
    try:
        actor = professional()
        for _ in range(3):
            admit(shield, actor, T0)  # counted in Redis
        proxy.stop()
        for _ in range(4):
            admit(shield, actor, T0)  # the local half of eight
        refused_after(shield, actor, T0)
        assert shield.degraded
        assert alerts.codes() == [QUOTA_STORE_DOWN]
        proxy.start()
        for _ in range(5):
            admit(shield, actor, T0)  # back on the shared budget: 3 + 5 = 8
        refused_after(shield, actor, T0)
        assert not shield.degraded
        assert alerts.codes() == [QUOTA_STORE_DOWN, QUOTA_STORE_BACK]
    finally:
        shield.close()
        proxy.stop()


def test_during_an_outage_redis_is_retried_only_now_and_then() -> None:
    alerts = Alerts()
    shield = RedisShield(
        f"redis://127.0.0.1:{_closed_port()}/15", policy(), alerts=alerts, recheck_after=60
    )
    actor = professional()
    admit(shield, actor, T0)
    calls = 0
    original = shield._shared

    def counting(*args: object) -> int:
        nonlocal calls
        calls += 1
        return original(*args)  # type: ignore[arg-type]

    shield._shared = counting  # type: ignore[method-assign,assignment]
    for _ in range(10):
        admit(shield, actor, T0)
    assert calls == 0
    assert alerts.codes() == [QUOTA_STORE_DOWN]
