"""Audit events and their canonical encoding, pure.

An event says who touched whose data, through which channel, which categories were
disclosed and how it ended. It never carries an identifier of the person concerned: the
target is a keyed pseudonym (vault pseudonym family), the client address and user agent
are keyed hashes. The canonical encoding is what the Merkle leaf hashes, so it is
versioned and byte-for-byte deterministic: a change of encoding is a new version, and
every version ever written stays decodable.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from json.encoder import encode_basestring_ascii as _json_string

from rempart.audit import merkle
from rempart.identity.permissions import Channel

# Version 2 adds `purpose` (the reason stated for an access); a record without one is
# still written as version 1, so every record written before reads and verifies as it was.
ENCODING_VERSION = 2
_VERSIONS = (1, 2)
PURPOSE_LENGTH = 120
CHECKPOINT_FORMAT = "rempart-audit-checkpoint/1"


TAG_SHAPE = re.compile(r"[a-z_]+:[a-z_]+:[a-z_]+")
_PURPOSE_SHAPE = re.compile(rf"[a-z0-9_:|-]{{1,{PURPOSE_LENGTH}}}")


class AuditTag(StrEnum):
    """The audit log's own tags, and generic ones. Each feature keeps its own StrEnum of
    `source:subject:action` tags (identity's SecurityTag, ...); the log takes any of
    them. A value never changes once written (it is inside hashed payloads)."""

    RIGHTS_CHECK_ANSWERED = "rights:check:answered"
    RIGHTS_CHECK_REFUSED = "rights:check:refused"
    RIGHTS_CALCULATION_ANSWERED = "rights:calculation:answered"
    RIGHTS_OWN_READ = "rights:own_rights:read"  # an insured person read their own rights
    REGISTRY_MEMBER_LOOKED_UP = "registry:member:looked_up"
    REGISTRY_RIGHTS_FILE_IMPORTED = "registry:rights_file:imported"
    IDENTITY_SESSION_OPENED = "identity:session:opened"
    IDENTITY_SESSION_CLOSED = "identity:session:closed"
    IDENTITY_LOGIN_FAILED = "identity:login:failed"
    IDENTITY_ACCOUNT_SUSPENDED = "identity:account:suspended"
    IDENTITY_FACTOR_CHANGED = "identity:factor:changed"
    IDENTITY_CLIENT_APPROVED = "identity:client:approved"
    AUDIT_HISTORY_READ = "audit:access_history:read"
    AUDIT_HISTORY_REPORTED = "audit:access_history:reported"
    AUDIT_EXPOSURE_SCOPED = "audit:exposure:scoped"
    # A structure's bank account (the target is the structure; never the IBAN). The
    # shield counts the change tags to spot bursts of IBAN changes.
    PAYOUTS_BANK_ACCOUNT_READ = "payouts:bank_account:read"
    PAYOUTS_BANK_ACCOUNT_CHANGE_REQUESTED = "payouts:bank_account:change_requested"
    PAYOUTS_BANK_ACCOUNT_CHANGE_APPROVED = "payouts:bank_account:change_approved"
    PAYOUTS_BANK_ACCOUNT_CHANGE_CANCELLED = "payouts:bank_account:change_cancelled"


class Category(StrEnum):
    """Categories of personal data an action disclosed."""

    IDENTITY = "identity"
    RIGHTS = "rights"
    GUARANTEES = "guarantees"
    INVOICES = "invoices"
    BANK = "bank"


# Stored as a bit mask so that scoping can OR categories per pseudonym cheaply; the bit of
# a category never changes.
CATEGORY_BITS: dict[Category, int] = {
    Category.IDENTITY: 1,
    Category.RIGHTS: 2,
    Category.GUARANTEES: 4,
    Category.INVOICES: 8,
    Category.BANK: 16,
}


def categories_mask(categories: Iterable[Category]) -> int:
    mask = 0
    for category in categories:
        mask |= CATEGORY_BITS[category]
    return mask


def categories_of(mask: int) -> frozenset[Category]:
    return frozenset(c for c, bit in CATEGORY_BITS.items() if mask & bit)


class Outcome(StrEnum):
    ALLOWED = "allowed"  # the action happened and its answer was given
    REFUSED = "refused"  # a rule, a permission or a quota said no
    NOT_FOUND = "not_found"  # nothing matched (recorded: the attempt itself matters)
    ERROR = "error"  # the action failed


@dataclass(frozen=True, slots=True)
class AuditEvent:
    at: datetime
    tag: str  # `source:subject:action`, a member of some feature's StrEnum
    outcome: Outcome
    channel: Channel
    actor_account_id: uuid.UUID | None = None
    actor_rpps: str | None = None
    structure_finess: str | None = None
    client_id: uuid.UUID | None = None
    target_pseudonym: str | None = None  # Vault.pseudonym, never an identifier
    target_amc: str | None = None  # the insurer's public number (groups exposures)
    categories: frozenset[Category] = field(default=frozenset())
    request_id: str | None = None
    address_hash: str | None = None  # keyed hash of the client address
    user_agent_hash: str | None = None  # keyed hash of the user agent
    # Why the actor says they accessed (insurer staff's stated reason, as a code, and a
    # keyed pseudonym of their case reference): signed with the rest, so that it cannot
    # be rewritten after the fact. Never free text a person typed.
    purpose: str | None = None

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("audit instants are UTC-aware")
        if self.purpose is not None and not _PURPOSE_SHAPE.fullmatch(self.purpose):
            raise ValueError("an audit purpose is short codes and pseudonyms: [a-z0-9_:|-]")
        if not TAG_SHAPE.fullmatch(self.tag):
            raise ValueError("an audit tag is shaped source:subject:action")


def _instant(at: datetime) -> str:
    # Hand-formatted: strftime costs more than the rest of an encoding.
    a = at.astimezone(UTC)
    return (
        f"{a.year:04d}-{a.month:02d}-{a.day:02d}T{a.hour:02d}:{a.minute:02d}:"
        f"{a.second:02d}.{a.microsecond:06d}Z"
    )


def _uuid(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def _text(value: str | None) -> str:
    return "null" if value is None else _json_string(value)


# The JSON fragment of each category mask, categories sorted by name.
_CATEGORY_LISTS = {
    mask: "["
    + ",".join(
        _json_string(c.value) for c in sorted((c for c, b in CATEGORY_BITS.items() if mask & b))
    )
    + "]"
    for mask in range(1 << len(CATEGORY_BITS))
}


def encode_fields(
    *,
    record_id: str,
    at: datetime,
    tag: str,
    outcome: str,
    channel: str,
    actor: str | None,
    rpps: str | None,
    finess: str | None,
    client: str | None,
    target: str | None,
    amc: str | None,
    categories: int,
    request: str | None,
    address: str | None,
    agent: str | None,
    purpose: str | None = None,
) -> bytes:
    """Written out key by key in sorted order: exactly what
    `json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)` gives
    (a test holds the two together), at a fraction of the cost, since verification
    re-encodes every record from its columns. Version 1 without a purpose, version 2
    (the same keys and `purpose`) with one."""
    stated = "" if purpose is None else f'"purpose":{_text(purpose)},'
    return (
        f'{{"actor":{_text(actor)},"address":{_text(address)},"agent":{_text(agent)},'
        f'"amc":{_text(amc)},"at":"{_instant(at)}","categories":{_CATEGORY_LISTS[categories]},'
        f'"channel":{_text(channel)},"client":{_text(client)},"finess":{_text(finess)},'
        f'"id":{_text(record_id)},"outcome":{_text(outcome)},{stated}"request":{_text(request)},'
        f'"rpps":{_text(rpps)},"tag":{_text(tag)},"target":{_text(target)},'
        f'"v":{1 if purpose is None else 2}}}'
    ).encode("ascii")


def encode(record_id: uuid.UUID, event: AuditEvent) -> bytes:
    """Compact JSON, sorted keys, ASCII only, every field present (null when absent),
    categories as a sorted list; version 2 when the event states a purpose. The record id
    is inside so that two identical events still have distinct leaves (duplicates would
    blur where a leaf moved)."""
    return encode_fields(
        record_id=str(record_id),
        at=event.at,
        tag=str(event.tag),
        outcome=event.outcome.value,
        channel=event.channel.value,
        actor=_uuid(event.actor_account_id),
        rpps=event.actor_rpps,
        finess=event.structure_finess,
        client=_uuid(event.client_id),
        target=event.target_pseudonym,
        amc=event.target_amc,
        categories=categories_mask(event.categories),
        request=event.request_id,
        address=event.address_hash,
        agent=event.user_agent_hash,
        purpose=event.purpose,
    )


def decode(payload: bytes) -> tuple[uuid.UUID, AuditEvent]:
    """The inverse of `encode`, for every version written so far."""
    document = json.loads(payload)
    version = document.get("v")
    if version not in _VERSIONS:
        raise ValueError("unknown audit encoding version")
    if (version == 2) != ("purpose" in document):
        raise ValueError("a version 2 audit record, and only one, states a purpose")

    def optional_uuid(value: str | None) -> uuid.UUID | None:
        return None if value is None else uuid.UUID(value)

    event = AuditEvent(
        at=datetime.strptime(document["at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC),
        tag=str(document["tag"]),
        outcome=Outcome(document["outcome"]),
        channel=Channel(document["channel"]),
        actor_account_id=optional_uuid(document["actor"]),
        actor_rpps=document["rpps"],
        structure_finess=document["finess"],
        client_id=optional_uuid(document["client"]),
        target_pseudonym=document["target"],
        target_amc=document["amc"],
        categories=frozenset(Category(c) for c in document["categories"]),
        request_id=document["request"],
        address_hash=document["address"],
        user_agent_hash=document["agent"],
        purpose=document.get("purpose"),
    )
    return uuid.UUID(document["id"]), event


def leaf_of(payload: bytes) -> bytes:
    return merkle.leaf_hash(payload)


# -- checkpoints --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed statement: the log had `tree_size` leaves whose RFC 9162 root is `root`."""

    tree_size: int
    root: bytes
    issued_at: datetime
    key_id: str
    signature: bytes


def checkpoint_message(*, tree_size: int, root: bytes, issued_at: datetime, key_id: str) -> bytes:
    """What the Ed25519 signature covers: a fixed text layout, one field a line, so that
    any verifier can rebuild it without a JSON library's idea of canonical."""
    return (
        f"{CHECKPOINT_FORMAT}\n{tree_size}\n{root.hex()}\n{_instant(issued_at)}\n{key_id}\n"
    ).encode("ascii")


# -- findings -----------------------------------------------------------------------------


class FindingKind(StrEnum):
    ALTERED = "altered"  # a record's payload or leaf hash is not what was hashed/signed
    DELETED = "deleted"  # a leaf the checkpoints cover has no record any more
    INSERTED = "inserted"  # a record the checkpoints never covered sits inside their range
    REORDERED = "reordered"  # a record carries a leaf the checkpoints placed elsewhere
    DUPLICATED = "duplicated"  # two records claim the same leaf index
    TRUNCATED = "truncated"  # the tail the latest checkpoint covers is gone
    GAP = "gap"  # a missing leaf index not yet covered by any checkpoint
    STATE_MISMATCH = "state_mismatch"  # the sequencer's stored root differs from the leaves
    CHECKPOINT_FORGED = "checkpoint_forged"  # bad signature or unknown key in the store
    CHECKPOINT_MISSING = "checkpoint_missing"  # issued (per the database), gone from the store
    CHECKPOINT_MISMATCH = "checkpoint_mismatch"  # the store's leaves do not give its root


@dataclass(frozen=True, slots=True)
class Finding:
    kind: FindingKind
    leaf_index: int | None = None
    record_id: uuid.UUID | None = None
    tree_size: int | None = None  # for checkpoint findings
    detail: str = ""

    def describe(self) -> str:
        where = []
        if self.leaf_index is not None:
            where.append(f"leaf {self.leaf_index}")
        if self.record_id is not None:
            where.append(f"record {self.record_id}")
        if self.tree_size is not None:
            where.append(f"checkpoint at size {self.tree_size}")
        return f"{self.kind.value}: {', '.join(where)}" + (
            f" ({self.detail})" if self.detail else ""
        )


@dataclass(frozen=True, slots=True)
class VerificationReport:
    findings: tuple[Finding, ...]
    records_checked: int
    payloads_checked: int
    pending: int  # committed records not yet sequenced
    tree_size: int  # leaves in the database
    checkpoints_checked: int
    covered_size: int  # leaves the newest valid exported checkpoint covers

    @property
    def ok(self) -> bool:
        return not self.findings

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for finding in self.findings:
            counts[finding.kind.value] = counts.get(finding.kind.value, 0) + 1
        return counts

    def of_kind(self, kind: FindingKind) -> list[Finding]:
        return [f for f in self.findings if f.kind is kind]


def months_before(instant: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (clamped to the month's
    last day), the retention cutoff."""
    total = instant.year * 12 + (instant.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    days = [31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28]
    days += [31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return instant.replace(year=year, month=month, day=min(instant.day, days[month - 1]))
