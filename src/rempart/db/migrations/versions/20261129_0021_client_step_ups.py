"""client step-ups: software asking the professional at the counter to confirm it

When the shield asks a software client for a step-up, the software requests a short code
and shows it; the professional it acts for confirms it in the portal with a
phishing-resistant factor. Only the code's SHA-256 is kept.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-29 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rempart.db.types

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "client_step_ups",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("rpps", sa.String(length=11), nullable=False),
        sa.Column("jkt", sa.String(length=43), nullable=False),
        sa.Column("code_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("requested_at", rempart.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", rempart.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", rempart.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["software_clients.id"],
            name=op.f("fk_client_step_ups_client_id_software_clients"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_step_ups")),
    )
    with op.batch_alter_table("client_step_ups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_client_step_ups_code_hash"), ["code_hash"], unique=False
        )
        batch_op.create_index(
            "ix_client_step_ups_presence",
            ["client_id", "rpps", "jkt", "confirmed_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("client_step_ups", schema=None) as batch_op:
        batch_op.drop_index("ix_client_step_ups_presence")
        batch_op.drop_index(batch_op.f("ix_client_step_ups_code_hash"))
    op.drop_table("client_step_ups")
