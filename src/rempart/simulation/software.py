"""Counter software in the range, and the `stolen-client-key` scenario.

A pharmacy's counter software is an OAuth client of the pharmacy (`identity.clients`):
a key pair registered by the owner and approved by a platform administrator. Each call
goes through identity's real software authentication: a DPoP-bound access token from
the token endpoint's use case (`issue_access_token`, a `private_key_jwt` assertion
signed with the client's key and a DPoP proof signed with the installation's own DPoP
key), kept until it expires, then `authenticate_client_call` with a fresh DPoP proof and
the acting pharmacist's RPPS. Only HTTP is left out: the headers are built and handed to
the use cases as the routes would.

At the step-up rung the software asks for a code (`request_step_up`) and the pharmacist,
signed in to the portal with their passkey beside the counter, types it
(`confirm_step_up`): for a while that installation (its DPoP key) acting for that
pharmacist passes the rung.

The thief holds a copy of the client's private key (taken from the pharmacy's server)
but not the installation's DPoP key, which never leaves the counter: it makes its own,
calls from its own address as one of the pharmacy's pharmacists, and scrapes the leaked
list at the replay's pace. At the rung it asks for codes too; nobody confirms them (this
scenario's pharmacist is not scammed)."""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from rempart.audit.context import RequestContext, serving
from rempart.identity.client_auth import (
    ASSERTION_TYPE,
    GRANT_TYPE,
    TOKEN_TYPE,
    authenticate_client_call,
    issue_access_token,
)
from rempart.identity.client_errors import (
    ActingProfessionalRefused,
    ClientAuthRefused,
    TokenRequestRefused,
)
from rempart.identity.client_step_up import (
    STEP_UP_REQUEST_PATH,
    ConfirmedClient,
    StepUpCode,
    confirm_step_up,
    request_step_up,
)
from rempart.identity.clients import approve_client, register_client
from rempart.identity.dpop import PROOF_TYPE
from rempart.identity.permissions import Actor, Role
from rempart.kernel.errors import DomainError, RateLimited
from rempart.registry.domain import BeneficiaryStatement, Profession, StructureKind
from rempart.shield.domain import ChannelClosed, Suspended
from rempart.simulation.attacks import RETRY_CLOSED_S, Pace, Scraper, leaked_list
from rempart.simulation.timeline import Timeline
from rempart.simulation.workload import Counter, Workload
from rempart.simulation.world import (
    ATTACKER_ADDRESS,
    Person,
    Professional,
    Site,
    World,
    platform_actor,
)

# What the routes would build from the configured public origin: the proofs' `htu`.
ORIGIN = "https://rempart.example"
TOKEN_URL = f"{ORIGIN}/api/v1/oauth/token"
CHECKS_URL = f"{ORIGIN}/api/v1/rights/checks"
STEP_UP_URL = ORIGIN + STEP_UP_REQUEST_PATH
CLIENT_NAME = "LGO Officine 7.3"
THIEF_ADDRESS = ATTACKER_ADDRESS.format(70)
# Software call refusals that mean the door is shut for good in the range (revoked
# client, suspended acting professional): nothing the caller does reopens it.
SHUT = (ClientAuthRefused, ActingProfessionalRefused, TokenRequestRefused)


