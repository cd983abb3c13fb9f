"""Builds the vault from the configured key source and rebuilds it when the source
changes, so that a rotation started by `rempart keys rotate` reaches running workers."""

from __future__ import annotations

import hmac
import threading
import time

from rempart.settings import Settings
from rempart.vault.cipher import Vault
from rempart.vault.errors import KeyMismatch, KeysMissing, VaultError
from rempart.vault.keyring import (
    FAMILIES,
    DocumentKeySource,
    KeyRing,
    KeySource,
    LocalFileKeySource,
    SecretsDirKeySource,
)

RECHECK_SECONDS = 1.0


def key_source_for(settings: Settings) -> KeySource:
    if settings.keys is not None:
        return DocumentKeySource(settings.keys.get_secret_value())
    if settings.keys_dir is not None:
        return SecretsDirKeySource(settings.keys_dir)
    return LocalFileKeySource(
        settings.effective_keys_file, require_private=not settings.is_development
    )


def local_key_file(settings: Settings) -> LocalFileKeySource:
    source = key_source_for(settings)
    if not isinstance(source, LocalFileKeySource) or isinstance(source, SecretsDirKeySource):
        raise KeysMissing(
            f"keys come from {source.description}: write and distribute a new ring there; "
            "this command manages the local key file only"
        )
    return source


class VaultProvider:
    """Owned by the app's lifespan (not a module global): one per process.

    The ring it starts with was checked against the database (`verify_ring`). A ring that
    replaces it must agree with it on every version both hold: a different secret under
    a known version number is a wrong key file, and using it would seal new rows that
    nothing can open once the right file is back. Such a ring, or a source that can no
    longer be read, stops data access (every `current()` raises) until the source is
    fixed; it is never used.
    """

    def __init__(self, source: KeySource) -> None:
        self._source = source
        self._lock = threading.Lock()
        self._fingerprint = source.fingerprint()
        self._vault = Vault(source.load())
        self._refused: VaultError | None = None
        self._checked_at = time.monotonic()

    def reload(self) -> Vault:
        with self._lock:
            fingerprint = self._source.fingerprint()
            self._adopt(fingerprint)
            self._checked_at = time.monotonic()
            return self._current_or_raise()

    def current(self) -> Vault:
        now = time.monotonic()
        if now - self._checked_at < RECHECK_SECONDS:
            return self._current_or_raise()
        with self._lock:
            self._checked_at = now
            fingerprint = self._source.fingerprint()
            # While refused, try again at each check: a fix may not change the fingerprint
            # (chmod 600 on the same file).
            if fingerprint != self._fingerprint or self._refused is not None:
                self._adopt(fingerprint)
            return self._current_or_raise()

    def _current_or_raise(self) -> Vault:
        refused = self._refused
        if refused is not None:
            # A fresh exception each time: re-raising one instance would grow its traceback
            # with every request for as long as the source stays wrong.
            raise type(refused)(*refused.args)
        return self._vault

    def _adopt(self, fingerprint: object) -> None:
        """Load the source once; keep the new ring only if it succeeds the current one."""
        self._fingerprint = fingerprint
        try:
            ring = self._source.load()
            _check_successor(self._vault.ring, ring, self._source.description)
            vault = Vault(ring)
        except VaultError as exc:
            self._refused = exc
            return
        except OSError as exc:
            self._refused = VaultError(f"{self._source.description} cannot be read: {exc}")
            return
        self._vault, self._refused = vault, None


def _check_successor(current: KeyRing, new: KeyRing, where: str) -> None:
    if new.data.active < current.data.active:
        # An older key file restored by mistake: writing under it would undo a rotation.
        raise KeyMismatch(
            f"{where} now makes data key version {new.data.active} active, older than "
            f"version {current.data.active} in use: an old key file? Data access is stopped "
            "until the current ring is restored"
        )
    for name in FAMILIES:
        old_secrets, new_secrets = getattr(current, name).secrets, getattr(new, name).secrets
        for version in sorted(old_secrets.keys() & new_secrets.keys()):
            if not hmac.compare_digest(old_secrets[version], new_secrets[version]):
                raise KeyMismatch(
                    f"{where} now holds a different {name} key version {version} than the "
                    "ring this process started with: wrong key file? Data access is stopped "
                    "until the right ring is restored"
                )
