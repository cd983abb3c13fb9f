"""The unit of work's commit-time key-version check: made for every transaction that may
write something tied to a data key version, refusing it when a newer version is
registered; skipped for one that only looked up and wrote plain rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, func, select

from rempart.audit.domain import AuditTag
from rempart.audit.models import AuditRecordRow
from rempart.audit.trail import record_action
from rempart.bootstrap import Platform
from rempart.db import bulk
from rempart.db.uow import UnitOfWork
from rempart.identity.domain import AccountStatus
from rempart.identity.models import AccountRow
from rempart.identity.permissions import Role
from rempart.identity.sealing import LOGIN, login_key, seal_login
from rempart.kernel.ids import new_id
from rempart.registry.sealing import CARD
from rempart.vault.cipher import Vault
from rempart.vault.errors import KeyMismatch
from rempart.vault.provider import local_key_file
from rempart.vault.service import verify_ring

KEY_CHECK = "vault_key_versions"


@pytest.fixture
def stale(platform: Platform) -> tuple[Platform, Vault]:
    """The platform after another process registered data key version 2, and a vault
    still on version 1 (a worker that has not seen the rotation yet)."""
    source = local_key_file(platform.settings)
    old = Vault(source.load())
    source.save(source.load().with_new_data_version())
    with platform.uow() as uow:
        verify_ring(session=uow.session, vault=platform.vaults.reload(), clock=platform.clock)
        uow.commit()
    return platform, old


def stale_uow(platform: Platform, vault: Vault) -> UnitOfWork:
    return UnitOfWork(
        session_factory=platform.database.session_factory,
        vaults=lambda: vault,
        reload_vault=lambda: vault,  # its key source has not changed either
        clock=platform.clock,
        engine=platform.database.engine,
    )


@pytest.fixture
def statements(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every statement run: through Core (its event) and on the driver (`db.bulk`'s
    reads, which Core's events never see)."""
    seen: list[str] = []

    def remember(*args: Any) -> None:
        seen.append(str(args[2]))

    fetch = bulk._fetch

    def fetched(engine: Any, dbapi_connection: Any, sql: str, *rest: Any) -> Any:
        seen.append(sql)
        return fetch(engine, dbapi_connection, sql, *rest)

    monkeypatch.setattr(bulk, "_fetch", fetched)
    event.listen(platform.database.engine, "before_cursor_execute", remember)
    yield seen
    event.remove(platform.database.engine, "before_cursor_execute", remember)


def add_account(uow: UnitOfWork, login: str) -> None:
    account_id = new_id()
    now = uow.clock.now()
    uow.session.add(
        AccountRow(
            id=account_id,
            role=Role.PROFESSIONAL,
            status=AccountStatus.ACTIVE,
            is_new=True,
            rpps=None,
            amc_number=None,
            beneficiary_id=None,
            requested_by=None,
            approved_by=None,
            created_at=now,
            approved_at=None,
            **seal_login(uow.vault, login, account_id),
        )
    )


def accounts(platform: Platform) -> int:
    with platform.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(AccountRow)) or 0


def audit_records(platform: Platform) -> int:
    with platform.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(AuditRecordRow)) or 0


def test_a_stale_commit_that_wrote_ciphertext_is_refused(
    stale: tuple[Platform, Vault], statements: list[str]
) -> None:
    platform, old = stale
    before = accounts(platform)
    uow = stale_uow(platform, old)
    with uow:
        add_account(uow, "someone@example.org")
        with pytest.raises(KeyMismatch, match="version 2 is registered"):
            uow.commit()
    assert accounts(platform) == before
    assert any(KEY_CHECK in s for s in statements)


def test_a_stale_commit_that_only_wrote_the_active_version_is_refused(
    stale: tuple[Platform, Vault],
) -> None:
    """Asking for the active version is enough: a row's key_version is versioned too."""
    platform, old = stale
    uow = stale_uow(platform, old)
    with uow:
        assert uow.vault.active_version == 1
        with pytest.raises(KeyMismatch):
            uow.commit()


def test_a_commit_of_plain_rows_after_a_lookup_skips_the_key_check(
    stale: tuple[Platform, Vault], statements: list[str]
) -> None:
    """A rights check's transaction: blind-index lookup, plain rows, pseudonyms. Nothing
    in it is tied to a data key version, so even stale keys cannot strand anything."""
    platform, old = stale
    before = audit_records(platform)
    uow = stale_uow(platform, old)
    with uow:
        indexes = uow.vault.lookup_indexes(CARD, b"a card tuple")
        assert len(indexes) == 1  # the old ring knows version 1 only
        uow.session.scalar(select(AccountRow.id).where(AccountRow.login_index.in_(indexes)))
        record_action(uow, tag=AuditTag.RIGHTS_CHECK_REFUSED, target_amc="123456789")
        assert not uow.vault.versioned
        uow.commit()
    assert audit_records(platform) == before + 1
    assert not any(KEY_CHECK in s for s in statements)


def test_a_current_commit_that_wrote_ciphertext_goes_through(
    stale: tuple[Platform, Vault], statements: list[str]
) -> None:
    platform, _ = stale
    before = accounts(platform)
    with platform.uow() as uow:
        add_account(uow, "someone@example.org")
        assert uow.vault.versioned
        uow.commit()
    assert accounts(platform) == before + 1
    assert any(KEY_CHECK in s for s in statements)


def test_a_view_kept_across_a_refresh_still_counts(stale: tuple[Platform, Vault]) -> None:
    platform, old = stale
    uow = stale_uow(platform, old)
    with uow:
        kept = uow.vault
        assert not uow.refresh_vault().versioned
        kept.blind_index(LOGIN, login_key("someone@example.org"))
        with pytest.raises(KeyMismatch):
            uow.commit()


def test_a_new_unit_of_work_starts_unversioned(stale: tuple[Platform, Vault]) -> None:
    platform, old = stale
    with stale_uow(platform, old) as uow:
        assert not uow.vault.versioned
        uow.commit()  # nothing versioned: no key check, nothing refused
