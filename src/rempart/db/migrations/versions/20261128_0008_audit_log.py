"""the tamper-evident audit log: records, the sequencer's tree state, checkpoints

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 23:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rempart.db.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_records",
        sa.Column("leaf_index", sa.BigInteger(), nullable=True),
        sa.Column("at", rempart.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("actor_account_id", sa.Uuid(), nullable=True),
        sa.Column("actor_rpps", sa.String(length=11), nullable=True),
        sa.Column("structure_finess", sa.String(length=9), nullable=True),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("target_pseudonym", sa.String(length=40), nullable=True),
        sa.Column("target_amc", sa.String(length=9), nullable=True),
        sa.Column("categories", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("address_hash", sa.String(length=40), nullable=True),
        sa.Column("user_agent_hash", sa.String(length=40), nullable=True),
        sa.Column("payload", sa.LargeBinary(), nullable=True),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("recorded_at", rempart.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("payload_expired_at", rempart.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_records")),
        sa.UniqueConstraint("leaf_index", name=op.f("uq_audit_records_leaf_index")),
    )
    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_records_at"), ["at"], unique=False)
        batch_op.create_index("ix_audit_records_actor_at", ["actor_account_id", "at"], unique=False)
        batch_op.create_index(
            "ix_audit_records_structure_at", ["structure_finess", "at"], unique=False
        )
        batch_op.create_index("ix_audit_records_client_at", ["client_id", "at"], unique=False)
        batch_op.create_index("ix_audit_records_address_at", ["address_hash", "at"], unique=False)
        batch_op.create_index(
            "ix_audit_records_target_at", ["target_pseudonym", "at"], unique=False
        )

    op.create_table(
        "audit_tree",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("compact_range", sa.LargeBinary(), nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("sealed_at", rempart.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_tree")),
    )

    op.create_table(
        "audit_checkpoints",
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("issued_at", rempart.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("compact_range", sa.LargeBinary(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoints")),
        sa.UniqueConstraint("tree_size", name=op.f("uq_audit_checkpoints_tree_size")),
    )


def downgrade() -> None:
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_tree")
    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_records_target_at")
        batch_op.drop_index("ix_audit_records_address_at")
        batch_op.drop_index("ix_audit_records_client_at")
        batch_op.drop_index("ix_audit_records_structure_at")
        batch_op.drop_index("ix_audit_records_actor_at")
        batch_op.drop_index(batch_op.f("ix_audit_records_at"))

    op.drop_table("audit_records")
