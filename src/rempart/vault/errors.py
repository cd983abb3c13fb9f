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
