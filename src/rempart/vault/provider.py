"""Builds the vault from the configured key source and rebuilds it when the source
changes, so that a rotation started by `rempart keys rotate` reaches running workers."""

from __future__ import annotations

import threading
import time

from rempart.settings import Settings
from rempart.vault.cipher import Vault
from rempart.vault.errors import KeysMissing
from rempart.vault.keyring import (
    DocumentKeySource,
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
    """Owned by the app's lifespan (not a module global): one per process."""

    def __init__(self, source: KeySource) -> None:
        self._source = source
        self._lock = threading.Lock()
        self._fingerprint = source.fingerprint()
        self._vault = Vault(source.load())
        self._checked_at = time.monotonic()

    def reload(self) -> Vault:
        with self._lock:
            self._vault = Vault(self._source.load())
            self._fingerprint = self._source.fingerprint()
            self._checked_at = time.monotonic()
            return self._vault

    def current(self) -> Vault:
        now = time.monotonic()
        if now - self._checked_at < RECHECK_SECONDS:
            return self._vault
        with self._lock:
            self._checked_at = now
            fingerprint = self._source.fingerprint()
            if fingerprint != self._fingerprint:
                self._vault = Vault(self._source.load())
                self._fingerprint = fingerprint
            return self._vault
