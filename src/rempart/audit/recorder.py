"""Writing an audit record: inside the caller's unit of work, never on its own.

The record is added to the session the action uses, so the action and its record commit
together or not at all: an action whose record cannot be written does not happen. The
row carries no leaf index; the sequencer gives it one after it has committed.
"""

from __future__ import annotations

import uuid

from rempart.audit.domain import AuditEvent, categories_mask, encode, leaf_of
from rempart.audit.models import AuditRecordRow
from rempart.db.base import table_of
from rempart.db.bulk import insert_many
from rempart.db.uow import UnitOfWork
from rempart.kernel.ids import new_id
from rempart.vault.cipher import Vault

# The driver-level writer (compiled once, values bound as the columns' types bind them):
# the ORM's flush, and even a Core statement's per-execution bookkeeping, would cost more
# than the row itself, on every audited action. It runs on the session's connection, in
# the caller's transaction (a Core write is neither flushed before nor loaded).
_RECORDS = table_of(AuditRecordRow)


def record(uow: UnitOfWork, event: AuditEvent) -> uuid.UUID:
    """Add the event to the caller's unit of work (the caller commits). Returns the
    record's id."""
    record_id = new_id()
    payload = encode(record_id, event)
    insert_many(
        uow.connection(),
        _RECORDS,
        [
            {
                "id": record_id,
                "leaf_index": None,
                "at": event.at,
                "tag": str(event.tag),
                "outcome": event.outcome.value,
                "channel": event.channel.value,
                "actor_account_id": event.actor_account_id,
                "actor_rpps": event.actor_rpps,
                "structure_finess": event.structure_finess,
                "client_id": event.client_id,
                "target_pseudonym": event.target_pseudonym,
                "target_amc": event.target_amc,
                "categories": categories_mask(event.categories),
                "request_id": event.request_id,
                "address_hash": event.address_hash,
                "user_agent_hash": event.user_agent_hash,
                "purpose": event.purpose,
                "payload": payload,
                "leaf_hash": leaf_of(payload),
                "recorded_at": uow.clock.now(),
                "payload_expired_at": None,
            }
        ],
    )
    return record_id


# Pseudonym kinds: part of the keyed input, so that a beneficiary and an address that
# happen to share a spelling never share a pseudonym.
BENEFICIARY = "beneficiary"
ADDRESS = "address"
USER_AGENT = "user-agent"


def pseudonymise_target(vault: Vault, kind: str, identifier: str) -> str:
    """The keyed pseudonym an audit record holds instead of the identifier (pseudonym key
    family: the audit store never holds a key that opens the registry)."""
    return vault.pseudonym(kind, identifier)


def hash_address(vault: Vault, address: str) -> str:
    return vault.pseudonym(ADDRESS, address)


def hash_user_agent(vault: Vault, user_agent: str) -> str:
    return vault.pseudonym(USER_AGENT, user_agent)
