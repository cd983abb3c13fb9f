"""The installations of a software client the shield recognises: the DPoP keys it signs
with and the addresses it calls from.

A client's key is on the pharmacy's server, where it can be copied; the installation's
DPoP key never leaves the counter's machine. A key is *anchored* when it was the
client's first (trusted on first use) or a professional of the structure confirmed it
(identity.client_step_up); an anchored key calling from a new address makes that
address known (the pharmacy's line changed address). Any key is served from a known
address (the software reinstalled at the pharmacy, another counter's machine), but a
key is not anchored by that: it cannot carry the client's trust to another address.
A key that is not anchored, from an address that is not known, is another
installation of the client's key: none of its calls is served until a professional
confirms it, whatever its volume, and nothing it does without one makes it known — it
cannot age into the pharmacy's history by waiting.

Keys and addresses are kept as keyed digests in the feature store, forgotten after 60
days unused. The first installation is trusted on first use: on the client's first
call, and again once the feature store was emptied (docs/security/
detection-and-containment.md says what that costs)."""

from __future__ import annotations

from enum import StrEnum

from rempart.shield.domain import Subject
from rempart.shield.features import DAY_MS, subject_prefix
from rempart.shield.store import FeatureStore, Mark

KEPT_MS = 60 * DAY_MS


class Recognition(StrEnum):
    FIRST = "first"  # the client has no anchored key yet: trusted on first use
    ANCHORED = "anchored"  # its key is anchored: served from anywhere, teaches the address
    AT_HOME = "at_home"  # a known address: served, and teaches nothing
    STRANGER = "stranger"  # neither: another installation of the client's key


def _marks(client: Subject, key: str | None, address: str | None, now_ms: int) -> list[Mark]:
    prefix = subject_prefix(client)
    floor, ttl = now_ms - KEPT_MS, KEPT_MS + DAY_MS
    return [
        Mark(f"{prefix}:anchored-keys", key, now_ms, floor, ttl),
        Mark(f"{prefix}:known-places", address, now_ms, floor, ttl),
    ]


def recognise(
    store: FeatureStore, client: Subject, key: str, address: str | None, now_ms: int
) -> Recognition:
    answers = store.run(_marks(client, None, None, now_ms), now_ms)
    keys, places = answers.seen(0), answers.seen(1)
    if not keys:
        return Recognition.FIRST
    if key in keys:
        return Recognition.ANCHORED
    if address is not None and address in places:
        return Recognition.AT_HOME
    return Recognition.STRANGER


def trust(
    store: FeatureStore,
    client: Subject,
    key: str,
    address: str | None,
    now_ms: int,
    recognition: Recognition,
) -> None:
    """After a served call: a first, anchored or confirmed key is anchored (again) and
    its address known; a call at home only keeps its address known."""
    anchored = None if recognition is Recognition.AT_HOME else key
    store.run(_marks(client, anchored, address, now_ms), now_ms)