class KeyPair:
    """A P-256 key pair signing ES256 JWTs, as an integrator's library would."""

    def __init__(self) -> None:
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.public_jwk: dict[str, Any] = jwt.algorithms.ECAlgorithm.to_jwk(
            self.private.public_key(), as_dict=True
        )

    def sign(self, claims: dict[str, Any], **headers: Any) -> str:
        return jwt.encode(claims, self.private, algorithm="ES256", headers=headers or None)

    def assertion(self, client_id: uuid.UUID, now: datetime) -> str:
        """A `private_key_jwt` client assertion for the token endpoint (RFC 7523)."""
        at = int(now.timestamp())
        return self.sign(
            {
                "iss": str(client_id),
                "sub": str(client_id),
                "aud": TOKEN_URL,
                "jti": uuid.uuid4().hex,
                "iat": at,
                "exp": at + 120,
            }
        )

    def proof(self, url: str, now: datetime, access_token: str | None = None) -> str:
        """A DPoP proof of a POST to `url` (RFC 9449), bound to the token when given."""
        claims: dict[str, Any] = {
            "jti": uuid.uuid4().hex,
            "htm": "POST",
            "htu": url,
            "iat": int(now.timestamp()),
        }
        if access_token is not None:
            digest = hashlib.sha256(access_token.encode("ascii")).digest()
            claims["ath"] = jwt.utils.base64url_encode(digest).decode()
        return self.sign(claims, typ=PROOF_TYPE, jwk=self.public_jwk)


class Software:
    """One installation holding the client's key and a DPoP key of its own; the access
    token it was issued, reused until it expires. Calls run in the caller's request
    context (its address)."""

    def __init__(
        self,
        world: World,
        client_id: uuid.UUID,
        client_key: KeyPair,
        dpop: KeyPair | None = None,
    ) -> None:
        self.world, self.client_id, self.client_key = world, client_id, client_key
        self.dpop = dpop or KeyPair()  # made at installation; never leaves it
        self.token: str | None = None
        self.expires_at: datetime | None = None
        self.tokens = 0  # tokens issued

    def _access_token(self) -> str:
        now = self.world.clock.now()
        if self.token is None or self.expires_at is None or now >= self.expires_at:
            issued = issue_access_token(
                uow=self.world.platform.uow(),
                token_endpoint_url=TOKEN_URL,
                client_assertion=self.client_key.assertion(self.client_id, now),
                client_assertion_type=ASSERTION_TYPE,
                grant_type=GRANT_TYPE,
                dpop_proof=self.dpop.proof(TOKEN_URL, now),
            )
            self.token = issued.access_token
            self.expires_at = now + timedelta(seconds=issued.expires_in)
            self.tokens += 1
        return self.token

    def actor(self, rpps: str, url: str = CHECKS_URL) -> Actor:
        """The actor of one call to `url` acting for `rpps` (raises what the route
        would answer 401/403 for)."""
        token = self._access_token()
        return authenticate_client_call(
            uow=self.world.platform.uow(),
            authorization=f"{TOKEN_TYPE} {token}",
            dpop=self.dpop.proof(url, self.world.clock.now(), token),
            method="POST",
            url=url,
            acting_rpps=rpps,
        )

    def ask_step_up(self, rpps: str) -> StepUpCode:
        return request_step_up(
            uow=self.world.platform.uow(),
            actor=self.actor(rpps, STEP_UP_URL),
            shield=self.world.shield,
        )


class SoftwareCounter(Counter):
    """A pharmacist at the counter, working through the pharmacy's software: a fresh
    actor for every call; asked to step up (`fresh`), the software shows a code and the
    pharmacist confirms it in the portal after signing in with their passkey."""

    def __init__(
        self, world: World, professional: Professional, site: Site, software: Software
    ) -> None:
        super().__init__(world, professional, site)
        self.software = software
        self.confirmations = 0

    def actor(self, now: datetime, *, fresh: bool = False) -> Actor | None:
        rpps = self.professional.rpps
        try:
            with serving(self.context):
                if fresh and not self._confirm(rpps):
                    return None
                return self.software.actor(rpps)
        except (*SHUT, RateLimited, Suspended, ChannelClosed):
            # The workload reads None as a closed door: a refused software call (revoked
            # client, suspended professional) ends the counter's day on the platform;
            # a step-up that could not be confirmed (a quota on the code, a suspension
            # meanwhile) gives up the check at hand.
            return None

    def _confirm(self, rpps: str) -> bool:
        code = self.software.ask_step_up(rpps)
        _, person = self.world.sign_in(self.professional.account_id, self.context)
        if person is None:
            return False
        try:
            confirmed = confirm_step_up(
                uow=self.world.platform.uow(),
                actor=person,
                shield=self.world.shield,
                user_code=code.user_code,
            )
        except DomainError:
            return False
        if not isinstance(confirmed, ConfirmedClient):
            return False  # asked from another network: not the pharmacy's own software
        self.confirmations += 1
        return True


