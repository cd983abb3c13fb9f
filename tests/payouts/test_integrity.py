"""What a change leaves behind: notices committed with it (and only with it), records and
messages that never hold the IBAN, a ciphertext at rest that key rotation re-seals."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from rempart.audit.domain import AuditTag
from rempart.audit.models import AuditRecordRow
from rempart.db.uow import UnitOfWork
from rempart.identity.models import SecurityEventRow
from rempart.outbox.models import OutboxMessageRow
from rempart.payouts.models import BankAccountRow
from rempart.payouts.service import (
    approve_bank_account_change,
    bank_account,
    cancel_bank_account_change,
    payout_account,
    request_bank_account_change,
)
from rempart.vault.cipher import Vault

from ..conftest import NOW
from ..vault.test_rotation import reseal, start_rotation
from .support import BIC, COOLING_OFF, NEW_IBAN, NEWER_IBAN, Scene


def _request(scene: Scene, iban: str = NEW_IBAN, *, admin: bool = True) -> None:
    request_bank_account_change(
        uow=scene.platform.uow(),
        actor=scene.admin if admin else scene.first,
        shield=scene.shield,
        structure=scene.finess,
        iban=iban,
        bic=BIC,
        cooling_off=COOLING_OFF,
    )


def test_the_notices_commit_with_the_change_or_not_at_all(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(self: UnitOfWork) -> None:
        raise RuntimeError("the database went away before the commit")

    with monkeypatch.context() as patched:
        patched.setattr(UnitOfWork, "commit", fail)
        with pytest.raises(RuntimeError):
            _request(scene)
    assert scene.count(BankAccountRow) == 0
    assert scene.count(OutboxMessageRow) == 0
    assert scene.audited(AuditTag.PAYOUTS_BANK_ACCOUNT_CHANGE_REQUESTED) == []

    _request(scene)
    (notice,) = scene.outbox()
    assert (notice.topic, notice.recipient_kind, notice.recipient_ref) == (
        "structure:bank_account:changed",
        "structure",
        scene.finess,
    )
    effective = scene.clock.now() + COOLING_OFF
    assert f"se terminant par {NEW_IBAN[-4:]}" in notice.body
    assert effective.strftime("%d/%m/%Y à %H:%M UTC") in notice.body
    assert "Si vous n'êtes pas à l'origine de ce changement" in notice.body


def test_a_platform_administrators_change_is_told_to_the_security_analysts(scene: Scene) -> None:
    _request(scene, admin=False)
    kinds = sorted((m.topic, m.recipient_kind, m.recipient_ref) for m in scene.outbox())
    assert kinds == [
        ("security:bank_account:change_requested", "role", "security_analyst"),
        ("structure:bank_account:pending_approval", "structure", scene.finess),
    ]


def _every_trace(scene: Scene) -> bytes:
    """Everything a change leaves in clear: messages, audit records with their payloads,
    security events."""
    chunks: list[bytes] = []
    with scene.platform.uow() as uow:
        for message in uow.session.scalars(select(OutboxMessageRow)):
            chunks += [message.subject.encode(), message.body.encode(), message.topic.encode()]
        for record in uow.session.scalars(select(AuditRecordRow)):
            chunks += [repr(record.__dict__).encode(), record.payload or b""]
        for event in uow.session.scalars(select(SecurityEventRow)):
            chunks.append(repr(event.__dict__).encode())
    return b"\n".join(chunks)


def _forms(iban: str) -> list[bytes]:
    """The IBAN as typed, compact, and its account number alone (the BBAN's heart)."""
    spaced = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    return [iban.encode(), spaced.encode(), iban[4:-4].encode(), iban[14:25].encode()]


def test_no_iban_in_any_log_record_or_message(
    scene: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    spaced = " ".join(NEW_IBAN[i : i + 4] for i in range(0, len(NEW_IBAN), 4))
    request_bank_account_change(
        uow=scene.platform.uow(),
        actor=scene.first,
        shield=scene.shield,
        structure=scene.finess,
        iban=spaced,
        bic=BIC,
        cooling_off=COOLING_OFF,
    )
    view = bank_account(
        uow=scene.platform.uow(), actor=scene.analyst, shield=scene.shield, structure=scene.finess
    )
    assert view.change is not None
    approve_bank_account_change(
        uow=scene.platform.uow(),
        actor=scene.second,
        shield=scene.shield,
        structure=scene.finess,
        change_id=view.change.id,
        cooling_off=COOLING_OFF,
    )
    _request(scene, NEWER_IBAN)
    cancel_bank_account_change(
        uow=scene.platform.uow(), actor=scene.admin, shield=scene.shield, structure=scene.finess
    )
    scene.later(COOLING_OFF + timedelta(hours=1))
    answer = payout_account(
        uow=scene.platform.uow(), structure_finess=scene.finess, at=scene.clock.now()
    )
    assert str(answer.iban) == scene.onboarding_iban  # the platform's change was superseded

    traces = _every_trace(scene) + caplog.text.encode() + repr(view).encode()
    traces += repr(answer).encode()
    assert len(scene.outbox()) == 6  # asked and approved (structure, analysts), newer, cancelled
    for iban in (NEW_IBAN, NEWER_IBAN, scene.onboarding_iban):
        for form in _forms(iban):
            assert form not in traces, "an IBAN leaked into a record, message or log"


def test_the_iban_is_a_ciphertext_at_rest(scene: Scene) -> None:
    _request(scene)
    with scene.platform.uow() as uow:
        row = uow.session.scalars(select(BankAccountRow)).one()
        assert NEW_IBAN.encode() not in row.iban
        assert Vault.sealed_version(row.iban) == row.key_version
        assert row.iban_last4 == NEW_IBAN[-4:]
    url = make_url(scene.platform.settings.effective_database_url)
    if url.get_backend_name() == "sqlite":
        files = Path(url.database or "").parent.glob(Path(url.database or "").name + "*")
        for path in files:
            assert NEW_IBAN[4:-4].encode() not in path.read_bytes(), path.name


def test_key_rotation_reseals_the_bank_accounts(scene: Scene) -> None:
    _request(scene)
    start_rotation(scene.platform)
    assert reseal(scene.platform) > 0
    with scene.platform.uow() as uow:
        row = uow.session.scalars(select(BankAccountRow)).one()
        assert (row.key_version, Vault.sealed_version(row.iban)) == (2, 2)
    scene.later(COOLING_OFF)
    answer = payout_account(
        uow=scene.platform.uow(), structure_finess=scene.finess, at=scene.clock.now()
    )
    assert str(answer.iban) == NEW_IBAN


def test_reloading_the_directory_does_not_change_where_a_structure_is_paid(
    scene: Scene,
) -> None:
    """Only the payout flow changes a registered structure's account: a directory reload
    stating another IBAN leaves the one in effect."""
    from dataclasses import replace as changed

    from rempart.payouts.service import payout_account
    from rempart.registry.service import register_reference_data

    from ..factories import france

    before = payout_account(uow=scene.platform.uow(), structure_finess=scene.finess, at=NOW)
    directory = france(60)
    register_reference_data(
        uow=scene.platform.uow(),
        insurers=directory.insurers,
        structures=[
            changed(s, iban=NEW_IBAN, bic=BIC) if s.finess == scene.finess else s
            for s in directory.structures
        ],
        professionals=directory.professionals,
    )
    after = payout_account(uow=scene.platform.uow(), structure_finess=scene.finess, at=NOW)
    assert after.iban == before.iban
    assert after.bic == before.bic
