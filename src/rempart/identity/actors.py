"""Who is calling, from what they presented: a browser session becomes an `Actor`
(account, role, structures or insurer, how strongly and when it authenticated). An
account that is no longer active opens nothing, whatever session it had."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from rempart.db.uow import UnitOfWork
from rempart.identity.domain import AccountStatus
from rempart.identity.models import AccountRow, AccountStructureRow
from rempart.identity.permissions import Actor, Channel, Role, Strength
from rempart.identity.sessions import EndReason, SessionPolicy, end_all_sessions, resume_within
from rempart.kernel.errors import Unauthenticated


def actor_for_session(*, uow: UnitOfWork, token: str, policy: SessionPolicy) -> Actor | None:
    with uow:  # one unit of work per request for the session and the account
        live = resume_within(uow, token, policy)
        if live is None:
            return None
        account = uow.session.get(AccountRow, live.account_id)
        active = account is not None and account.status == AccountStatus.ACTIVE
        if account is None or not active:
            actor = None
        else:
            structures = frozenset(
                uow.session.scalars(
                    select(AccountStructureRow.finess).where(
                        AccountStructureRow.account_id == account.id
                    )
                )
            )
            actor = Actor(
                account_id=account.id,
                role=Role(account.role),
                structures=structures,
                amc_number=account.amc_number,
                beneficiary_id=str(account.beneficiary_id) if account.beneficiary_id else None,
                channel=Channel.PORTAL,
                strength=(
                    Strength.PHISHING_RESISTANT
                    if live.factor.phishing_resistant
                    else Strength.PHISHABLE
                ),
                authenticated_at=live.authenticated_at,
                rpps=account.rpps,
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
