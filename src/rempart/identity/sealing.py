"""How account fields are sealed and indexed, for the service and for key rotation."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import RowMapping, Table, select
from sqlalchemy.orm import Session

from rempart.db.base import table_of
from rempart.identity.models import AccountRow, CredentialRow
from rempart.vault.cipher import Vault, canonical
from rempart.vault.sealed import AnySelect

LOGIN = "account.login"


def login_key(login_name: str) -> bytes:
    """Login names are compared without regard to case."""
    return canonical(login_name.strip().casefold())


def seal_login(vault: Vault, login_name: str, row_id: uuid.UUID) -> dict[str, Any]:
    return {
        "login_index": vault.blind_index(LOGIN, login_key(login_name)),
        "login_name": vault.seal(login_name, table="accounts", column="login_name", row_id=row_id),
        "key_version": vault.active_version,
    }


class _Accounts:
    table: Table = table_of(AccountRow)

    def select_for_reseal(self) -> AnySelect:
        return select(AccountRow.id, AccountRow.key_version, AccountRow.login_name)

    def reseal_batch(
        self, vault: Vault, session: Session, rows: Sequence[RowMapping]
    ) -> list[dict[str, Any]]:
        resealed = []
        for row in rows:
            name = vault.open(
                row["login_name"], table="accounts", column="login_name", row_id=row["id"]
            )
            values = seal_login(vault, name, row["id"])
            del values["key_version"]
            resealed.append(values)
        return resealed


def seal_totp_secret(vault: Vault, secret: str, account_id: uuid.UUID) -> bytes:
    return vault.seal(secret, table="account_credentials", column="totp_secret", row_id=account_id)


def open_totp_secret(vault: Vault, blob: bytes, account_id: uuid.UUID) -> str:
    return vault.open(blob, table="account_credentials", column="totp_secret", row_id=account_id)


class _Credentials:
    table: Table = table_of(CredentialRow)

    def select_for_reseal(self) -> AnySelect:
        return select(
            CredentialRow.account_id.label("id"),
            CredentialRow.key_version,
            CredentialRow.totp_secret,
        )

    def reseal_batch(
        self, vault: Vault, session: Session, rows: Sequence[RowMapping]
    ) -> list[dict[str, Any]]:
        resealed = []
        for row in rows:
            blob = row["totp_secret"]
            secret = None if blob is None else open_totp_secret(vault, blob, row["id"])
            resealed.append(
                {
                    "totp_secret": None
                    if secret is None
                    else seal_totp_secret(vault, secret, row["id"])
                }
            )
        return resealed


SEALED_TABLES = (_Accounts(), _Credentials())
