"""audit purpose: the reason stated for an access, inside the signed payload

`audit_records.purpose` holds what version 2 of the audit encoding signs beside the rest
(insurer staff's stated reason code and a keyed pseudonym of their case reference).
Records without one stay version 1, byte for byte.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 04:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purpose", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.drop_column("purpose")
