"""The in-process quotas keep each key's sum and oldest bucket up to date rather than
summing its buckets at every admission: they must admit and refuse exactly as summing
them would, whatever the order of instants (a test clock may go back)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rempart.kernel.errors import RateLimited
from rempart.shield.quotas import BUCKETS, WINDOWS, Check, LocalQuotas, _wait_ms


class Summing:
    """The plain algorithm: every bucket summed at each admission."""

    def __init__(self) -> None:
        self.buckets: dict[str, dict[int, int]] = {}

    def admit(self, checks: list[Check], now_ms: int) -> int:
        wait = max(_wait_ms(self.buckets.get(c.key, {}), c, now_ms) for c in checks)
        if wait > 0:
            return wait
        for check in checks:
            buckets = self.buckets.setdefault(check.key, {})
            current = now_ms // check.window.bucket_ms
            buckets[current] = buckets.get(current, 0) + 1
            for stale in [b for b in buckets if b < current - BUCKETS]:
                del buckets[stale]
        return 0


@settings(max_examples=60, deadline=None)
@given(
    limit=st.integers(min_value=1, max_value=6),
    steps=st.lists(
        st.tuples(st.sampled_from(["a", "b"]), st.integers(min_value=-2_000, max_value=90_000)),
        min_size=1,
        max_size=120,
    ),
)
def test_admits_and_refuses_as_summing_every_bucket(
    limit: int, steps: list[tuple[str, int]]
) -> None:
    kept, summing = LocalQuotas(), Summing()
    now_ms = 1_700_000_000_000
    for subject, step_ms in steps:
        now_ms += step_ms
        checks = [Check(f"{subject}:{w.name}", w, limit) for w in WINDOWS]
        expected = summing.admit(checks, now_ms)
        try:
            kept.admit(checks, now_ms)
            waited = 0
        except RateLimited as refused:
            waited = refused.retry_after
        assert (waited > 0) is (expected > 0)
        if expected:
            assert waited == max(1, -(-expected // 1000))


def test_a_copy_counts_apart() -> None:
    quotas = LocalQuotas()
    checks = [Check(f"a:{w.name}", w, 1) for w in WINDOWS]
    quotas.admit(checks, 1_000)
    copy = quotas.copy()
    for counted in (quotas, copy):
        with pytest.raises(RateLimited):
            counted.admit(checks, 1_000)
    fresh = [Check(f"b:{w.name}", w, 1) for w in WINDOWS]
    copy.admit(fresh, 1_000)
    quotas.admit(fresh, 1_000)  # the copy's admission was not counted here
