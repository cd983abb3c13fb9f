"""Software clients: registration by the structure's administrator, approval by a second
person, revocation; tokens for active clients only, against a single-use client assertion
(RFC 7523) and a single-use DPoP proof (RFC 9449)."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from rempart.bootstrap import Platform
from rempart.identity.client_auth import issue_access_token, purge_expired
from rempart.identity.client_errors import TokenRequestRefused
from rempart.identity.client_models import ClientRow, ClientTokenRow
from rempart.identity.clients import approve_client, register_client, revoke_client
from rempart.identity.domain import ClientStatus, SecurityTag
from rempart.identity.jwk import KeyRefused
from rempart.identity.permissions import Actor, Role
from rempart.identity.service import security_history
from rempart.kernel.clock import FixedClock
from rempart.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from rempart.kernel.identifiers import luhn_check_digit

from .clientkit import TOKEN_URL, Key, token_request
from .clientworld import World, build_world

UNKNOWN_FINESS = "75000000" + luhn_check_digit("75000000")


@pytest.fixture
def world(platform: Platform) -> World:
    return build_world(platform)


def register(world: World, actor: Actor, key: Key, finess: str | None = None) -> uuid.UUID:
    return register_client(
        uow=world.platform.uow(),
        actor=actor,
        finess=finess or world.finess,
        name="Officine Logiciel",
        public_jwk=key.public_jwk,
    )


def test_only_the_structure_administrator_registers_a_client(world: World) -> None:
    key = Key()
    for stranger in (
        world.other_structure_admin,
        world.approver,
        Actor(
            account_id=world.structure_admin.account_id,
            role=Role.PROFESSIONAL,
            structures=frozenset({world.finess}),
        ),
    ):
        with pytest.raises(Forbidden):
            register(world, stranger, key)
    own_unknown = Actor(
        account_id=world.structure_admin.account_id,
        role=Role.STRUCTURE_ADMIN,
        structures=frozenset({UNKNOWN_FINESS}),
    )
    with pytest.raises(InvalidInput, match="not a registered structure"):
        register(world, own_unknown, key, UNKNOWN_FINESS)
    with world.platform.uow() as uow:
        assert uow.session.scalars(select(ClientRow)).all() == []


def test_private_key_material_is_refused_and_keys_are_not_shared(world: World) -> None:
    key = Key()
    with pytest.raises(KeyRefused, match="private"):
        register_client(
            uow=world.platform.uow(),
            actor=world.structure_admin,
            finess=world.finess,
            name="Officine",
            public_jwk=key.private_jwk(),
        )
    client_id = register(world, world.structure_admin, key)
    with world.platform.uow() as uow:
        row = uow.session.get_one(ClientRow, client_id)
        assert row.status == ClientStatus.PENDING_APPROVAL
        assert set(json.loads(row.public_jwk)) == {"kty", "crv", "x", "y"}
        assert row.jwk_thumbprint == key.thumbprint()
    with pytest.raises(Conflict, match="already registered"):
        register(world, world.structure_admin, key)
    with pytest.raises(InvalidInput, match="name"):
        register_client(
            uow=world.platform.uow(),
            actor=world.structure_admin,
            finess=world.finess,
            name=" ",
            public_jwk=Key().public_jwk,
        )


def test_approval_takes_a_second_person(world: World) -> None:
    client_id = register(world, world.structure_admin, Key())
    with pytest.raises(Forbidden):
        approve_client(uow=world.platform.uow(), actor=world.structure_admin, client_id=client_id)
    # Even holding the approver's role, the registrant cannot approve their own client.
    same_person = Actor(account_id=world.structure_admin.account_id, role=Role.PLATFORM_ADMIN)
    with pytest.raises(Forbidden, match="second person"):
        approve_client(uow=world.platform.uow(), actor=same_person, client_id=client_id)
    approve_client(uow=world.platform.uow(), actor=world.approver, client_id=client_id)
    with world.platform.uow() as uow:
        row = uow.session.get_one(ClientRow, client_id)
        assert (row.status, row.approved_by) == (ClientStatus.ACTIVE, world.approver.account_id)
    with pytest.raises(Conflict, match="not waiting"):
        approve_client(uow=world.platform.uow(), actor=world.second_approver, client_id=client_id)
    registered = security_history(uow=world.platform.uow(), actor=world.structure_admin)
    approved = security_history(uow=world.platform.uow(), actor=world.approver)
    assert SecurityTag.CLIENT_REGISTERED in {e.tag for e in registered}
    assert SecurityTag.CLIENT_APPROVED in {e.tag for e in approved}


def test_people_without_an_account_cannot_manage_clients(world: World) -> None:
    client_id = register(world, world.structure_admin, Key())
    nobody = Actor(account_id=uuid.uuid4(), role=Role.PLATFORM_ADMIN)
    with pytest.raises(Forbidden, match="account"):
        approve_client(uow=world.platform.uow(), actor=nobody, client_id=client_id)
    with pytest.raises(NotFound):
        approve_client(uow=world.platform.uow(), actor=world.approver, client_id=uuid.uuid4())


def test_a_pending_client_gets_no_token(world: World, clock: FixedClock) -> None:
    key = Key()
    client_id = register(world, world.structure_admin, key)
    with pytest.raises(TokenRequestRefused) as refused:
        issue_access_token(
            uow=world.platform.uow(), **token_request(client_id, key, Key(), clock.now())
        )
    assert (refused.value.error, refused.value.status) == ("invalid_client", 401)


def test_an_active_client_gets_a_short_lived_token_stored_hashed(world: World) -> None:
    client_id, key = world.active_client()
    dpop_key = Key("ed25519")
    issued = world.token(client_id, key, dpop_key)
    assert (issued.token_type, issued.expires_in) == ("DPoP", 300)
    assert len(issued.access_token) >= 43
    assert issued.access_token not in repr(issued)
    with world.platform.uow() as uow:
        row = uow.session.scalars(select(ClientTokenRow)).one()
        assert row.token_hash == hashlib.sha256(issued.access_token.encode()).digest()
        assert row.jkt == dpop_key.thumbprint()
        assert row.expires_at - row.issued_at == timedelta(minutes=5)


def test_each_client_assertion_fault_is_refused(world: World, clock: FixedClock) -> None:
    client_id, key = world.active_client()
    now = clock.now()
    stamp = int(now.timestamp())
    faults = {
        "wrong aud": key.assertion(client_id, now=now, aud="https://other.example/token"),
        "expired": key.assertion(client_id, now=now, exp=stamp - 1),
        "exp too far": key.assertion(client_id, now=now, exp=stamp + 3600),
        "no exp": key.assertion(client_id, now=now, exp=None),
        "no jti": key.assertion(client_id, now=now, jti=None),
        "iat in the future": key.assertion(client_id, now=now, iat=stamp + 600),
        "sub differs": key.assertion(client_id, now=now, sub="someone"),
        "another key": Key().assertion(client_id, now=now),
        "unknown client": key.assertion("0190a000-0000-7000-8000-000000000000", now=now),
        "not a uuid": key.assertion("client-1", now=now),
        "garbage": "not.a.jwt",
    }
    for reason, assertion in faults.items():
        request = token_request(client_id, key, Key(), now) | {"client_assertion": assertion}
        with pytest.raises(TokenRequestRefused) as refused:
            issue_access_token(uow=world.platform.uow(), **request)
        assert refused.value.error == "invalid_client", reason
    # Unknown client and wrong key read exactly alike.
    messages = set()
    for assertion in (faults["another key"], faults["unknown client"]):
        request = token_request(client_id, key, Key(), now) | {"client_assertion": assertion}
        with pytest.raises(TokenRequestRefused) as refused:
            issue_access_token(uow=world.platform.uow(), **request)
        messages.add(refused.value.message)
    assert len(messages) == 1
    with world.platform.uow() as uow:
        assert uow.session.scalars(select(ClientTokenRow)).all() == []


def test_a_replayed_assertion_is_refused(world: World, clock: FixedClock) -> None:
    client_id, key = world.active_client()
    request = token_request(client_id, key, Key(), clock.now())
    issue_access_token(uow=world.platform.uow(), **request)
    request["dpop_proof"] = Key().proof("POST", TOKEN_URL, now=clock.now())
    with pytest.raises(TokenRequestRefused, match="already used") as refused:
        issue_access_token(uow=world.platform.uow(), **request)
    assert refused.value.error == "invalid_client"


def test_a_replayed_dpop_proof_is_refused_at_the_token_endpoint(
    world: World, clock: FixedClock
) -> None:
    client_id, key = world.active_client()
    request = token_request(client_id, key, Key(), clock.now())
    issue_access_token(uow=world.platform.uow(), **request)
    request["client_assertion"] = key.assertion(client_id, now=clock.now())
    with pytest.raises(TokenRequestRefused, match="already used") as refused:
        issue_access_token(uow=world.platform.uow(), **request)
    assert (refused.value.error, refused.value.status) == ("invalid_dpop_proof", 400)


def test_the_token_request_itself_is_checked(world: World, clock: FixedClock) -> None:
    client_id, key = world.active_client()
    now = clock.now()
    faults: dict[str, dict[str, Any]] = {
        "unsupported_grant_type": {"grant_type": "password"},
        "invalid_client": {"client_assertion_type": "urn:other"},
        "invalid_dpop_proof": {"dpop_proof": None},
    }
    for error, change in faults.items():
        request = token_request(client_id, key, Key(), now) | change
        with pytest.raises(TokenRequestRefused) as refused:
            issue_access_token(uow=world.platform.uow(), **request)
        assert refused.value.error == error
    wrong_htu = Key().proof("POST", "https://rempart.example/other", now=now)
    request = token_request(client_id, key, Key(), now) | {"dpop_proof": wrong_htu}
    with pytest.raises(TokenRequestRefused, match="URI"):
        issue_access_token(uow=world.platform.uow(), **request)


def test_revocation(world: World, clock: FixedClock) -> None:
    client_id, key = world.active_client()
    with pytest.raises(NotFound):
        revoke_client(
            uow=world.platform.uow(), actor=world.other_structure_admin, client_id=client_id
        )
    with pytest.raises(Forbidden):
        revoke_client(
            uow=world.platform.uow(),
            actor=Actor(account_id=world.approver.account_id, role=Role.PROFESSIONAL),
            client_id=client_id,
        )
    world.token(client_id, key, Key())
    revoke_client(uow=world.platform.uow(), actor=world.structure_admin, client_id=client_id)
    with world.platform.uow() as uow:
        assert uow.session.get_one(ClientRow, client_id).status == ClientStatus.REVOKED
        assert all(t.revoked_at for t in uow.session.scalars(select(ClientTokenRow)))
    with pytest.raises(TokenRequestRefused):
        world.token(client_id, key, Key())
    with pytest.raises(Conflict, match="already revoked"):
        revoke_client(uow=world.platform.uow(), actor=world.approver, client_id=client_id)
    other_id, _ = world.active_client()
    revoke_client(uow=world.platform.uow(), actor=world.second_approver, client_id=other_id)
    tags = {e.tag for e in security_history(uow=world.platform.uow(), actor=world.structure_admin)}
    assert SecurityTag.CLIENT_REVOKED in tags


def test_expired_ids_and_tokens_are_purged(world: World, clock: FixedClock) -> None:
    client_id, key = world.active_client()
    world.token(client_id, key, Key())
    assert purge_expired(uow=world.platform.uow()) == 0
    clock.set(clock.now() + timedelta(minutes=10))
    assert purge_expired(uow=world.platform.uow()) == 3  # assertion jti, proof jti, token
