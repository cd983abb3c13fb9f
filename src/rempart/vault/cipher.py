"""Field encryption, blind indexes, statement digests and pseudonyms over a key ring.

Ciphertext layout: 1 byte format (0x02) | 2 bytes key version | 12 bytes nonce | GCM output.
The associated data binds table, column, row id and key version, so a ciphertext copied
to another row, another column or relabelled with another version fails to open.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import os
import uuid
from collections.abc import Callable, Sequence
from functools import cache
from typing import Protocol, TypeAlias

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from rempart.db.types import BLIND_INDEX_BYTES
from rempart.vault.errors import CiphertextRejected, VaultError
from rempart.vault.keyring import KeyRing

# Format 2 (written): one AES key per table and column, derived from the version's secret,
# so that no key meets the random-nonce bound of 2^32 encryptions (NIST SP 800-38D) before
# a 40-million-beneficiary registry has been rewritten many times over. Format 1 (one key
# for every field) is still opened.
_FORMAT = 2
_FORMATS = (1, 2)
_HEADER = 3
_NONCE = 12
_UNIT_SEPARATOR = "\x1f"


class _Mac(Protocol):
    def copy(self) -> _Mac: ...
    def update(self, data: bytes, /) -> None: ...
    def digest(self) -> bytes: ...


# A field's AEAD encrypt, ciphertext header and associated-data prefix, under one version.
_Sealer: TypeAlias = tuple[Callable[[bytes, bytes, bytes | None], bytes], bytes, bytes]


@cache
def _header(layout: int, version: int) -> bytes:
    return bytes((layout,)) + version.to_bytes(2, "big")


def derive(secret: bytes, purpose: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"rempart", info=purpose.encode()
    ).derive(secret)


def canonical(*parts: str | int) -> bytes:
    """Join parts unambiguously (the separator cannot appear in validated identifiers)."""
    return _UNIT_SEPARATOR.join(map(str, parts)).encode("utf-8")


class Vault:
    """The one object that holds working keys. Built from a ring; its keys are immutable.

    Each unit of work uses a view of it (`for_transaction`): the same keys and caches,
    plus one flag, `versioned`, that tells the commit whether the transaction may write
    anything made under a data key version (see `UnitOfWork.commit`)."""

    versioned: bool

    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring
        self._active_version = ring.data.active
        self.versions = tuple(sorted(ring.data.secrets, reverse=True))
        self._aead: Callable[[int, int, str, str], AESGCM] = cache(self._derive_aead)
        self._index_mac: Callable[[str, int], _Mac] = cache(self._keyed_index_mac)
        self._aad_prefix: Callable[[str, str, int], bytes] = cache(self._associated_prefix)
        self._sealer: Callable[[str, str, int], _Sealer] = cache(self._field_sealer)
        pseudonym_secret = ring.pseudonym.secrets[ring.pseudonym.active]
        self.pseudonym_version = ring.pseudonym.active
        self._pseudonym_key = derive(pseudonym_secret, "pseudonym")
        self.versioned = False

    def for_transaction(self) -> Vault:
        """A view for one unit of work: shares this vault's keys and derived-key caches,
        and starts with `versioned` False. The view sets it, never to be cleared, as soon
        as it hands out anything tied to a data key version that a commit could write: a
        ciphertext, a blind index (except through `lookup_indexes`), a key check, or the
        active version number itself. What nothing marks cannot reach the database under
        a retiring version, so its commit needs no key-version check."""
        view = copy.copy(self)
        view.versioned = False
        return view

    @property
    def active_version(self) -> int:
        self.versioned = True  # a caller that asks may write it (rows' key_version)
        return self._active_version

    def _keyed_index_mac(self, purpose: str, version: int) -> _Mac:
        # Keyed once; each index copies it (cheaper than re-keying per value). The OpenSSL
        # object inside `hmac.HMAC`, where there is one, copies without a Python wrapper.
        key = derive(self._secret(version), f"blind-index/{purpose}")
        mac = hmac.new(key, digestmod=hashlib.sha256)
        inner: _Mac | None = getattr(mac, "_hmac", None)
        return inner if inner is not None else mac

    def _derive_aead(self, layout: int, version: int, table: str, column: str) -> AESGCM:
        purpose = "aead/fields" if layout == 1 else f"aead/fields/{table}.{column}"
        return AESGCM(derive(self._secret(version), purpose))

    def _secret(self, version: int) -> bytes:
        secret = self.ring.data.secrets.get(version)
        if secret is None:
            raise VaultError(f"data key version {version} is not in the key ring")
        return secret

    # -- encryption ---------------------------------------------------------------------

    @staticmethod
    def _associated_prefix(table: str, column: str, version: int) -> bytes:
        return canonical("rempart-field-v1", table, column, version, "")

    def _associated_data(self, table: str, column: str, row_id: uuid.UUID, version: int) -> bytes:
        return self._aad_prefix(table, column, version) + row_id.bytes

    def _field_sealer(self, table: str, column: str, version: int) -> _Sealer:
        return (
            self._aead(_FORMAT, version, table, column).encrypt,
            _header(_FORMAT, version),
            self._aad_prefix(table, column, version),
        )

    def seal(
        self,
        plaintext: str,
        *,
        table: str,
        column: str,
        row_id: uuid.UUID,
        version: int | None = None,
    ) -> bytes:
        self.versioned = True
        version = self._active_version if version is None else version
        encrypt, header, aad_prefix = self._sealer(table, column, version)
        nonce = os.urandom(_NONCE)
        return header + nonce + encrypt(nonce, plaintext.encode("utf-8"), aad_prefix + row_id.bytes)

    def seal_fields(
        self, *, table: str, row_id: uuid.UUID, fields: Sequence[tuple[str, str]]
    ) -> list[bytes]:
        """`seal` for several columns of one row under the active version, in order: the
        same ciphertexts (each its own fresh random nonce, AAD binding table, column, row
        and version), with one call for the row's nonces. For imports: millions of rows."""
        self.versioned = True
        version = self._active_version
        row = row_id.bytes
        nonces = os.urandom(_NONCE * len(fields))
        sealed = []
        start = 0
        for column, plaintext in fields:
            encrypt, header, aad_prefix = self._sealer(table, column, version)
            nonce = nonces[start : start + _NONCE]
            start += _NONCE
            sealed.append(
                header + nonce + encrypt(nonce, plaintext.encode("utf-8"), aad_prefix + row)
            )
        return sealed

    def open(self, blob: bytes, *, table: str, column: str, row_id: uuid.UUID) -> str:
        where = f"{table}.{column} of row {row_id}"
        if len(blob) < _HEADER + _NONCE + 16 or blob[0] not in _FORMATS:
            raise CiphertextRejected(f"{where} is not a Rempart ciphertext (truncated or foreign)")
        version = int.from_bytes(blob[1:3], "big")
        if version not in self.ring.data.secrets:
            raise CiphertextRejected(
                f"{where} was sealed under key version {version}, which this key ring lacks"
            )
        aead = self._aead(blob[0], version, table, column)
        try:
            plain = aead.decrypt(
                blob[_HEADER : _HEADER + _NONCE],
                blob[_HEADER + _NONCE :],
                self._associated_data(table, column, row_id, version),
            )
        except InvalidTag:
            raise CiphertextRejected(
                f"{where} does not authenticate: altered, moved from another row, or wrong key"
            ) from None
        return plain.decode("utf-8")

    @staticmethod
    def sealed_version(blob: bytes) -> int:
        return int.from_bytes(blob[1:3], "big")

    # -- blind indexes ------------------------------------------------------------------

    def _index(self, purpose: str, value: bytes, version: int) -> bytes:
        mac = self._index_mac(purpose, version).copy()
        mac.update(value)
        return mac.digest()[:BLIND_INDEX_BYTES]

    def blind_index(self, purpose: str, value: bytes, *, version: int | None = None) -> bytes:
        self.versioned = True
        return self._index(purpose, value, self._active_version if version is None else version)

    def blind_indexes(self, purpose: str, value: bytes) -> tuple[bytes, ...]:
        """The index under every version in the ring: lookups during a rotation see rows
        that are not yet re-indexed (and importers pick the active one to write)."""
        self.versioned = True
        return self.lookup_indexes(purpose, value)

    def lookup_indexes(self, purpose: str, value: bytes) -> tuple[bytes, ...]:
        """`blind_indexes` for a read that writes none of them: it leaves `versioned`
        as it was, so a transaction that only looks up needs no key-version check."""
        if len(self.versions) == 1:  # outside a rotation
            return (self._index(purpose, value, self.versions[0]),)
        return tuple(self._index(purpose, value, v) for v in self.versions)

    # -- pseudonyms ---------------------------------------------------------------------

    def pseudonym(self, kind: str, subject: str) -> str:
        """A stable keyed pseudonym for audit records: never the identifier itself."""
        mac = hmac.digest(self._pseudonym_key, canonical(kind, subject), "sha256")
        return f"p{self.pseudonym_version}_{mac[:16].hex()}"

    # -- short-lived secrets ------------------------------------------------------------

    def ephemeral_key(self, purpose: str) -> bytes:
        """A key for values that live minutes outside the database (a sealed cookie):
        derived from the active data key, so a rotation merely voids those in flight."""
        return derive(self._secret(self._active_version), f"ephemeral/{purpose}")

    # -- key checks ---------------------------------------------------------------------

    def key_check(self, family: str, version: int) -> bytes:
        """A value stored in the database per key version: a different key, same version
        number, is recognised at start instead of producing garbage."""
        self.versioned = True
        ring_family = self.ring.data if family == "data" else self.ring.pseudonym
        return hmac.digest(derive(ring_family.secrets[version], "key-check"), b"rempart", "sha256")
