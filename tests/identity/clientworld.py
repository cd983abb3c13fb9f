"""A directory with structures and professionals, the people who manage software clients
(real accounts, since changes are recorded on them) and helpers to reach an active client."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from rempart.bootstrap import Platform
from rempart.identity.client_auth import IssuedToken, issue_access_token
from rempart.identity.clients import approve_client, register_client
from rempart.identity.domain import AccountRequest
from rempart.identity.permissions import Actor, Role
from rempart.identity.service import approve_account, request_account

from ..factories import france, register
from .clientkit import Key, token_request

_GHOST_A = Actor(account_id=uuid.uuid4(), role=Role.PLATFORM_ADMIN)
_GHOST_B = Actor(account_id=uuid.uuid4(), role=Role.PLATFORM_ADMIN)


@dataclass
class World:
    platform: Platform
    finess: str
    other_finess: str
    member_rpps: str
    outsider_rpps: str
    structure_admin: Actor
    other_structure_admin: Actor
    approver: Actor
    second_approver: Actor

    def active_client(
        self, key: Key | None = None, *, finess: str | None = None
    ) -> tuple[uuid.UUID, Key]:
        key = key or Key()
        registrant = self.structure_admin if finess is None else self.other_structure_admin
        client_id = register_client(
            uow=self.platform.uow(),
            actor=registrant,
            finess=finess or self.finess,
            name="Officine Logiciel 4.2",
            public_jwk=key.public_jwk,
        )
        approve_client(uow=self.platform.uow(), actor=self.approver, client_id=client_id)
        return client_id, key

    def token(self, client_id: uuid.UUID, client_key: Key, dpop_key: Key) -> IssuedToken:
        now = self.platform.clock.now()
        return issue_access_token(
            uow=self.platform.uow(), **token_request(client_id, client_key, dpop_key, now)
        )


def _account(platform: Platform, request: AccountRequest) -> uuid.UUID:
    account_id = request_account(uow=platform.uow(), actor=_GHOST_A, request=request)
    approve_account(uow=platform.uow(), actor=_GHOST_B, account_id=account_id)
    return account_id


def build_world(platform: Platform) -> World:
    directory = france(60)
    register(platform, directory)
    admins = [p for p in directory.professionals if p.administrator_of]
    admin, other_admin = (
        admins[0],
        next(p for p in admins if p.administrator_of[0] != admins[0].administrator_of[0]),
    )
    finess, other_finess = admin.administrator_of[0], other_admin.administrator_of[0]
    outsider = next(p for p in directory.professionals if finess not in p.structures)
    people = {}
    for name, who in (("admin", admin), ("other", other_admin)):
        people[name] = _account(
            platform,
            AccountRequest(
                Role.STRUCTURE_ADMIN,
                f"{name}@pharmacie.example",
                who.rpps,
                who.administrator_of[:1],
            ),
        )
    for name in ("approver", "second"):
        people[name] = _account(
            platform, AccountRequest(Role.PLATFORM_ADMIN, f"{name}@rempart.example")
        )
    return World(
        platform=platform,
        finess=finess,
        other_finess=other_finess,
        member_rpps=admin.rpps,
        outsider_rpps=outsider.rpps,
        structure_admin=Actor(
            account_id=people["admin"], role=Role.STRUCTURE_ADMIN, structures=frozenset({finess})
        ),
        other_structure_admin=Actor(
            account_id=people["other"],
            role=Role.STRUCTURE_ADMIN,
            structures=frozenset({other_finess}),
        ),
        approver=Actor(account_id=people["approver"], role=Role.PLATFORM_ADMIN),
        second_approver=Actor(account_id=people["second"], role=Role.PLATFORM_ADMIN),
    )
