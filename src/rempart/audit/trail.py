"""Recording an action in the audit log from what the use case knows: who acted (an
`Actor`, or just an account id), on whom (a keyed pseudonym), what was disclosed. The
request's id, address and user agent come from the request context, hashed here."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from rempart.audit.context import current_request
from rempart.audit.domain import AuditEvent, Category, Outcome
from rempart.audit.recorder import hash_address, hash_user_agent, record
from rempart.db.uow import UnitOfWork
from rempart.identity.permissions import Actor, Channel

ACCOUNT = "account"  # pseudonym kind of an account a security event concerns
LOGIN = "login"  # pseudonym kind of a login name a failed sign-in named


def record_action(
    uow: UnitOfWork,
    *,
    tag: str,
    actor: Actor | None = None,
    actor_account_id: uuid.UUID | None = None,
    channel: Channel | None = None,
    outcome: Outcome = Outcome.ALLOWED,
    target_pseudonym: str | None = None,
    target_amc: str | None = None,
    categories: Iterable[Category] = (),
    structure: str | None = None,
    purpose: str | None = None,
) -> uuid.UUID:
    """Adds the record to the caller's unit of work: it commits with the action or not
    at all. Software acts as its client for the named professional, so its records carry
    the client and the RPPS, not an account."""
    request = current_request()
    vault = uow.vault
    if actor is not None:
        software = actor.channel is Channel.API
        actor_account_id = None if software else actor.account_id
        channel = actor.channel
        if structure is None and len(actor.structures) == 1:
            (structure,) = actor.structures
    return record(
        uow,
        AuditEvent(
            at=uow.clock.now(),
            tag=tag,
            outcome=outcome,
            channel=channel or (Channel.PORTAL if request.request_id else Channel.CLI),
            actor_account_id=actor_account_id,
            actor_rpps=actor.rpps if actor is not None else None,
            structure_finess=structure,
            client_id=actor.client_id if actor is not None else None,
            target_pseudonym=target_pseudonym,
            target_amc=target_amc,
            categories=frozenset(categories),
            request_id=request.request_id,
            address_hash=hash_address(vault, request.address) if request.address else None,
            user_agent_hash=(
                hash_user_agent(vault, request.user_agent) if request.user_agent else None
            ),
            purpose=purpose,
        ),
    )
