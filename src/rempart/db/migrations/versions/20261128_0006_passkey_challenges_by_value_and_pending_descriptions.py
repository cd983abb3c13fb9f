"""passkey challenges found by value; pending sign-ins describe their browser

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 19:42:01.574351
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rempart.db.types  # noqa: F401  (shared column types)

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Pending sign-ins live ten minutes: those in flight are dropped rather than given a
    # made-up description (their browsers simply start again).
    op.execute("DELETE FROM pending_sign_ins")
    with op.batch_alter_table("pending_sign_ins", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_agent", sa.String(length=160), nullable=False))

    with op.batch_alter_table("webauthn_challenges", schema=None) as batch_op:
        batch_op.alter_column("account_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.create_unique_constraint(
            batch_op.f("uq_webauthn_challenges_challenge"), ["challenge"]
        )

    # ### end Alembic commands ###


def downgrade() -> None:
    op.execute("DELETE FROM webauthn_challenges WHERE account_id IS NULL")
    with op.batch_alter_table("webauthn_challenges", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_webauthn_challenges_challenge"), type_="unique")
        batch_op.alter_column("account_id", existing_type=sa.Uuid(), nullable=False)

    with op.batch_alter_table("pending_sign_ins", schema=None) as batch_op:
        batch_op.drop_column("user_agent")

    # ### end Alembic commands ###
