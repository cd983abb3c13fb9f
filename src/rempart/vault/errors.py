from __future__ import annotations

from rempart.kernel.errors import InfrastructureError


class VaultError(InfrastructureError):
    """Keys are missing, malformed, do not match the database, or a ciphertext is bad."""


class KeysMissing(VaultError):
    pass


class KeyMismatch(VaultError):
    pass


class CiphertextRejected(VaultError):
    pass


class KeyRingReloaded(KeyMismatch):
    """A commit was refused because a rotation started; the ring is now reloaded and the
    operation can be redone once."""
