"""shield: the DPoP keys a software client is known by

Its first key (trusted on first use) and the keys a professional of the structure
confirmed. The feature store caches them; this table is what survives the store being
emptied, so that a restart does not hand the client's trust to whichever installation
calls first.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-29 15:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rempart.db.types

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shield_anchored_keys",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("jkt", sa.String(length=43), nullable=False),
        sa.Column("how", sa.String(length=16), nullable=False),
        sa.Column("anchored_at", rempart.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["software_clients.id"],
            name=op.f("fk_shield_anchored_keys_client_id_software_clients"),
        ),
        sa.PrimaryKeyConstraint("client_id", "jkt", name=op.f("pk_shield_anchored_keys")),
    )


def downgrade() -> None:
    op.drop_table("shield_anchored_keys")
