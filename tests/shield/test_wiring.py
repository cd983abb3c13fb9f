"""The app picks its shield from the settings: shared quotas and detector features when
Redis is configured, kept in process otherwise; alerts are stored either way."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from rempart.app import create_app
from rempart.kernel.clock import FixedClock
from rempart.shield.alerting import StoredAlertSink
from rempart.shield.port import FixedBudgetShield
from rempart.shield.redis_quotas import RedisShield
from rempart.shield.redis_store import RedisFeatureStore
from rempart.shield.sentinel import Sentinel
from rempart.shield.store import LocalFeatureStore

from ..conftest import NOW, make_settings, write_keys


def test_without_redis_the_budget_is_kept_in_process(tmp_path: Path, sqlite_url: str) -> None:
    write_keys(tmp_path / "home")
    app = create_app(make_settings(tmp_path / "home", sqlite_url), clock=FixedClock(NOW))
    shield = app.state.shield
    assert isinstance(shield, Sentinel)
    assert isinstance(shield.quotas, FixedBudgetShield)
    assert isinstance(shield.detection.store, LocalFeatureStore)


def test_with_redis_the_quotas_are_shared_and_the_fallback_is_a_share(
    tmp_path: Path, sqlite_url: str
) -> None:
    write_keys(tmp_path / "home")
    settings = make_settings(
        tmp_path / "home", sqlite_url, redis_url="redis://127.0.0.1:1/15", shield_workers=8
    )
    app = create_app(settings, clock=FixedClock(NOW))  # Redis is not reached at start
    shield = app.state.shield
    assert isinstance(shield, Sentinel)
    quotas = shield.quotas
    assert isinstance(quotas, RedisShield)
    assert quotas.fallback_policy.actor.per_minute == quotas.policy.actor.per_minute // 8
    assert isinstance(shield.detection.store, RedisFeatureStore)
    # The quota fallback's alerts are stored (and sent to the analysts), not only logged.
    assert isinstance(quotas._alerts, StoredAlertSink)
    shield.close()


def test_a_redis_url_must_be_one(tmp_path: Path, sqlite_url: str) -> None:
    with pytest.raises(ValidationError):
        make_settings(tmp_path, sqlite_url, redis_url="http://cache:6379")
