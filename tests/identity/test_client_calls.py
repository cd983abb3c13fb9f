"""Resource calls by software clients: `Authorization: DPoP <token>` with a fresh proof
bound to the token's key and to the token itself, for a named professional of the
client's structure. Every other combination is refused."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest

from rempart.bootstrap import Platform
from rempart.identity.client_auth import authenticate_client_call
from rempart.identity.client_errors import (
    ActingProfessionalRefused,
    ClientAuthRefused,
    InvalidClient,
    InvalidDpopProof,
    InvalidToken,
)
from rempart.identity.clients import revoke_client
from rempart.identity.permissions import Actor, Channel, Role, Strength
from rempart.kernel.clock import FixedClock

from .clientkit import RESOURCE_URL, Key
from .clientworld import World, build_world


@pytest.fixture
def world(platform: Platform) -> World:
    return build_world(platform)


class Caller:
    """A client holding a token and the DPoP key it is bound to."""

    def __init__(self, world: World, finess: str | None = None) -> None:
        self.world = world
        self.client_id, self.client_key = world.active_client(finess=finess)
        self.dpop_key = Key()
        self.token = world.token(self.client_id, self.client_key, self.dpop_key).access_token

    def proof(self, method: str = "GET", url: str = RESOURCE_URL, **overrides: object) -> str:
        now = self.world.platform.clock.now()
        return self.dpop_key.proof(method, url, now=now, access_token=self.token, **overrides)

    def call(self, *, rpps: str | None = None, **changes: object) -> Actor:
        arguments: dict[str, object] = {
            "authorization": f"DPoP {self.token}",
            "dpop": self.proof(),
            "method": "GET",
            "url": RESOURCE_URL + "?page=2",
            "acting_rpps": rpps or self.world.member_rpps,
        }
        arguments.update(changes)
        return authenticate_client_call(uow=self.world.platform.uow(), **arguments)  # type: ignore[arg-type]


def test_a_good_call_gives_the_actor(world: World, clock: FixedClock) -> None:
    caller = Caller(world)
    issued_at = clock.now()
    clock.set(issued_at + timedelta(minutes=2))
    assert caller.call() == Actor(
        account_id=caller.client_id,
        role=Role.PROFESSIONAL,
        structures=frozenset({world.finess}),
        channel=Channel.API,
        strength=Strength.PHISHING_RESISTANT,
        authenticated_at=issued_at,
        rpps=world.member_rpps,
        client_id=caller.client_id,
        dpop_jkt=caller.dpop_key.thumbprint(),
    )


def test_a_replayed_dpop_proof_is_refused(world: World) -> None:
    caller = Caller(world)
    proof = caller.proof()
    caller.call(dpop=proof)
    with pytest.raises(InvalidDpopProof, match="already used"):
        caller.call(dpop=proof)


def test_a_token_from_another_client_is_refused(world: World) -> None:
    mine, theirs = Caller(world), Caller(world, finess=world.other_finess)
    # Their token, with a proof from my key (bound to their token): the keys differ.
    stolen = mine.dpop_key.proof(
        "GET", RESOURCE_URL, now=world.platform.clock.now(), access_token=theirs.token
    )
    with pytest.raises(InvalidDpopProof, match="another key"):
        mine.call(authorization=f"DPoP {theirs.token}", dpop=stolen)
    # My token with their proof (bound to their token): the ath does not match.
    with pytest.raises(InvalidDpopProof, match="ath"):
        mine.call(dpop=theirs.proof())


def test_the_token_must_come_with_the_dpop_scheme(world: World) -> None:
    caller = Caller(world)
    for authorization in (f"Bearer {caller.token}", None, "", "DPoP", "DPoP unknown-token"):
        with pytest.raises(InvalidToken):
            caller.call(authorization=authorization)


def test_the_proof_must_match_the_request(world: World) -> None:
    caller = Caller(world)
    faults = {
        "missing": None,
        "method": caller.proof(method="POST"),
        "uri": caller.proof(url=RESOURCE_URL + "/other"),
        "no ath": caller.dpop_key.proof("GET", RESOURCE_URL, now=world.platform.clock.now()),
        "old": caller.proof(
            iat=int((world.platform.clock.now() - timedelta(minutes=2)).timestamp())
        ),
        "typ": caller.proof(typ="JWT"),
    }
    for proof in faults.values():
        with pytest.raises(InvalidDpopProof):
            caller.call(dpop=proof)
    caller.call()  # none of the refusals spent anything


def test_an_expired_token_is_refused(world: World, clock: FixedClock) -> None:
    caller = Caller(world)
    clock.set(clock.now() + timedelta(minutes=5))
    with pytest.raises(InvalidToken, match="expired"):
        caller.call()


def test_a_revoked_clients_token_is_refused(world: World) -> None:
    caller = Caller(world)
    caller.call()
    revoke_client(uow=world.platform.uow(), actor=world.approver, client_id=caller.client_id)
    with pytest.raises(ClientAuthRefused) as refused:
        caller.call()
    assert isinstance(refused.value, InvalidToken | InvalidClient)


def test_the_acting_professional_must_belong_to_the_structure(world: World) -> None:
    caller = Caller(world)
    for rpps in (world.outsider_rpps, "12345678901", "", "not-an-rpps"):
        proof = caller.proof()
        with pytest.raises(ActingProfessionalRefused):
            caller.call(dpop=proof, acting_rpps=rpps)
        # The refused proof is spent: it cannot be retried with another RPPS.
        with pytest.raises(InvalidDpopProof, match="already used"):
            caller.call(dpop=proof)


def test_a_proof_raced_twice_is_accepted_once(world: World) -> None:
    caller = Caller(world)
    proof = caller.proof()
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def present() -> None:
        barrier.wait()
        try:
            outcomes.append(caller.call(dpop=proof))
        except InvalidDpopProof as refused:
            outcomes.append(refused)

    threads = [threading.Thread(target=present) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(type(o).__name__ for o in outcomes) == ["Actor", "InvalidDpopProof"]
    assert all(o.client_id == caller.client_id for o in outcomes if isinstance(o, Actor))
    assert uuid.UUID(str(caller.client_id))
