"""software clients, their DPoP-bound access tokens and used JWT ids

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-28 21:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rempart.db.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "software_clients",
        sa.Column("finess", sa.String(length=9), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("public_jwk", sa.Text(), nullable=False),
        sa.Column("jwk_thumbprint", sa.String(length=43), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("registered_by", sa.Uuid(), nullable=False),
        sa.Column("approved_by", sa.Uuid(), nullable=True),
        sa.Column("revoked_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", rempart.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("approved_at", rempart.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", rempart.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_software_clients")),
        sa.UniqueConstraint("jwk_thumbprint", name=op.f("uq_software_clients_jwk_thumbprint")),
    )
    with op.batch_alter_table("software_clients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_software_clients_finess"), ["finess"], unique=False)

    op.create_table(
        "client_access_tokens",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("jkt", sa.String(length=43), nullable=False),
        sa.Column("issued_at", rempart.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", rempart.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", rempart.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["software_clients.id"],
            name=op.f("fk_client_access_tokens_client_id_software_clients"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_access_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_client_access_tokens_token_hash")),
    )
    with op.batch_alter_table("client_access_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_client_access_tokens_client_id"), ["client_id"], unique=False
        )

    op.create_table(
        "used_jwt_ids",
        sa.Column("digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("expires_at", rempart.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_used_jwt_ids")),
    )
    with op.batch_alter_table("used_jwt_ids", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_used_jwt_ids_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("used_jwt_ids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_used_jwt_ids_expires_at"))

    op.drop_table("used_jwt_ids")
    with op.batch_alter_table("client_access_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_access_tokens_client_id"))

    op.drop_table("client_access_tokens")
    with op.batch_alter_table("software_clients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_software_clients_finess"))

    op.drop_table("software_clients")
