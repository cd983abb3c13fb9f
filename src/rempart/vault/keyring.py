"""The versioned key ring and where it comes from.

A ring holds two families of 32-byte secrets, each versioned: `data` (field encryption,
blind indexes, statement digests) and `pseudonym` (audit pseudonyms, kept apart so that
the audit store never holds a key that opens the registry). Every working key is derived
from a secret with HKDF and a purpose label, so one secret never serves two purposes.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from rempart.vault.errors import KeysMissing, VaultError

FORMAT = "rempart-keyring/1"
SECRET_BYTES = 32
FAMILIES = ("data", "pseudonym")
MAX_VERSION = 0xFFFF


@dataclass(frozen=True)
class KeyFamily:
    active: int
    secrets: Mapping[int, bytes]

    def __post_init__(self) -> None:
        if self.active not in self.secrets:
            raise VaultError(f"active key version {self.active} is not in the ring")
        for version, secret in self.secrets.items():
            # The version travels in a 2-byte ciphertext header.
            if not 1 <= version <= MAX_VERSION or len(secret) != SECRET_BYTES:
                raise VaultError(f"key version {version} is malformed (32-byte secret expected)")


@dataclass(frozen=True)
class KeyRing:
    data: KeyFamily
    pseudonym: KeyFamily
    created_at: str = field(default="")

    @classmethod
    def generate(cls) -> KeyRing:
        return cls(
            data=KeyFamily(1, {1: secrets.token_bytes(SECRET_BYTES)}),
            pseudonym=KeyFamily(1, {1: secrets.token_bytes(SECRET_BYTES)}),
            created_at=datetime.now(UTC).isoformat(),
        )

    def with_new_data_version(self) -> KeyRing:
        version = max(self.data.secrets) + 1
        secrets_ = {**self.data.secrets, version: secrets.token_bytes(SECRET_BYTES)}
        return KeyRing(KeyFamily(version, secrets_), self.pseudonym, self.created_at)

    def without_data_version(self, version: int) -> KeyRing:
        if version == self.data.active:
            raise VaultError("the active key version cannot be retired")
        if version not in self.data.secrets:
            raise VaultError(f"key version {version} is not in the ring")
        remaining = {v: s for v, s in self.data.secrets.items() if v != version}
        return KeyRing(KeyFamily(self.data.active, remaining), self.pseudonym, self.created_at)

    def to_document(self) -> dict[str, Any]:
        def family(f: KeyFamily) -> dict[str, Any]:
            return {
                "active": f.active,
                "versions": {
                    str(v): base64.b64encode(s).decode("ascii")
                    for v, s in sorted(f.secrets.items())
                },
            }

        return {
            "format": FORMAT,
            "created_at": self.created_at,
            "data": family(self.data),
            "pseudonym": family(self.pseudonym),
        }

    @classmethod
    def from_document(cls, document: Any) -> KeyRing:
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise VaultError(f"not a key ring (expected format {FORMAT!r})")
        try:
            families = {}
            for name in FAMILIES:
                raw = document[name]
                families[name] = KeyFamily(
                    int(raw["active"]),
                    {
                        int(v): base64.b64decode(s, validate=True)
                        for v, s in raw["versions"].items()
                    },
                )
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise VaultError("the key ring is malformed") from exc
        return cls(families["data"], families["pseudonym"], str(document.get("created_at", "")))


class KeySource(Protocol):
    """Where the ring comes from. A KMS adapter would unwrap secrets here."""

    description: str

    def load(self) -> KeyRing: ...

    def fingerprint(self) -> object:
        """Cheap value that changes when the ring may have changed (for reloading)."""
        ...


class LocalFileKeySource:
    """A JSON file, mode 0600, written by `rempart keys init` and `keys rotate`."""

    def __init__(self, path: Path, *, require_private: bool) -> None:
        self.path = path
        self.require_private = require_private
        self.description = f"key file {path}"

    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> KeyRing:
        try:
            mode = self.path.stat().st_mode
        except FileNotFoundError:
            raise KeysMissing(
                f"no key file at {self.path}: run 'rempart keys init' (or set REMPART_KEYS "
                "or REMPART_KEYS_DIR)"
            ) from None
        if self.require_private and mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise VaultError(f"{self.path} is readable by others: chmod 600 it")
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise VaultError(f"{self.path} is not a key ring (not JSON)") from exc
        return KeyRing.from_document(document)

    def save(self, ring: KeyRing) -> None:
        """Atomic replace, created 0600 from the start (never world-readable, even briefly)."""
        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True)
        # A fresh, uniquely named file (O_EXCL, mode 0600): a stale or planted temporary
        # file, whatever its mode or wherever a link points, is never reused.
        descriptor, name = tempfile.mkstemp(
            dir=directory, prefix=f".{self.path.name}.", suffix=".tmp"
        )
        temporary = Path(name)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(ring.to_document(), handle, indent=2)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        _fsync_directory(directory)

    def fingerprint(self) -> object:
        try:
            status = self.path.stat()
        except FileNotFoundError:
            return None
        return (status.st_mtime_ns, status.st_size, status.st_ino)


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable: rows sealed under a new version must never outlive the
    key file that opens them after a crash."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory descriptors
        return
    try:
        os.fsync(descriptor)
    except OSError:  # pragma: no cover - file systems that refuse fsync on directories
        pass
    finally:
        os.close(descriptor)


class DocumentKeySource:
    """The ring given whole, as the REMPART_KEYS environment variable."""

    description = "REMPART_KEYS"

    def __init__(self, document: str) -> None:
        self._document = document

    def load(self) -> KeyRing:
        try:
            return KeyRing.from_document(json.loads(self._document))
        except json.JSONDecodeError as exc:
            raise VaultError("REMPART_KEYS is not a key ring (not JSON)") from exc

    def fingerprint(self) -> object:
        return 0


class SecretsDirKeySource(LocalFileKeySource):
    """A mounted secrets directory holding `keyring.json` (read-only to the app)."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory / "keyring.json", require_private=False)
        self.description = f"secrets directory {directory}"
