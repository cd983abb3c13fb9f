"""Software clients' lifecycle: a structure administrator registers its software's
public key, a platform administrator other than the registrant approves it, and either
side can revoke it. Each change is a security event on the acting person's account."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from rempart.db.uow import UnitOfWork
from rempart.identity.client_models import ClientRow, ClientTokenRow
from rempart.identity.domain import ClientStatus, SecurityTag, check_approver
from rempart.identity.events import record_event
from rempart.identity.jwk import public_jwk as validated_public_jwk
from rempart.identity.jwk import thumbprint
from rempart.identity.models import AccountRow
from rempart.identity.permissions import (
    Actor,
    ObjectKind,
    Permission,
    Target,
    allows,
    authorize,
    may_ever,
)
from rempart.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from rempart.kernel.identifiers import parse_finess
from rempart.kernel.ids import new_id
from rempart.registry.service import known_structures

MAX_NAME_LENGTH = 120
_REVOKERS = (Permission.CLIENT_REGISTER, Permission.CLIENT_APPROVE, Permission.CLIENT_REVOKE)


def register_client(
    *,
    uow: UnitOfWork,
    actor: Actor,
    finess: str,
    name: str,
    public_jwk: Mapping[str, object],
) -> uuid.UUID:
    """A new client of the structure, pending until a platform administrator approves
    it; the key's private members are refused, never stored."""
    if not may_ever(actor, Permission.CLIENT_REGISTER):  # before any validation message
        raise Forbidden(f"{Permission.CLIENT_REGISTER} is not allowed here")
    finess = parse_finess(finess)
    authorize(actor, Permission.CLIENT_REGISTER, Target(ObjectKind.STRUCTURE, finess))
    name = name.strip()
    if not 1 <= len(name) <= MAX_NAME_LENGTH or any(ord(c) < 32 for c in name):
        raise InvalidInput(f"name must be 1-{MAX_NAME_LENGTH} printable characters", field="name")
    key = validated_public_jwk(public_jwk)
    jkt = thumbprint(key)
    with uow:
        _require_account(uow, actor)
        if not known_structures(session=uow.session, finess=[finess]):
            raise InvalidInput("the FINESS is not a registered structure", field="finess")
        if uow.session.scalar(select(ClientRow.id).where(ClientRow.jwk_thumbprint == jkt)):
            raise Conflict("this key is already registered: each client has its own key")
        client_id = new_id()
        uow.session.add(
            ClientRow(
                id=client_id,
                finess=finess,
                name=name,
                public_jwk=json.dumps(key, separators=(",", ":"), sort_keys=True),
                jwk_thumbprint=jkt,
                status=ClientStatus.PENDING_APPROVAL,
                registered_by=actor.account_id,
                approved_by=None,
                revoked_by=None,
                created_at=uow.clock.now(),
                approved_at=None,
                revoked_at=None,
            )
        )
        record_event(uow, actor.account_id, actor.account_id, SecurityTag.CLIENT_REGISTERED)
        try:
            uow.commit()
        except IntegrityError:  # the same key registered concurrently
            raise Conflict("this key is already registered: each client has its own key") from None
        return client_id


def approve_client(*, uow: UnitOfWork, actor: Actor, client_id: uuid.UUID) -> None:
    authorize(actor, Permission.CLIENT_APPROVE, Target.platform())
    with uow:
        _require_account(uow, actor)
        client = _locked(uow, client_id)
        if client is None:
            raise NotFound("no such client")
        if client.status != ClientStatus.PENDING_APPROVAL:
            raise Conflict("this client is not waiting for approval")
        check_approver(requested_by=client.registered_by, approver=actor.account_id)
        # The structure may have left the directory since registration.
        if not known_structures(session=uow.session, finess=[client.finess]):
            raise Conflict("the client's structure is no longer registered")
        client.status = ClientStatus.ACTIVE
        client.approved_by = actor.account_id
        client.approved_at = uow.clock.now()
        record_event(uow, actor.account_id, actor.account_id, SecurityTag.CLIENT_APPROVED)
        uow.commit()


def revoke_client(*, uow: UnitOfWork, actor: Actor, client_id: uuid.UUID) -> None:
    """By an administrator of the client's structure, a platform administrator or a
    security analyst (containment of a compromised client); its outstanding tokens stop
    working at once."""
    if not any(may_ever(actor, p) for p in _REVOKERS):
        raise Forbidden("revoking a software client is not allowed here")
    with uow:
        _require_account(uow, actor)
        client = _locked(uow, client_id)
        # Another structure's client is "not found": nothing to learn about it.
        if client is None or not (
            allows(actor, Permission.CLIENT_REGISTER, Target(ObjectKind.STRUCTURE, client.finess))
            or allows(actor, Permission.CLIENT_APPROVE, Target.platform())
            or allows(actor, Permission.CLIENT_REVOKE, Target.platform())
        ):
            raise NotFound("no such client")
        if client.status == ClientStatus.REVOKED:
            raise Conflict("this client is already revoked")
        now = uow.clock.now()
        client.status = ClientStatus.REVOKED
        client.revoked_by, client.revoked_at = actor.account_id, now
        uow.session.execute(
            update(ClientTokenRow)
            .where(ClientTokenRow.client_id == client_id, ClientTokenRow.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        record_event(uow, actor.account_id, actor.account_id, SecurityTag.CLIENT_REVOKED)
        uow.commit()


def _locked(uow: UnitOfWork, client_id: uuid.UUID) -> ClientRow | None:
    """The client row, locked until commit so that approval and revocation serialise."""
    return uow.session.scalar(select(ClientRow).where(ClientRow.id == client_id).with_for_update())


def _require_account(uow: UnitOfWork, actor: Actor) -> None:
    """Changes to clients are recorded on the acting person's account: without one
    there is nobody to hold to account."""
    if uow.session.get(AccountRow, actor.account_id) is None:
        raise Forbidden("software clients are managed by people with an account")
