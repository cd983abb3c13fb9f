"""client step-ups: whether a confirmation came from another network

A professional may confirm a code past the "asked from another network" warning: that
lets the installation through for a while, but must never anchor its DPoP key as the
client's (shield.installations), since a relayed code is the scam the warning is for.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-29 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("client_step_ups", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "confirmed_elsewhere", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("client_step_ups", schema=None) as batch_op:
        batch_op.drop_column("confirmed_elsewhere")
