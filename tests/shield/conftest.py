"""Redis for the shield's tests: REMPART_TEST_REDIS_URL (CI sets it and requires it);
each test works under a key namespace of its own, deleted afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REMPART_TEST_REDIS_URL")
    if not url:
        if os.environ.get("REMPART_REQUIRE_SERVICES"):
            pytest.fail("REMPART_TEST_REDIS_URL is required in CI")
        pytest.skip("Redis tests need REMPART_TEST_REDIS_URL")
    try:
        redis.Redis.from_url(url, socket_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("REMPART_REQUIRE_SERVICES"):
            # The URL may carry a password: never in a message.
            pytest.fail("Redis at REMPART_TEST_REDIS_URL does not answer")
        pytest.skip("Redis at REMPART_TEST_REDIS_URL does not answer")
    return url


@pytest.fixture
def namespace(redis_url: str) -> Iterator[str]:
    name = f"rempart-test:{uuid.uuid4().hex}"
    yield name
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{name}:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()
