"""audit verifications: the outcome of each `rempart audit verify`

Counts only (records checked, findings, the sizes covered), kept so that the security
analysts' page can show when the log was last verified and what was found.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 02:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rempart.db.types

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_verifications",
        sa.Column("finished_at", rempart.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("records_checked", sa.BigInteger(), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("covered_size", sa.BigInteger(), nullable=False),
        sa.Column("pending", sa.BigInteger(), nullable=False),
        sa.Column("findings", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_verifications")),
    )
    with op.batch_alter_table("audit_verifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_verifications_finished_at"), ["finished_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_verifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_verifications_finished_at"))
    op.drop_table("audit_verifications")