@dataclass(frozen=True)
class Installation:
    """A pharmacy's counter software: the site, its approved client and the client's
    private key (on the pharmacy's server, where a thief may copy it)."""

    site: Site
    client_id: uuid.UUID
    key: KeyPair
    dpop: KeyPair  # the installation's own DPoP key, kept across restarts


def install_software(world: World, rng: random.Random) -> tuple[Installation, ...]:
    """`software_pharmacies` of the working pharmacies that could register software,
    drawn with `rng`, each registered by its owner and approved before the first day."""
    equipped = equipped_pharmacies(world)
    chosen = rng.sample(equipped, min(world.params.software_pharmacies, len(equipped)))
    return tuple(
        Installation(site, *register_software(world, site), dpop=KeyPair()) for site in chosen
    )


def equip(
    workload: Workload, installations: Sequence[Installation]
) -> list[tuple[Site, Software, list[SoftwareCounter]]]:
    """The counters of `workload`'s sites that have an installation work through it
    from now on, in `workload`'s world (a fork's software gets its tokens there)."""
    equipped = []
    for installed in installations:
        if installed.site in workload.sites:
            software = Software(workload.world, installed.client_id, installed.key, installed.dpop)
            counters = [
                SoftwareCounter(workload.world, p, installed.site, software)
                for p in installed.site.staff
            ]
            for counter in counters:
                workload.counters[counter.professional.account_id] = counter
                workload.ledger.through_software.add(counter.professional.account_id)
            equipped.append((installed.site, software, counters))
    return equipped


def clients_of(installations: Sequence[Installation]) -> dict[str, str]:
    """Client id -> its pharmacy's FINESS: whose days a containment of the client
    disrupts (`runner.contained_days`)."""
    return {str(installed.client_id): installed.site.finess for installed in installations}


class KeyThief(Scraper):
    """A copy of a pharmacy's client key in an attacker's hands, acting as one of its
    pharmacists from the attacker's address with a DPoP key of its own. Its figures are
    the client's (`stats.account_id` is the client id: the shield's subject)."""

    def __init__(
        self,
        world: World,
        timeline: Timeline,
        rng: random.Random,
        account: Professional,
        cards: Iterator[BeneficiaryStatement],
        *,
        client_id: uuid.UUID,
        client_key: KeyPair,
        address: str,
        pace: Pace,
        until: datetime,
    ) -> None:
        super().__init__(
            world, timeline, rng, account, cards, address=address, pace=pace, until=until
        )
        self.software = Software(world, client_id, client_key)
        self.stats.account_id = client_id
        self.refused_how = "software call refused: client revoked or professional suspended"
        self.codes_asked = 0
        self.first_step_up: datetime | None = None

    def _actor(self) -> Actor | None:
        try:
            with serving(self.context):
                return self.software.actor(self.account.rpps)
        except SHUT:
            return None

    def _step_up(self) -> None:
        """It asks for a code, as the software must; nobody types it. It tries the
        lookup again a minute later, in case someone did."""
        now = self.timeline.now
        if self.first_step_up is None:
            self.first_step_up = now
        try:
            with serving(self.context):
                self.software.ask_step_up(self.account.rpps)
        except RateLimited as refusal:
            self._again(refusal.retry_after + self.rng.uniform(0, 1))
            return
        except (Suspended, ChannelClosed) as closed:
            self._stop("channel braked" if isinstance(closed, ChannelClosed) else "suspended")
            self._again(RETRY_CLOSED_S)
            return
        except SHUT:
            self._stop(self.refused_how)
            self.done = True
            return
        self.codes_asked += 1
        self._again(60)


