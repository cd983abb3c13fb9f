"""Use cases of account administration: request an account, approve it (a second
person), read one's own security history. Each is authorised by the permission rule."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from rempart.db.uow import UnitOfWork
from rempart.identity.domain import (
    STRUCTURE_ROLES,
    AccountRequest,
    AccountStatus,
    SecurityTag,
    check_approver,
)
from rempart.identity.events import record_event
from rempart.identity.models import AccountRow, AccountStructureRow, SecurityEventRow
from rempart.identity.permissions import (
    Actor,
    ObjectKind,
    Permission,
    Role,
    Target,
    authorize,
    may_ever,
)
from rempart.identity.sealing import LOGIN, login_key, seal_login
from rempart.identity.sessions import EndReason, withdraw_trust
from rempart.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from rempart.kernel.ids import new_id
from rempart.registry.service import (
    beneficiary_exists,
    find_beneficiary,
    insurer_registered,
    known_structures,
    professional_memberships,
)
from rempart.shield.port import ACCOUNT_REQUEST, Shield, admit


def request_account(
    *, uow: UnitOfWork, actor: Actor, request: AccountRequest, shield: Shield | None = None
) -> uuid.UUID:
    """A new account, pending until a platform administrator other than the requester
    approves it; flagged new (reduced quotas) once active. The shield admits each
    request first (its account-request budget, a tenth of it once the requester is
    throttled, a fresh factor at step-up) and watches for bursts of requests by one
    person. Without a shield (a deployment's bootstrap, tests), nothing is counted."""
    if not may_ever(actor, Permission.ACCOUNT_CREATE):  # before any validation message
        raise Forbidden(f"{Permission.ACCOUNT_CREATE} is not allowed here")
    request = request.validated()
    _authorize_request(actor, request)
    if shield is not None:
        # Before anything is read or written: a refusal leaves nothing behind.
        admit(shield, uow, actor, ACCOUNT_REQUEST)
    with uow:
        beneficiary_id = _check_directory(uow, request)
        if beneficiary_id is not None and uow.session.scalar(
            select(AccountRow.id).where(AccountRow.beneficiary_id == beneficiary_id)
        ):
            raise Conflict("this insured person already has an account", field="card")
        if request.rpps is not None and uow.session.scalar(
            select(AccountRow.id).where(AccountRow.rpps == request.rpps)
        ):
            raise Conflict("an account already exists for this RPPS", field="rpps")
        indexes = uow.vault.blind_indexes(LOGIN, login_key(request.login_name))
        if uow.session.scalar(select(AccountRow.id).where(AccountRow.login_index.in_(indexes))):
            # Only the platform learns that a login name exists: anyone else could use
            # the answer to probe for other people's accounts.
            if actor.role is Role.PLATFORM_ADMIN:
                raise Conflict("this login name is taken", field="login_name")
            raise Conflict("this request cannot be accepted as it is: ask the platform")
        account_id = new_id()
        uow.session.add(
            AccountRow(
                id=account_id,
                role=request.role.value,
                status=AccountStatus.PENDING_APPROVAL,
                is_new=True,
                rpps=request.rpps,
                amc_number=request.amc_number,
                beneficiary_id=beneficiary_id,
                requested_by=actor.account_id,
                approved_by=None,
                created_at=uow.clock.now(),
                approved_at=None,
                **seal_login(uow.vault, request.login_name, account_id),
            )
        )
        for finess in request.finess:
            uow.session.add(AccountStructureRow(account_id=account_id, finess=finess))
        record_event(uow, account_id, actor.account_id, SecurityTag.ACCOUNT_REQUESTED)
        if shield is not None:
            shield.observe_account_request(actor=actor, now=uow.clock.now(), uow=uow)
        try:
            uow.commit()
        except IntegrityError:  # the same request racing this one
            raise Conflict("this account was just requested by someone else") from None
        return account_id


def approve_account(*, uow: UnitOfWork, actor: Actor, account_id: uuid.UUID) -> None:
    authorize(actor, Permission.ACCOUNT_APPROVE, Target.platform())
    with uow:
        account = uow.session.get(AccountRow, account_id)
        if account is None:
            raise NotFound("no such account")
        if account.status != AccountStatus.PENDING_APPROVAL:
            raise Conflict("this account is not waiting for approval")
        check_approver(requested_by=account.requested_by, approver=actor.account_id)
        # The directories may have changed since the request: check again.
        finess = tuple(
            uow.session.scalars(
                select(AccountStructureRow.finess).where(
                    AccountStructureRow.account_id == account_id
                )
            )
        )
        _check_directory(
            uow,
            AccountRequest(Role(account.role), "-", account.rpps, finess, account.amc_number),
        )
        if account.beneficiary_id is not None and not beneficiary_exists(
            session=uow.session, beneficiary_id=account.beneficiary_id
        ):
            raise InvalidInput("the insured person's record is no longer held", field="card")
        account.status = AccountStatus.ACTIVE
        account.approved_by = actor.account_id
        account.approved_at = uow.clock.now()
        record_event(uow, account_id, actor.account_id, SecurityTag.ACCOUNT_APPROVED)
        uow.commit()


@dataclass(frozen=True)
class SecurityEventView:
    tag: SecurityTag
    at: datetime
    by_self: bool


def security_history(*, uow: UnitOfWork, actor: Actor) -> list[SecurityEventView]:
    """The actor's own account's security events, newest first."""
    authorize(
        actor, Permission.SECURITY_HISTORY_READ, Target(ObjectKind.ACCOUNT, str(actor.account_id))
    )
    with uow:
        rows = uow.session.scalars(
            select(SecurityEventRow)
            .where(SecurityEventRow.account_id == actor.account_id)
            .order_by(SecurityEventRow.at.desc())
        )
        return [
            SecurityEventView(SecurityTag(r.tag), r.at, r.actor_id == actor.account_id)
            for r in rows
        ]


def _authorize_request(actor: Actor, request: AccountRequest) -> None:
    if actor.role is Role.PLATFORM_ADMIN:
        authorize(actor, Permission.ACCOUNT_CREATE, Target.platform())
        return
    # An insurer asks for accounts of its own members only.
    if request.role is Role.INSURED and request.amc_number is not None:
        authorize(actor, Permission.ACCOUNT_CREATE, Target(ObjectKind.AMC, request.amc_number))
        return
    # A structure administrator asks for colleagues of their own structures only.
    if request.role not in STRUCTURE_ROLES or not request.finess:
        authorize(actor, Permission.ACCOUNT_CREATE, Target.platform())
    for finess in request.finess:
        authorize(actor, Permission.ACCOUNT_CREATE, Target(ObjectKind.STRUCTURE, finess))


def _check_directory(uow: UnitOfWork, request: AccountRequest) -> uuid.UUID | None:
    """Identities come from the reference directories (RPPS, FINESS) and, for an insured
    person, from the insurer's own rights: the beneficiary record their card names."""
    if request.finess:
        missing = set(request.finess) - known_structures(session=uow.session, finess=request.finess)
        if missing:
            raise InvalidInput("a FINESS is not a registered structure", field="finess")
    if request.rpps is not None:
        memberships = professional_memberships(session=uow.session, rpps=request.rpps)
        if memberships is None:
            raise InvalidInput("this RPPS is not in the directory", field="rpps")
        if not set(request.finess) <= set(memberships):
            raise InvalidInput(
                "the professional does not practise in every structure named", field="finess"
            )
        if request.role is Role.STRUCTURE_ADMIN and not all(
            memberships[finess] for finess in request.finess
        ):
            raise InvalidInput(
                "the directory does not name this person administrator of every structure",
                field="finess",
            )
    if request.amc_number is not None and not insurer_registered(
        session=uow.session, amc_number=request.amc_number
    ):
        raise InvalidInput("this AMC number is not a registered insurer", field="amc_number")
    if request.card is None or request.amc_number is None:
        return None
    beneficiary_id = find_beneficiary(
        uow=uow,
        insured_nir=request.card.insured_nir,
        birth_date=request.card.birth_date,
        birth_rank=request.card.birth_rank,
        amc_number=request.amc_number,
        member_number=request.card.member_number,
    )
    if beneficiary_id is None:
        raise InvalidInput("no member of this insurer matches the card", field="card")
    return beneficiary_id


def suspend_account(*, uow: UnitOfWork, actor: Actor, account_id: uuid.UUID) -> None:
    """The account opens nothing any more and every one of its sessions ends now.
    (Reinstatement, with a second approver, belongs to the shield's containment ladder.)"""
    authorize(actor, Permission.ACCOUNT_SUSPEND, Target.platform())
    if account_id == actor.account_id:
        raise Forbidden("nobody suspends their own account")
    with uow:
        account = uow.session.get(AccountRow, account_id)
        if account is None:
            raise NotFound("no such account")
        if account.status == AccountStatus.SUSPENDED:
            raise Conflict("this account is already suspended")
        account.status = AccountStatus.SUSPENDED
        record_event(uow, account_id, actor.account_id, SecurityTag.ACCOUNT_SUSPENDED)
        # One transaction: the account opens nothing from the moment it is suspended.
        withdraw_trust(uow, account_id, reason=EndReason.SUSPENDED, forget_devices=True)
        record_event(uow, account_id, actor.account_id, SecurityTag.SESSIONS_ENDED)
        uow.commit()
