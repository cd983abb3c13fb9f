"""What detection costs a rights check, in process: `check_rights` with the quotas alone
(FixedBudgetShield) against the same checks with the app's shield (Sentinel: the
containment read before, the detectors after), over the same cards, in the same run.

Setup as in `rights_check.py` (a synthetic France imported through the real importer, a
professional of one pharmacy, 90% known cards). Both shields have budgets far above the
run; the sentinel's ladder is set out of reach (every detector runs and remembers its
signals, nothing is contained), so that every check pays the full detection path. With
--redis URL the features go to that Redis (the namespace is deleted afterwards).

    python benchmarks/shield_detection.py [--quick] [--redis redis://127.0.0.1:6379/15]

Target: the sentinel keeps at least half of the quotas-only rate (ratio >= 0.5).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import median, report
from _http import percentile
from _world import UNTHROTTLED, watching_shield
from rempart.shield.port import FixedBudgetShield, Shield
from rempart.shield.redis_store import RedisFeatureStore
from rempart.shield.store import FeatureStore, LocalFeatureStore
from rights_check import Bench, prepare, request_of, timed_checks


def run(bench: Bench, shield: Shield, count: int) -> tuple[float, float]:
    cards = [bench.cards[i % len(bench.cards)] for i in range(count)]
    seconds, took = timed_checks(bench, shield, cards, [request_of(card) for card in cards])
    return count / seconds, percentile(took, 0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--redis", default=None, help="a Redis URL for the features")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args()
    beneficiaries, count = (3_000, 400) if args.quick else (20_000, 2_000)
    repeats = args.repeats or (1 if args.quick else 3)
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        bench = prepare(
            f"sqlite:///{scratch / 'bench.sqlite3'}", scratch, beneficiaries, 11, date.today()
        )
        namespace = f"rempart-bench:{uuid.uuid4().hex}"
        store: FeatureStore = (
            RedisFeatureStore(args.redis, namespace=namespace)
            if args.redis
            else LocalFeatureStore()
        )
        sentinel = watching_shield(bench.platform, store)
        plain: list[tuple[float, float]] = []
        guarded: list[tuple[float, float]] = []
        for _ in range(repeats):
            plain.append(run(bench, FixedBudgetShield(UNTHROTTLED), count))
            guarded.append(run(bench, sentinel, count))
        if isinstance(store, RedisFeatureStore):
            import redis

            client = redis.Redis.from_url(args.redis)
            keys = list(client.scan_iter(match=f"{namespace}:*", count=1000))
            if keys:
                client.delete(*keys)
            store.close()
        bench.platform.close()
    quotas_rate = median([r for r, _ in plain])
    sentinel_rate = median([r for r, _ in guarded])
    where = "Redis" if args.redis else "in process"
    print(f"quotas only: {quotas_rate:,.0f} checks/s (p50 {median([p for _, p in plain]):.2f} ms)")
    print(
        f"sentinel, features {where}: {sentinel_rate:,.0f} checks/s "
        f"(p50 {median([p for _, p in guarded]):.2f} ms)"
    )
    ratio = sentinel_rate / quotas_rate
    print(f"ratio {ratio:.2f} (target >= 0.5): {'met' if ratio >= 0.5 else 'NOT met'}")
    report(
        "shield_detection",
        {"quotas_only_per_s": quotas_rate, "sentinel_per_s": sentinel_rate},
        {"sentinel_vs_quotas_only": ratio},
        {"sentinel_vs_quotas_only": 0.5},
        ratio >= 0.5,
    )


if __name__ == "__main__":
    main()
