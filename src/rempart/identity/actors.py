"""Who is calling, from what they presented: a browser session becomes an `Actor`
(account, role, structures or insurer, how strongly and when it authenticated). An
account that is no longer active opens nothing, whatever session it had."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from rempart.db.base import table_of
from rempart.db.bulk import read_alone
from rempart.db.uow import UnitOfWork
from rempart.identity.domain import AccountStatus
from rempart.identity.models import AccountRow, AccountStructureRow, SessionRow
from rempart.identity.permissions import Actor, Channel, Role, Strength
from rempart.identity.sessions import (
    LIVE_BY_TOKEN,
    LIVE_SESSION_COLUMNS,
    EndReason,
    SessionPolicy,
    end_all_sessions,
    keep_alive,
    live_session,
    writes_due,
)
from rempart.identity.tokens import token_digest
from rempart.kernel.errors import Unauthenticated

_SESSIONS, _ACCOUNTS, _STRUCTURES = (
    table_of(row) for row in (SessionRow, AccountRow, AccountStructureRow)
)
# Every request by session runs it: the live session, its account and the account's
# structures (one row per structure), in one statement built once (and compiled once, by
# db.bulk.read_alone).
_ACTOR = (
    select(
        *LIVE_SESSION_COLUMNS,
        _ACCOUNTS.c.status,
        _ACCOUNTS.c.role,
        _ACCOUNTS.c.amc_number,
        _ACCOUNTS.c.beneficiary_id,
        _ACCOUNTS.c.rpps,
        _STRUCTURES.c.finess,
    )
    .select_from(
        _SESSIONS.outerjoin(_ACCOUNTS, _ACCOUNTS.c.id == _SESSIONS.c.account_id).outerjoin(
            _STRUCTURES, _STRUCTURES.c.account_id == _ACCOUNTS.c.id
        )
    )
    .where(LIVE_BY_TOKEN)
)


def actor_for_session(*, uow: UnitOfWork, token: str, policy: SessionPolicy) -> Actor | None:
    # One statement, on a pooled connection of its own: a request whose session needs no
    # write (nearly all of them) opens no unit of work for its caller.
    rows = read_alone(uow.engine, _ACTOR, {"token_hash": token_digest(token)})
    if not rows:
        return None
    now = uow.clock.now()
    if writes_due(rows[0], now, policy):
        with uow:
            live = keep_alive(uow, rows[0], policy)
        if live is None:
            return None
    else:
        live = live_session(rows[0], now)
    status, role, amc_number, beneficiary_id, rpps = rows[0][7:12]
    if status != AccountStatus.ACTIVE:  # or no account at all
        actor = None
    else:
        actor = Actor(
            account_id=live.account_id,
            role=Role(role),
            structures=frozenset(row[12] for row in rows if row[12] is not None),
            amc_number=amc_number,
            beneficiary_id=str(beneficiary_id) if beneficiary_id else None,
            channel=Channel.PORTAL,
            strength=(
                Strength.PHISHING_RESISTANT
                if live.factor.phishing_resistant
                else Strength.PHISHABLE
            ),
            authenticated_at=live.authenticated_at,
            rpps=rpps,
            session_id=live.id,
        )
    if actor is None:  # suspended meanwhile: its sessions end now if they had not
        end_all_sessions(uow=uow, account_id=live.account_id, reason=EndReason.SUSPENDED)
    return actor


def actor_for_operator(*, uow: UnitOfWork, account_id: uuid.UUID) -> Actor:
    """An operator on the platform's host acting as their own account (the command line):
    the account's role and reach, channel `cli`. Host access is itself strongly
    authenticated (a person with a key, on a bastion), so the actor counts as having
    presented a phishing-resistant factor now; routes' step-ups do not apply to it."""
    with uow:
        account = uow.session.get(AccountRow, account_id)
        if account is None or account.status != AccountStatus.ACTIVE:
            raise Unauthenticated("no active account has this id")
        structures = frozenset(
            uow.session.scalars(
                select(AccountStructureRow.finess).where(
                    AccountStructureRow.account_id == account.id
                )
            )
        )
        return Actor(
            account_id=account.id,
            role=Role(account.role),
            structures=structures,
            amc_number=account.amc_number,
            beneficiary_id=str(account.beneficiary_id) if account.beneficiary_id else None,
            channel=Channel.CLI,
            strength=Strength.PHISHING_RESISTANT,
            authenticated_at=uow.clock.now(),
            rpps=account.rpps,
        )
