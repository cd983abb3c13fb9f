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
days unused; anchored keys are also kept in the database (`AnchoredKeyRow`), which is
what the store is checked against when it does not know a key: emptying the store (a
restart without Redis, a Redis flush) costs known addresses, never the anchors. Only a
client with no anchored key at all trusts its first installation."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from enum import StrEnum
from typing import NamedTuple

from sqlalchemy import Engine, bindparam, select
from sqlalchemy.exc import IntegrityError

from rempart.db.bulk import read_alone
from rempart.db.uow import UnitOfWork
from rempart.shield.domain import Subject
from rempart.shield.features import DAY_MS, subject_prefix
from rempart.shield.models import AnchoredKeyRow
from rempart.shield.store import FeatureStore, Mark

KEPT_MS = 60 * DAY_MS
_ANCHORED = select(AnchoredKeyRow.jkt).where(AnchoredKeyRow.client_id == bindparam("client"))


class Caller(NamedTuple):
    """The installation a software call came from: its client, the DPoP key's
    thumbprint, and the keyed digests of that key and of the address it called from."""

    client_id: uuid.UUID
    jkt: str
    key: str
    address: str | None


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
    store: FeatureStore, engine: Engine, installation: Caller, now_ms: int
) -> Recognition:
    client = Subject.client(installation.client_id)
    answers = store.run(_marks(client, None, None, now_ms), now_ms)
    keys, places = answers.seen(0), answers.seen(1)
    if installation.key in keys:
        return Recognition.ANCHORED
    if installation.address is not None and installation.address in places:
        return Recognition.AT_HOME
    # Not a key the store knows: the database's anchors decide (the store may have been
    # emptied since, or never seen this worker's share of the client's calls).
    rows = read_alone(engine, _ANCHORED, {"client": installation.client_id})
    anchored = {jkt for (jkt,) in rows}
    if not anchored:
        return Recognition.FIRST
    return Recognition.ANCHORED if installation.jkt in anchored else Recognition.STRANGER


def trust(
    store: FeatureStore,
    uow: Callable[[], UnitOfWork],
    installation: Caller,
    recognition: Recognition,
    *,
    now_ms: int,
) -> None:
    """After a served call: a first, anchored or confirmed key is anchored (again) and
    its address known; a call at home only keeps its address known. A first or
    confirmed key is written to the database too."""
    client = Subject.client(installation.client_id)
    anchored = None if recognition is Recognition.AT_HOME else installation.key
    store.run(_marks(client, anchored, installation.address, now_ms), now_ms)
    if recognition in (Recognition.FIRST, Recognition.STRANGER):
        how = "first-use" if recognition is Recognition.FIRST else "confirmed"
        _anchor(uow, installation.client_id, installation.jkt, how)


def _anchor(uow: Callable[[], UnitOfWork], client_id: uuid.UUID, jkt: str, how: str) -> None:
    try:
        with uow() as own:
            if own.session.get(AnchoredKeyRow, (client_id, jkt)) is None:
                own.session.add(
                    AnchoredKeyRow(
                        client_id=client_id, jkt=jkt, how=how, anchored_at=own.clock.now()
                    )
                )
            own.commit()
    except IntegrityError:
        pass  # anchored meanwhile by a concurrent call of the same installation
