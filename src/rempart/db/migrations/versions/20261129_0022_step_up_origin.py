"""client step-ups: where the code was asked from

A keyed hash of the address the software asked for its code from (as the audit log
keeps addresses), so that a professional confirming from another network is warned
before confirming: a code relayed by someone else is the attack the warning is for.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-29 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("client_step_ups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("requested_from", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("client_step_ups", schema=None) as batch_op:
        batch_op.drop_column("requested_from")
