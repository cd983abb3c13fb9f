"""Software clients, their access tokens and the single-use store of JWT ids.

A client holds a public key only. Tokens are kept as SHA-256 of the random value, so a
copy of the table authenticates nobody. JWT ids (of client assertions and DPoP proofs)
are kept hashed, namespaced by who signed them, until the JWT could no longer be accepted
anyway; the primary key makes a second use fail on insert, even when two requests race.
A step-up request keeps the SHA-256 of the code the software shows, never the code.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from rempart.db.base import Base, IdMixin
from rempart.db.types import UtcDateTime


class ClientRow(IdMixin, Base):
    __tablename__ = "software_clients"

    finess: Mapped[str] = mapped_column(String(9), index=True)
    name: Mapped[str] = mapped_column(String(120))
    public_jwk: Mapped[str] = mapped_column(Text())  # compact JSON, public members only
    # One client per key: a key registered (or once revoked) is not registered again.
    jwk_thumbprint: Mapped[str] = mapped_column(String(43), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    registered_by: Mapped[uuid.UUID] = mapped_column()
    approved_by: Mapped[uuid.UUID | None] = mapped_column()
    revoked_by: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ClientTokenRow(IdMixin, Base):
    """An access token, bound to the DPoP key (`jkt`) that asked for it."""

    __tablename__ = "client_access_tokens"

    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("software_clients.id"), index=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    jkt: Mapped[str] = mapped_column(String(43))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class UsedJwtIdRow(Base):
    """A JWT id already accepted: SHA-256 of (purpose, signer, jti)."""

    __tablename__ = "used_jwt_ids"

    digest: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class ClientStepUpRow(IdMixin, Base):
    """Software asking for the professional at the counter to confirm it (the shield's
    step-up rung): pending until that professional, signed in with a phishing-resistant
    factor, types its code in the portal; then it counts for the client acting as that
    RPPS with that DPoP key, for a while (identity.client_step_up)."""

    __tablename__ = "client_step_ups"
    __table_args__ = (
        # Presence, at the step-up rung: this client's latest confirmation for this RPPS.
        Index("ix_client_step_ups_presence", "client_id", "rpps", "jkt", "confirmed_at"),
    )

    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("software_clients.id"))
    rpps: Mapped[str] = mapped_column(String(11))
    jkt: Mapped[str] = mapped_column(String(43))  # the DPoP key that asked
    code_hash: Mapped[bytes] = mapped_column(LargeBinary(32), index=True)
    # The keyed hash of the address it was asked from (as the audit log keeps them).
    requested_from: Mapped[str | None] = mapped_column(String(40))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    confirmed_by: Mapped[uuid.UUID | None] = mapped_column()
    # Confirmed from another network than the one that asked, past the warning: it lets
    # that installation through for a while, but never anchors its key
    # (shield.installations).
    confirmed_elsewhere: Mapped[bool] = mapped_column(default=False, server_default=false())
