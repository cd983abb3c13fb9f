"""Server-side sessions: hashed tokens, idle and absolute limits, own list and revoke,
all ended on suspension or a change of factor."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from rempart.bootstrap import Platform
from rempart.identity.actors import actor_for_session
from rempart.identity.domain import AccountRequest, AccountStatus
from rempart.identity.models import AccountRow, AccountStructureRow, SessionRow
from rempart.identity.passkeys import RelyingParty, begin_registration, finish_registration
from rempart.identity.permissions import Actor, Channel, Role, Strength
from rempart.identity.sealing import seal_login
from rempart.identity.service import request_account
from rempart.identity.sessions import (
    EndReason,
    Factor,
    SessionPolicy,
    end_all_sessions,
    list_sessions,
    open_session,
    resume_session,
    revoke_session,
)
from rempart.kernel.clock import FixedClock
from rempart.kernel.errors import NotFound
from rempart.kernel.ids import new_id

from ..factories import france, register
from .authenticator import SoftAuthenticator

POLICY = SessionPolicy()
RPPS = "10001234567"


@pytest.fixture
def people(sqlite_platform: Platform) -> tuple[Platform, Actor, Actor]:
    world = france(30)
    register(sqlite_platform, world)
    admin = Actor(account_id=uuid.uuid4(), role=Role.PLATFORM_ADMIN)
    ids = [
        request_account(
            uow=sqlite_platform.uow(),
            actor=admin,
            request=AccountRequest(
                Role.INSURER_STAFF, f"agent{i}@amc.example", amc_number=world.insurers[0].amc_number
            ),
        )
        for i in range(2)
    ]
    return (
        sqlite_platform,
        Actor(account_id=ids[0], role=Role.INSURER_STAFF),
        Actor(account_id=ids[1], role=Role.INSURER_STAFF),
    )


def clock_of(platform: Platform) -> FixedClock:
    clock = platform.clock
    assert isinstance(clock, FixedClock)
    return clock


def test_tokens_are_stored_hashed_and_resume_their_session(
    people: tuple[Platform, Actor, Actor],
) -> None:
    platform, alice, _ = people
    token = open_session(
        uow=platform.uow(), account_id=alice.account_id, factor=Factor.PASSKEY, policy=POLICY
    )
    with platform.uow() as uow:
        row = uow.session.scalars(select(SessionRow)).one()
        assert token.encode() not in row.token_hash
    live = resume_session(uow=platform.uow(), token=token, policy=POLICY)
    assert live is not None
    assert live.account_id == alice.account_id
    assert resume_session(uow=platform.uow(), token=token + "x", policy=POLICY) is None


def test_idle_and_absolute_limits(people: tuple[Platform, Actor, Actor]) -> None:
    platform, alice, _ = people
    clock = clock_of(platform)
    token = open_session(
        uow=platform.uow(), account_id=alice.account_id, factor=Factor.PASSKEY, policy=POLICY
    )
    opened, live = clock.now(), None
    for _ in range(60):  # active all day: the idle limit never bites...
        clock.set(clock.now() + timedelta(minutes=10))
        live = resume_session(uow=platform.uow(), token=token, policy=POLICY)
        if live is None:
            break
    assert clock.now() - opened >= POLICY.absolute
    # ...but the absolute limit (10 hours) does.
    assert live is None
    with platform.uow() as uow:
        assert uow.session.scalars(select(SessionRow.end_reason)).one() == EndReason.EXPIRED
    idle = open_session(
        uow=platform.uow(), account_id=alice.account_id, factor=Factor.PASSKEY, policy=POLICY
    )
    clock.set(clock.now() + timedelta(minutes=15))
    assert resume_session(uow=platform.uow(), token=idle, policy=POLICY) is None


def test_people_list_and_revoke_only_their_own_sessions(
    people: tuple[Platform, Actor, Actor],
) -> None:
    platform, alice, bob = people
    open_session(
        uow=platform.uow(), account_id=alice.account_id, factor=Factor.PASSKEY, policy=POLICY
    )
    bob_token = open_session(
        uow=platform.uow(), account_id=bob.account_id, factor=Factor.PASSKEY, policy=POLICY
    )
    (alices,) = list_sessions(uow=platform.uow(), actor=alice)
    (bobs,) = list_sessions(uow=platform.uow(), actor=bob)
    with pytest.raises(NotFound):
        revoke_session(uow=platform.uow(), actor=alice, session_id=bobs.id)
    assert resume_session(uow=platform.uow(), token=bob_token, policy=POLICY) is not None
    revoke_session(uow=platform.uow(), actor=alice, session_id=alices.id)
    assert list_sessions(uow=platform.uow(), actor=alice) == []


def test_suspension_and_a_new_passkey_end_every_session(
    people: tuple[Platform, Actor, Actor],
) -> None:
    platform, alice, _ = people
    tokens = [
        open_session(
            uow=platform.uow(), account_id=alice.account_id, factor=Factor.PASSKEY, policy=POLICY
        )
        for _ in range(3)
    ]
    assert (
        end_all_sessions(
            uow=platform.uow(), account_id=alice.account_id, reason=EndReason.SUSPENDED
        )
        == 3
    )
    assert all(resume_session(uow=platform.uow(), token=t, policy=POLICY) is None for t in tokens)
    token = open_session(
        uow=platform.uow(), account_id=alice.account_id, factor=Factor.PASSKEY, policy=POLICY
    )
    rp = RelyingParty(id="rempart.example", origin="https://rempart.example")
    options = begin_registration(uow=platform.uow(), rp=rp, account_id=alice.account_id)
    finish_registration(
        uow=platform.uow(),
        rp=rp,
        account_id=alice.account_id,
        credential=SoftAuthenticator().create(options, origin=rp.origin),
    )
    assert resume_session(uow=platform.uow(), token=token, policy=POLICY) is None


def test_the_idle_clock_is_written_at_most_once_a_minute(
    people: tuple[Platform, Actor, Actor],
) -> None:
    platform, alice, _ = people
    clock = clock_of(platform)
    token = open_session(
        uow=platform.uow(), account_id=alice.account_id, factor=Factor.PASSKEY, policy=POLICY
    )
    opened = clock.now()

    def last_seen() -> object:
        with platform.uow() as uow:
            return uow.session.scalars(select(SessionRow.last_seen_at)).one()

    clock.set(opened + timedelta(seconds=30))
    assert resume_session(uow=platform.uow(), token=token, policy=POLICY) is not None
    assert last_seen() == opened  # a read stays a read
    clock.set(opened + timedelta(seconds=61))
    assert resume_session(uow=platform.uow(), token=token, policy=POLICY) is not None
    assert last_seen() == opened + timedelta(seconds=61)
    # Idle counts from the last written touch: at most a minute more than the limit.
    clock.set(opened + timedelta(seconds=61) + POLICY.idle)
    assert resume_session(uow=platform.uow(), token=token, policy=POLICY) is None


def professional(platform: Platform, finess: tuple[str, ...], rpps: str = RPPS) -> uuid.UUID:
    account_id = new_id()
    with platform.uow() as uow:
        now = uow.clock.now()
        uow.session.add(
            AccountRow(
                id=account_id,
                role=Role.PROFESSIONAL,
                status=AccountStatus.ACTIVE,
                is_new=False,
                rpps=rpps,
                amc_number=None,
                beneficiary_id=None,
                requested_by=None,
                approved_by=None,
                created_at=now,
                approved_at=now,
                **seal_login(uow.vault, f"pro{account_id.hex}@example.org", account_id),
            )
        )
        uow.session.flush()
        uow.session.add_all(AccountStructureRow(account_id=account_id, finess=f) for f in finess)
        uow.commit()
    return account_id


def test_a_session_resolves_to_its_actor_with_every_structure(sqlite_platform: Platform) -> None:
    platform = sqlite_platform
    two = professional(platform, ("750000001", "750000002"))
    none = professional(platform, (), rpps="10009876543")
    for account_id, rpps, factor, structures, strength in (
        (two, RPPS, Factor.PASSKEY, {"750000001", "750000002"}, Strength.PHISHING_RESISTANT),
        (none, "10009876543", Factor.TOTP, set(), Strength.PHISHABLE),
    ):
        token = open_session(
            uow=platform.uow(), account_id=account_id, factor=factor, policy=POLICY
        )
        actor = actor_for_session(uow=platform.uow(), token=token, policy=POLICY)
        assert actor is not None
        assert (actor.account_id, actor.role, actor.rpps) == (
            account_id,
            Role.PROFESSIONAL,
            rpps,
        )
        assert (actor.structures, actor.strength, actor.channel) == (
            structures,
            strength,
            Channel.PORTAL,
        )
        live = resume_session(uow=platform.uow(), token=token, policy=POLICY)
        assert live is not None
        assert actor.session_id == live.id
        assert actor_for_session(uow=platform.uow(), token=token + "x", policy=POLICY) is None


def test_a_suspended_account_opens_nothing_and_its_sessions_end(
    sqlite_platform: Platform,
) -> None:
    platform = sqlite_platform
    account_id = professional(platform, ("750000001",))
    token = open_session(
        uow=platform.uow(), account_id=account_id, factor=Factor.PASSKEY, policy=POLICY
    )
    with platform.uow() as uow:
        uow.session.get_one(AccountRow, account_id).status = AccountStatus.SUSPENDED
        uow.commit()
    assert actor_for_session(uow=platform.uow(), token=token, policy=POLICY) is None
    with platform.uow() as uow:
        row = uow.session.scalars(select(SessionRow)).one()
        assert row.end_reason == EndReason.SUSPENDED


def test_an_idle_session_resolves_to_no_actor(sqlite_platform: Platform) -> None:
    platform = sqlite_platform
    account_id = professional(platform, ("750000001",))
    token = open_session(
        uow=platform.uow(), account_id=account_id, factor=Factor.PASSKEY, policy=POLICY
    )
    clock = clock_of(platform)
    clock.set(clock.now() + POLICY.idle)
    assert actor_for_session(uow=platform.uow(), token=token, policy=POLICY) is None
    with platform.uow() as uow:
        assert uow.session.scalars(select(SessionRow.end_reason)).one() == EndReason.IDLE
