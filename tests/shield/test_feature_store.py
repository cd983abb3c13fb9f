"""The detectors' feature store: the same answers in process and in a real Redis
(REMPART_TEST_REDIS_URL), and a fallback to the worker's own features — with one
alert — when Redis does not answer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from rempart.shield.alerts import FEATURE_STORE_BACK, FEATURE_STORE_DOWN
from rempart.shield.redis_store import RedisFeatureStore
from rempart.shield.store import Add, FeatureStore, Fields, LocalFeatureStore, Mark, Recent, Tally

from .test_quotas import Alerts, Proxy, _closed_port

NOW = 1_795_000_000_000


@pytest.fixture(params=["local", "redis"])
def store(request: pytest.FixtureRequest) -> Iterator[FeatureStore]:
    if request.param == "local":
        yield LocalFeatureStore()
        return
    url: str = request.getfixturevalue("redis_url")
    namespace: str = request.getfixturevalue("namespace")
    shared = RedisFeatureStore(url, namespace=namespace, timeout=5.0)
    yield shared
    assert not shared.degraded
    shared.close()


def test_tallies_count_per_bucket_and_forget_old_buckets(store: FeatureStore) -> None:
    for bucket in (10, 10, 11, 12):
        store.run([Tally("k:t", bucket, 1, bucket - 2)], NOW)
    assert store.run([Tally("k:t", 12, 0, 10)], NOW).counts(0) == {10: 2, 11: 1, 12: 1}
    assert store.run([Tally("k:t", 13, 1, 12)], NOW).counts(0) == {12: 1, 13: 1}
    assert store.run([Tally("k:none", 1, 0, 0)], NOW).counts(0) == {}


def test_add_recent_mark_and_fields(store: FeatureStore) -> None:
    answers = store.run(
        [
            Add("k:a", "7", 2),
            Add("k:a", "7", 3),
            Recent("k:r", "one", 2),
            Recent("k:r", "two", 2),
            Recent("k:r", "three", 2),
            Recent("k:r", None, 2),
            Mark("k:m", "x", 1000, 0),
            Mark("k:m", "y", 2000, 0),
            Mark("k:m", "x", 3000, 1500),
            Fields("k:f", (("a", "1"), ("b", "2"))),
            Fields("k:f", (("b", "3"),)),
            Fields("k:a"),
        ],
        NOW,
    )
    assert answers.number(1) == 5
    assert answers.values(5) == ["three", "two"]
    assert answers.seen(8) == {"x": (1000, 3000), "y": (2000, 2000)}
    assert answers.fields(10) == {"a": "1", "b": "3"}
    assert answers.fields(11) == {"7": "5"}  # a hash of counters reads as fields
    cleared = store.run([Fields("k:f", (("c", "4"),), clear=True)], NOW).fields(0)
    assert cleared == {"c": "4"}


def test_without_redis_the_worker_keeps_its_own_features() -> None:
    alerts = Alerts()
    store = RedisFeatureStore(
        f"redis://127.0.0.1:{_closed_port()}/15", alerts=alerts, recheck_after=0
    )
    for _ in range(3):
        store.run([Tally("k:t", 5, 1, 0)], NOW)
    assert store.run([Tally("k:t", 5, 0, 0)], NOW).counts(0) == {5: 3}
    assert store.degraded
    assert alerts.codes() == [FEATURE_STORE_DOWN]
    assert "127.0.0.1" not in alerts.raised[0].detail


def test_redis_stopping_mid_run_degrades_then_recovers(redis_url: str, namespace: str) -> None:
    parsed = redis.Redis.from_url(redis_url).connection_pool.connection_kwargs
    proxy = Proxy((parsed.get("host", "127.0.0.1"), int(parsed.get("port", 6379))))
    proxy.start()
    alerts = Alerts()
    store = RedisFeatureStore(
        f"redis://127.0.0.1:{proxy.port}/{parsed.get('db', 0)}",
        namespace=namespace,
        alerts=alerts,
        recheck_after=0,
    )
    try:
        store.run([Tally("k:t", 5, 2, 0)], NOW)
        proxy.stop()
        assert store.run([Tally("k:t", 5, 1, 0)], NOW).counts(0) == {5: 1}  # local only
        assert alerts.codes() == [FEATURE_STORE_DOWN]
        proxy.start()
        assert store.run([Tally("k:t", 5, 1, 0)], NOW).counts(0) == {5: 3}  # shared again
        assert alerts.codes() == [FEATURE_STORE_DOWN, FEATURE_STORE_BACK]
    finally:
        store.close()
        proxy.stop()


def test_keys_name_no_identifier(redis_url: str, namespace: str) -> None:
    """Keys are `<namespace>:<kind>:<sha256>:<feature>`: no FINESS or account id."""
    from rempart.shield.domain import Subject
    from rempart.shield.features import feature_key

    key = feature_key(Subject.structure("750000001"), "n:m")
    assert "750000001" not in key
    assert key.startswith("structure:")
