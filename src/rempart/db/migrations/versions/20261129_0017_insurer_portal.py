"""insurer portal: uploads and member lookup reasons

An import run records the insurer whose staff uploaded the file from the insurer portal
(`submitted_for`, NULL for an operator's import), so that each insurer lists its own
runs only. `member_access_reasons` holds the reason insurer staff stated for a member
lookup or an identity reveal, keyed by that access's audit record.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 00:55:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "member_access_reasons",
        sa.Column("audit_record_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("case_reference", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("audit_record_id", name=op.f("pk_member_access_reasons")),
    )
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submitted_for", sa.String(length=9), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_import_runs_submitted_for"), ["submitted_for"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_runs_submitted_for"))
        batch_op.drop_column("submitted_for")
    op.drop_table("member_access_reasons")
