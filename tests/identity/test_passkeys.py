"""Passkeys: registration and sign-in ceremonies with user verification, against a
software authenticator; phishing (another origin or rp id), replay, cloning and missing
user verification are refused."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from rempart.bootstrap import Platform
from rempart.identity.domain import AccountRequest, SecurityTag
from rempart.identity.models import PasskeyRow
from rempart.identity.passkeys import (
    PasskeyRefused,
    RelyingParty,
    begin_authentication,
    begin_registration,
    finish_authentication,
    finish_registration,
)
from rempart.identity.permissions import Actor, Role
from rempart.identity.service import request_account, security_history
from rempart.kernel.clock import FixedClock

from ..factories import france, register
from .authenticator import SoftAuthenticator

RP = RelyingParty(id="rempart.example", origin="https://rempart.example")


@pytest.fixture
def account(sqlite_platform: Platform) -> tuple[Platform, uuid.UUID]:
    world = france(30)
    register(sqlite_platform, world)
    admin = Actor(account_id=uuid.uuid4(), role=Role.PLATFORM_ADMIN)
    account_id = request_account(
        uow=sqlite_platform.uow(),
        actor=admin,
        request=AccountRequest(
            Role.INSURER_STAFF, "agent@amc.example", amc_number=world.insurers[0].amc_number
        ),
    )
    return sqlite_platform, account_id


def enrol(platform: Platform, account_id: uuid.UUID, key: SoftAuthenticator) -> None:
    options = begin_registration(uow=platform.uow(), rp=RP, account_id=account_id)
    assert json.loads(options)["authenticatorSelection"]["userVerification"] == "required"
    finish_registration(
        uow=platform.uow(),
        rp=RP,
        account_id=account_id,
        credential=key.create(options, origin=RP.origin),
    )


def sign_in(platform: Platform, account_id: uuid.UUID, key: SoftAuthenticator, **kw: str) -> None:
    options = begin_authentication(uow=platform.uow(), rp=RP, account_id=account_id)
    credential = key.get(options, origin=kw.get("origin", RP.origin), rp_id=kw.get("rp_id"))
    finish_authentication(uow=platform.uow(), rp=RP, account_id=account_id, credential=credential)


def test_register_then_sign_in(account: tuple[Platform, uuid.UUID]) -> None:
    platform, account_id = account
    key = SoftAuthenticator()
    enrol(platform, account_id, key)
    sign_in(platform, account_id, key)
    sign_in(platform, account_id, key)
    with platform.uow() as uow:
        stored = uow.session.scalars(select(PasskeyRow)).one()
        assert stored.sign_count == 2
    owner = Actor(account_id=account_id, role=Role.INSURER_STAFF)
    assert SecurityTag.PASSKEY_ADDED in {
        e.tag for e in security_history(uow=platform.uow(), actor=owner)
    }


def test_a_look_alike_site_gets_nothing(account: tuple[Platform, uuid.UUID]) -> None:
    platform, account_id = account
    key = SoftAuthenticator()
    enrol(platform, account_id, key)
    with pytest.raises(PasskeyRefused):
        sign_in(platform, account_id, key, origin="https://rempart-secure.example")
    with pytest.raises(PasskeyRefused):
        sign_in(platform, account_id, key, rp_id="rempart-secure.example")


def test_user_verification_is_required(account: tuple[Platform, uuid.UUID]) -> None:
    platform, account_id = account
    lazy = SoftAuthenticator(user_verifies=False)
    options = begin_registration(uow=platform.uow(), rp=RP, account_id=account_id)
    with pytest.raises(PasskeyRefused):
        finish_registration(
            uow=platform.uow(),
            rp=RP,
            account_id=account_id,
            credential=lazy.create(options, origin=RP.origin),
        )


def test_a_replayed_assertion_and_a_cloned_key_are_refused(
    account: tuple[Platform, uuid.UUID],
) -> None:
    platform, account_id = account
    key = SoftAuthenticator()
    enrol(platform, account_id, key)
    options = begin_authentication(uow=platform.uow(), rp=RP, account_id=account_id)
    assertion = key.get(options, origin=RP.origin)
    finish_authentication(uow=platform.uow(), rp=RP, account_id=account_id, credential=assertion)
    with pytest.raises(PasskeyRefused, match="no such ceremony is pending"):
        finish_authentication(
            uow=platform.uow(), rp=RP, account_id=account_id, credential=assertion
        )
    key.sign_count = 0  # a copy of the key that has not kept up with the counter
    with pytest.raises(PasskeyRefused):
        sign_in(platform, account_id, key)


def test_an_expired_ceremony_and_a_stranger_key_are_refused(
    account: tuple[Platform, uuid.UUID],
) -> None:
    platform, account_id = account
    key = SoftAuthenticator()
    enrol(platform, account_id, key)
    options = begin_authentication(uow=platform.uow(), rp=RP, account_id=account_id)
    clock = platform.clock
    assert isinstance(clock, FixedClock)
    clock.set(clock.now() + timedelta(minutes=6))
    with pytest.raises(PasskeyRefused, match="expired"):
        finish_authentication(
            uow=platform.uow(),
            rp=RP,
            account_id=account_id,
            credential=key.get(options, origin=RP.origin),
        )
    with pytest.raises(PasskeyRefused, match="not registered"):
        sign_in(platform, account_id, SoftAuthenticator())
    with pytest.raises(PasskeyRefused, match="malformed"):
        finish_authentication(uow=platform.uow(), rp=RP, account_id=account_id, credential="{}")


def test_ceremonies_do_not_void_each_other_nor_serve_another_account(
    account: tuple[Platform, uuid.UUID],
) -> None:
    """Anyone may ask for sign-in options for anyone's login: that must neither cancel the
    person's own ceremony nor yield a challenge usable for their account."""
    platform, account_id = account
    key = SoftAuthenticator()
    enrol(platform, account_id, key)
    mine = begin_authentication(uow=platform.uow(), rp=RP, account_id=account_id)
    begin_authentication(uow=platform.uow(), rp=RP, account_id=account_id)  # someone else's
    decoy = begin_authentication(uow=platform.uow(), rp=RP, account_id=None)
    assert json.loads(decoy).keys() == json.loads(mine).keys()
    assert json.loads(mine)["allowCredentials"] == []
    with pytest.raises(PasskeyRefused, match="no such ceremony"):
        finish_authentication(
            uow=platform.uow(),
            rp=RP,
            account_id=account_id,
            credential=key.get(decoy, origin=RP.origin),
        )
    finish_authentication(
        uow=platform.uow(), rp=RP, account_id=account_id, credential=key.get(mine, origin=RP.origin)
    )
