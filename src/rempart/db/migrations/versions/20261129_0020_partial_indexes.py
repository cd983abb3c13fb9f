"""partial indexes: audit records' actor, client and target, accreditations' revocation

A record names an account or a client, never both, and a stranger's check names no one;
an accreditation is revoked rarely. Indexing only the rows that have the value spares
every rights check two or three index inserts and their pages in the commit.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-29 06:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (index, table, columns, the column a row must have)
_INDEXES = (
    ("ix_audit_records_actor_at", "audit_records", ("actor_account_id", "at"), "actor_account_id"),
    ("ix_audit_records_client_at", "audit_records", ("client_id", "at"), "client_id"),
    ("ix_audit_records_target_at", "audit_records", ("target_pseudonym", "at"), "target_pseudonym"),
    ("ix_accreditations_revoked_at", "accreditations", ("revoked_at",), "revoked_at"),
)


def upgrade() -> None:
    for name, table, columns, column in _INDEXES:
        op.drop_index(name, table_name=table)
        present = sa.text(f"{column} IS NOT NULL")
        op.create_index(name, table, list(columns), sqlite_where=present, postgresql_where=present)


def downgrade() -> None:
    for name, table, columns, _ in _INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, list(columns))