def register_software(world: World, site: Site) -> tuple[uuid.UUID, KeyPair]:
    """The pharmacy's client: registered by its owner, approved by a platform
    administrator, through identity's use cases."""
    owner = next(p for p in site.staff if p.role is Role.STRUCTURE_ADMIN)
    key = KeyPair()
    policy = world.session_policy
    registrant = platform_actor(world.platform, Person(owner.account_id, owner.role), policy)
    with serving(RequestContext(request_id=None, address=site.address, user_agent=owner.device)):
        client_id = register_client(
            uow=world.platform.uow(),
            actor=registrant,
            finess=site.finess,
            name=CLIENT_NAME,
            public_jwk=key.public_jwk,
        )
    approver = platform_actor(world.platform, world.admins[0], policy)
    approve_client(uow=world.platform.uow(), actor=approver, client_id=client_id)
    return client_id, key


def equipped_pharmacies(world: World) -> list[Site]:
    """Pharmacies that could register software: an owner with an account, and
    pharmacists."""
    return [
        site
        for site in world.sites
        if site.kind is StructureKind.PHARMACY
        and any(p.role is Role.STRUCTURE_ADMIN for p in site.staff)
        and any(p.profession is Profession.PHARMACIST for p in site.staff)
    ]


def stolen_client_key(
    world: World,
    timeline: Timeline,
    rng: random.Random,
    start: datetime,
    installations: Sequence[Installation],
) -> tuple[KeyThief, Installation]:
    """The key of one of the pharmacies' software (drawn per seed; in use since the
    first day) in a thief's hands from `start`, as one of its pharmacists drawn per
    seed, at the replay's pace."""
    p = world.params
    if not installations:
        raise ValueError("stolen-client-key needs a pharmacy with software (software_pharmacies)")
    installed = rng.choice(list(installations))
    account = rng.choice([s for s in installed.site.staff if s.profession is Profession.PHARMACIST])
    thief = KeyThief(
        world,
        timeline,
        rng,
        account,
        leaked_list(world, rng),
        client_id=installed.client_id,
        client_key=installed.key,
        address=THIEF_ADDRESS,
        pace=Pace(uniform=p.replay_gap_s),
        until=start + timedelta(hours=p.replay_hours),
    )
    thief.start(start)
    return thief, installed


def software_figures(
    start: datetime,
    scrapers: Sequence[Scraper],
    equipped: Sequence[tuple[Site, Software, list[SoftwareCounter]]],
) -> dict[str, float]:
    """Either side of the software's step-up: when the thief first met the rung (-1:
    never) and what it had got by then, the lookups it got past it (0: the rung held),
    the codes it asked that nobody confirmed; the pharmacy's own confirmations and the
    access tokens its installation was issued."""
    thieves = [s for s in scrapers if isinstance(s, KeyThief)]
    if not thieves:
        return {}
    met = [t.first_step_up for t in thieves if t.first_step_up is not None]
    return {
        "thief_lookups_to_step_up": float(
            sum(
                1
                for t in thieves
                for at in t.stats.answered
                if t.first_step_up is None or at <= t.first_step_up
            )
        ),
        "thief_minutes_to_step_up": (
            round((max(met) - start).total_seconds() / 60, 1) if len(met) == len(thieves) else -1.0
        ),
        "thief_lookups_past_step_up": float(
            sum(
                1
                for t in thieves
                if t.first_step_up is not None
                for at in t.stats.answered
                if at > t.first_step_up
            )
        ),
        "thief_codes_asked": float(sum(t.codes_asked for t in thieves)),
        "pharmacy_confirmations": float(
            sum(c.confirmations for _, _, counters in equipped for c in counters)
        ),
        "pharmacy_tokens": float(sum(software.tokens for _, software, _ in equipped)),
    }
