"""The installations of a software client the shield recognises: the DPoP keys it signs
with and the addresses it calls from, each trusted through the other.

A client's key is on the pharmacy's server, where it can be copied; the installation's
DPoP key never leaves the counter's machine. Trust spreads along served calls: a known
key calling from a new address makes that address known (the pharmacy's line changed
its address), a new key from a known address makes that key known (the software was
reinstalled), and a professional's confirmation of a key (identity.client_step_up)
makes it known. A new key from a new address, once the client has known ones, is
another installation of its key: none of its calls is served until a professional of
the structure confirms it, whatever its volume, and nothing it does without one makes
it known — it cannot age into the pharmacy's history by waiting.

The first installation a client is seen with is trusted on first use (its first day,
and once after the feature store was emptied). Keys and addresses are kept as keyed
digests, and forgotten after 60 days unused."""

from __future__ import annotations

from enum import StrEnum

from rempart.shield.domain import Subject
from rempart.shield.features import DAY_MS, subject_prefix
from rempart.shield.store import FeatureStore, Mark

KEPT_MS = 60 * DAY_MS


class Recognition(StrEnum):
    KNOWN = "known"  # its key or its address is the client's
    FIRST = "first"  # the client has no known installation yet
    STRANGER = "stranger"  # a new key from a new address: another installation


def _marks(client: Subject, key: str | None, address: str | None, now_ms: int) -> list[Mark]:
    prefix = subject_prefix(client)
    floor, ttl = now_ms - KEPT_MS, KEPT_MS + DAY_MS
    return [
        Mark(f"{prefix}:known-keys", key, now_ms, floor, ttl),
        Mark(f"{prefix}:known-places", address, now_ms, floor, ttl),
    ]


def recognise(
    store: FeatureStore, client: Subject, key: str, address: str | None, now_ms: int
) -> Recognition:
    answers = store.run(_marks(client, None, None, now_ms), now_ms)
    keys, places = answers.seen(0), answers.seen(1)
    if not keys:
        return Recognition.FIRST
    if key in keys or (address is not None and address in places):
        return Recognition.KNOWN
    return Recognition.STRANGER


def trust(store: FeatureStore, client: Subject, key: str, address: str | None, now_ms: int) -> None:
    """A served call's key and address are the client's from now on (and stay so while
    it keeps calling)."""
    store.run(_marks(client, key, address, now_ms), now_ms)
