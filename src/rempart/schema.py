"""Every feature's tables, imported once so that the metadata is complete (migrations,
drift checks, counts)."""

from rempart.audit import models as audit_models
from rempart.claims import models as claims_models
from rempart.db.base import Base
from rempart.identity import client_models
from rempart.identity import models as identity_models
from rempart.identity.sealing import SEALED_TABLES as IDENTITY_SEALED
from rempart.incidents import models as incidents_models
from rempart.outbox import models as outbox_models
from rempart.payments import models as payments_models
from rempart.payments.sealing import SEALED_TABLES as PAYMENTS_SEALED
from rempart.payouts import models as payouts_models
from rempart.payouts.sealing import SEALED_TABLES as PAYOUTS_SEALED
from rempart.registry import models as registry_models
from rempart.registry.sealing import SEALED_TABLES as REGISTRY_SEALED
from rempart.rights import models as rights_models
from rempart.shield import models as shield_models
from rempart.vault import models as vault_models
from rempart.vault.sealed import SealedTable

metadata = Base.metadata

# Every table holding ciphertexts or blind indexes, for key rotation and retirement.
SEALED_TABLES: tuple[SealedTable, ...] = (
    *REGISTRY_SEALED,
    *IDENTITY_SEALED,
    *PAYMENTS_SEALED,
    *PAYOUTS_SEALED,
)

__all__ = [
    "SEALED_TABLES",
    "audit_models",
    "claims_models",
    "client_models",
    "identity_models",
    "incidents_models",
    "metadata",
    "outbox_models",
    "payments_models",
    "payouts_models",
    "registry_models",
    "rights_models",
    "shield_models",
    "vault_models",
]
