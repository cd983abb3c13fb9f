"""Signed checkpoints and the store they are exported to.

A checkpoint is an Ed25519 signature over (tree size, root, issued time, key id). Each
exported checkpoint also carries the leaf hashes it newly covers (from the previous
checkpoint's size to its own), so the store alone holds every leaf hash the checkpoints
vouch for: verification can compare each record with the exact leaf that was signed and
name the one that changed, even after the whole database was rewritten. Those leaves
need no signature of their own: together with the earlier ones they must reproduce the
signed root.

The signing key is derived from the *pseudonym* key family (HKDF, its own label): that
family exists for the audit side and never opens registry data, it is not rotated like
data keys (pseudonyms must stay stable), so old checkpoints stay verifiable, and a
process that only keeps the audit log needs no data key. The public key and its id
travel with each exported checkpoint so anyone can check a signature; trust comes from
the key id matching a key the ring derives (or one an auditor pinned).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import select

from rempart.audit.domain import CHECKPOINT_FORMAT, Checkpoint, checkpoint_message
from rempart.audit.models import AuditCheckpointRow, AuditRecordRow
from rempart.audit.sequencer import DEFAULT_BATCH, SEQUENCER_LOCK, load_state, seal_locked
from rempart.audit.tree import HASH_BYTES, CompactRange
from rempart.db.base import table_of
from rempart.db.uow import UnitOfWork
from rempart.kernel.errors import InfrastructureError
from rempart.kernel.ids import new_id
from rempart.vault.cipher import Vault, derive
from rempart.vault.keyring import KeyFamily

SIGNING_PURPOSE = "audit/checkpoint-signing/v1"
_INSTANT = "%Y-%m-%dT%H:%M:%S.%fZ"


class AuditIntegrityError(InfrastructureError):
    """The log is not in a state a checkpoint may vouch for."""


class MalformedCheckpoint(ValueError):
    pass


# -- keys ---------------------------------------------------------------------------------


def _private_key(secret: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(derive(secret, SIGNING_PURPOSE))


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id_of(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()[:16]


def signing_key(vault: Vault) -> tuple[Ed25519PrivateKey, str]:
    family = vault.ring.pseudonym
    key = _private_key(family.secrets[family.active])
    return key, key_id_of(raw_public_key(key.public_key()))


def trusted_keys(vault: Vault) -> dict[str, bytes]:
    """key id -> raw public key, for every pseudonym key version the ring holds."""
    family: KeyFamily = vault.ring.pseudonym
    keys = {}
    for secret in family.secrets.values():
        public = raw_public_key(_private_key(secret).public_key())
        keys[key_id_of(public)] = public
    return keys


# -- the exported form --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExportedCheckpoint:
    checkpoint: Checkpoint
    public_key: bytes
    from_size: int  # leaves[0] is leaf `from_size`
    leaves: bytes  # concatenated 32-byte leaf hashes, from_size .. tree_size - 1

    def leaf(self, index: int) -> bytes:
        start = (index - self.from_size) * HASH_BYTES
        return self.leaves[start : start + HASH_BYTES]

    def to_document(self) -> bytes:
        c = self.checkpoint
        document = {
            "format": CHECKPOINT_FORMAT,
            "tree_size": c.tree_size,
            "root": c.root.hex(),
            "issued_at": c.issued_at.astimezone(UTC).strftime(_INSTANT),
            "key_id": c.key_id,
            "public_key": base64.b64encode(self.public_key).decode("ascii"),
            "signature": base64.b64encode(c.signature).decode("ascii"),
            "from_size": self.from_size,
            "leaves": base64.b64encode(self.leaves).decode("ascii"),
        }
        return json.dumps(document, indent=1).encode("ascii")

    @classmethod
    def from_document(cls, raw: bytes) -> ExportedCheckpoint:
        try:
            document: Any = json.loads(raw)
            if document["format"] != CHECKPOINT_FORMAT:
                raise MalformedCheckpoint("unknown checkpoint format")
            leaves = base64.b64decode(document["leaves"], validate=True)
            exported = cls(
                checkpoint=Checkpoint(
                    tree_size=int(document["tree_size"]),
                    root=bytes.fromhex(document["root"]),
                    issued_at=datetime.strptime(document["issued_at"], _INSTANT).replace(
                        tzinfo=UTC
                    ),
                    key_id=str(document["key_id"]),
                    signature=base64.b64decode(document["signature"], validate=True),
                ),
                public_key=base64.b64decode(document["public_key"], validate=True),
                from_size=int(document["from_size"]),
                leaves=leaves,
            )
        except (KeyError, TypeError, ValueError, UnicodeDecodeError) as exc:
            if isinstance(exc, MalformedCheckpoint):
                raise
            raise MalformedCheckpoint("the checkpoint document is malformed") from exc
        c = exported.checkpoint
        if (
            len(c.root) != HASH_BYTES
            or not 0 <= exported.from_size <= c.tree_size
            or len(leaves) != HASH_BYTES * (c.tree_size - exported.from_size)
        ):
            raise MalformedCheckpoint("the checkpoint's sizes and leaves disagree")
        return exported


def signature_valid(exported: ExportedCheckpoint, trusted: dict[str, bytes]) -> bool:
    """The signature verifies under the key its id names, and that key is trusted (a
    forger could publish a key of their own beside a signature of their own)."""
    c = exported.checkpoint
    public = trusted.get(c.key_id)
    if public is None or public != exported.public_key:
        return False
    message = checkpoint_message(
        tree_size=c.tree_size, root=c.root, issued_at=c.issued_at, key_id=c.key_id
    )
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(c.signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


# -- stores -------------------------------------------------------------------------------


class CheckpointStore(Protocol):
    """Somewhere apart from the database that keeps every exported checkpoint. Ideally
    append-only (a write-once bucket): the store is what verification trusts."""

    description: str

    def put(self, *, tree_size: int, document: bytes) -> None: ...

    def documents(self) -> list[bytes]: ...


class InMemoryCheckpointStore:
    description = "in-memory checkpoint store"

    def __init__(self) -> None:
        self.files: dict[int, bytes] = {}

    def put(self, *, tree_size: int, document: bytes) -> None:
        self.files[tree_size] = document

    def documents(self) -> list[bytes]:
        return [self.files[size] for size in sorted(self.files)]


class LocalDirectoryCheckpointStore:
    """One JSON file per checkpoint, written atomically, mode 0600."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.description = f"checkpoint directory {directory}"

    def path_for(self, tree_size: int) -> Path:
        return self.directory / f"checkpoint-{tree_size:015d}.json"

    def put(self, *, tree_size: int, document: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        target = self.path_for(tree_size)
        descriptor, name = tempfile.mkstemp(
            dir=self.directory, prefix=".checkpoint-", suffix=".tmp"
        )
        temporary = Path(name)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(document)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        directory = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def documents(self) -> list[bytes]:
        if not self.directory.exists():
            return []
        return [p.read_bytes() for p in sorted(self.directory.glob("checkpoint-*.json"))]


# -- issuing ------------------------------------------------------------------------------


def _checkpoint_of(row: AuditCheckpointRow) -> Checkpoint:
    return Checkpoint(row.tree_size, row.root, row.issued_at, row.key_id, row.signature)


def issue_checkpoint(
    *, uow: UnitOfWork, store: CheckpointStore, batch_size: int = DEFAULT_BATCH
) -> Checkpoint:
    """Seal, then sign the tree as it now stands and export it. With nothing new since the
    latest checkpoint, that checkpoint is returned and nothing is written."""
    with uow.exclusive(SEQUENCER_LOCK, what="audit checkpoint issuing"), uow:
        seal_locked(uow=uow, batch_size=batch_size)
        _, tree = load_state(uow)
        latest = uow.session.scalar(
            select(AuditCheckpointRow).order_by(AuditCheckpointRow.tree_size.desc()).limit(1)
        )
        if latest is not None and latest.tree_size == tree.size:
            checkpoint = _checkpoint_of(latest)
            uow.rollback()
            return checkpoint
        start = 0 if latest is None else latest.tree_size
        covered = (
            CompactRange()
            if latest is None
            else CompactRange.from_bytes(latest.tree_size, latest.compact_range)
        )
        table = table_of(AuditRecordRow)
        rows = uow.session.execute(
            select(table.c.leaf_index, table.c.leaf_hash)
            .where(table.c.leaf_index >= start, table.c.leaf_index < tree.size)
            .order_by(table.c.leaf_index)
        ).all()
        leaves = [leaf for _, leaf in rows]
        contiguous = [index for index, _ in rows] == list(range(start, tree.size))
        covered.extend(leaves)
        if not contiguous or covered.root() != tree.root():
            # Signing would vouch for a log that already disagrees with itself.
            raise AuditIntegrityError(
                "the sealed records do not reproduce the sequencer's root: no checkpoint "
                "was issued; run 'rempart audit verify'"
            )
        key, key_id = signing_key(uow.vault)
        issued_at = uow.clock.now().astimezone(UTC)
        root = tree.root()
        signature = key.sign(
            checkpoint_message(tree_size=tree.size, root=root, issued_at=issued_at, key_id=key_id)
        )
        checkpoint = Checkpoint(tree.size, root, issued_at, key_id, signature)
        exported = ExportedCheckpoint(
            checkpoint, raw_public_key(key.public_key()), start, b"".join(leaves)
        )
        # Exported before the row commits: a checkpoint in the store that the database
        # lacks is harmless, a recorded one missing from the store would be a finding.
        store.put(tree_size=tree.size, document=exported.to_document())
        uow.session.add(
            AuditCheckpointRow(
                id=new_id(),
                tree_size=tree.size,
                root=root,
                issued_at=issued_at,
                signature=signature,
                key_id=key_id,
                compact_range=covered.to_bytes(),
            )
        )
        uow.commit()
        return checkpoint
