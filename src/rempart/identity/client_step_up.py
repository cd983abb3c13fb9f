"""Software's step-up: the professional at the counter confirms the software in person.

The shield's step-up rung asks for a phishing-resistant factor presented in the last
minutes. A person presents a passkey or Pro Santé Connect; software cannot: its key
proves the software, not who sits at the counter, and a stolen key is exactly what the
rung must stop. So software asks for a short code (`request_step_up`), shows it, and the
professional it acts for (the RPPS it names), signed in to the portal with a
phishing-resistant factor, types it (`confirm_step_up`). For the next
`CONFIRMATION_LIFETIME`, that client acting as that RPPS, signing its calls with the
same DPoP key, passes the rung (`presence_confirmed`): a thief holding a copy of the
client's registered key, calling from elsewhere with a DPoP key of their own, gains
nothing from the professional's confirmation.

The code binds nothing by itself: a confirmation counts only for the person's own RPPS
and a structure they practise in, so a code read over a shoulder or guessed is useless to
anyone else, and one relayed by an attacker still needs the professional's own factor.
Codes follow RFC 8628 §6.1: eight letters without vowels (no words, no 0/O or 1/I), 20^8
of them, shown as two groups of four; only their SHA-256 is kept.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from rempart.audit.context import current_request
from rempart.audit.domain import Outcome
from rempart.audit.recorder import hash_address
from rempart.audit.trail import record_action
from rempart.db.uow import UnitOfWork
from rempart.identity.client_models import ClientRow, ClientStepUpRow
from rempart.identity.domain import ClientStatus, SecurityTag
from rempart.identity.events import record_event
from rempart.identity.factors import require_recent_strong_factor
from rempart.identity.permissions import (
    Actor,
    Channel,
    ObjectKind,
    Permission,
    Target,
    allows,
    may_ever,
)
from rempart.kernel.errors import Forbidden, InvalidInput
from rempart.kernel.ids import new_id
from rempart.shield.alerting import store_alert
from rempart.shield.alerts import Alert, Severity
from rempart.shield.port import Shield, admit

CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
CODE_LENGTH = 8
# Long enough for the professional to sign in to the portal (a Pro Santé Connect card
# takes a minute or two), short enough that a code shown is not worth keeping.
CODE_LIFETIME = timedelta(minutes=10)
# The shield's actions: asking for a code answers the step-up rung, so the shield counts
# it but never asks it for a step-up (containment and quotas still apply).
# How long a confirmation counts. Longer than a person's step-up (5 minutes, one tap on a
# passkey in the page they are on): confirming means leaving the counter's software for
# the portal, and the rung holds until the signals fade or an analyst lifts it.
CONFIRMATION_LIFETIME = timedelta(minutes=15)
STEP_UP_REQUEST = "identity.step_up_request"
STEP_UP_REQUEST_PATH = "/api/v1/clients/step-up-requests"
STEP_UP_CONFIRMATION = "identity.step_up_confirmation"
CONFIRMED_ELSEWHERE = "identity.client.step-up-confirmed-elsewhere"
_UNKNOWN_CODE = (
    "no software of yours is waiting for this code: check it, or ask the software for a new one"
)


@dataclass(frozen=True)
class StepUpCode:
    request_id: uuid.UUID
    user_code: str = field(repr=False)  # shown by the software, typed by the professional
    expires_in: int  # seconds


@dataclass(frozen=True)
class AskedElsewhere:
    """Not confirmed yet: the code was asked from another network than the one the
    professional confirms from. Shown to them (their own software, their structure)
    with a warning, to confirm again knowingly."""

    client_name: str
    finess: str
    requested_at: datetime


@dataclass(frozen=True)
class ConfirmedClient:
    """What the professional confirmed: the software's name and structure, and until
    when the confirmation counts."""

    client_name: str
    finess: str
    valid_until: datetime
    from_elsewhere: bool = False  # confirmed knowing it was asked from another network


def request_step_up(*, uow: UnitOfWork, actor: Actor, shield: Shield) -> StepUpCode:
    """A new code for the client acting as its named RPPS with its DPoP key; an earlier
    code of the same client and RPPS that is still pending stops working (one at a
    time)."""
    client_id, rpps, jkt = _software(actor)
    admit(shield, uow, actor, STEP_UP_REQUEST, _only(actor.structures))
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    with uow:
        now = uow.clock.now()
        uow.session.execute(
            update(ClientStepUpRow)
            .where(
                ClientStepUpRow.client_id == client_id,
                ClientStepUpRow.rpps == rpps,
                # Another key's codes stay: a thief asking for codes must not void the
                # real software's, and see the professional type one into their hands.
                ClientStepUpRow.jkt == jkt,
                ClientStepUpRow.confirmed_at.is_(None),
                ClientStepUpRow.expires_at > now,
            )
            .values(expires_at=now)
        )
        request_id = new_id()
        uow.session.add(
            ClientStepUpRow(
                id=request_id,
                client_id=client_id,
                rpps=rpps,
                jkt=jkt,
                code_hash=_digest(code),
                requested_from=_address_hash(uow),
                requested_at=now,
                expires_at=now + CODE_LIFETIME,
                confirmed_at=None,
                confirmed_by=None,
            )
        )
        record_action(uow, tag=SecurityTag.CLIENT_STEP_UP_REQUESTED, actor=actor)
        uow.commit()
    return StepUpCode(
        request_id=request_id,
        user_code=f"{code[:4]}-{code[4:]}",
        expires_in=int(CODE_LIFETIME.total_seconds()),
    )


def confirm_step_up(
    *,
    uow: UnitOfWork,
    actor: Actor,
    shield: Shield,
    user_code: str,
    elsewhere_accepted: bool = False,
) -> ConfirmedClient | AskedElsewhere:
    """The professional confirms the software showing `user_code`: theirs only (their
    RPPS, a structure they practise in), with a phishing-resistant factor presented in
    the last minutes. A code that is unknown, expired, already used or someone else's
    gets one answer, on record.

    A code asked from another network than the professional's is not confirmed at once
    (`AskedElsewhere`): the counter's software and the browser beside it usually share
    the pharmacy's address, and a code a caller reads out over the phone was asked from
    the thief's. The professional confirms it again knowingly (`elsewhere_accepted`);
    the security analysts are then alerted."""
    if not may_ever(actor, Permission.CLIENT_STEP_UP_CONFIRM):
        raise Forbidden(f"{Permission.CLIENT_STEP_UP_CONFIRM} is not allowed here")
    if actor.channel is not Channel.PORTAL:
        raise Forbidden("software is confirmed by a professional signed in to the portal")
    code = parse_user_code(user_code)
    admit(shield, uow, actor, STEP_UP_CONFIRMATION, _only(actor.structures))
    with uow:
        now = uow.clock.now()
        require_recent_strong_factor(actor, now_seconds=now.timestamp())
        pending = uow.session.scalars(
            select(ClientStepUpRow).where(
                ClientStepUpRow.code_hash == _digest(code),
                ClientStepUpRow.confirmed_at.is_(None),
                ClientStepUpRow.expires_at > now,
            )
        ).all()
        here = _address_hash(uow)
        for row in pending:
            client = uow.session.get(ClientRow, row.client_id)
            if client is None or not _confirmable(actor, row, client):
                continue
            elsewhere = row.requested_from is not None and row.requested_from != here
            if elsewhere and not elsewhere_accepted:
                return AskedElsewhere(client.name, client.finess, row.requested_at)
            # Used once: the update takes the code only if no one confirmed it (or a new
            # request voided it) since it was read, whatever ran meanwhile.
            taken = uow.session.execute(
                update(ClientStepUpRow)
                .where(
                    ClientStepUpRow.id == row.id,
                    ClientStepUpRow.confirmed_at.is_(None),
                    ClientStepUpRow.expires_at > now,
                )
                .values(
                    confirmed_at=now,
                    confirmed_by=actor.account_id,
                    expires_at=now,
                    confirmed_elsewhere=elsewhere,
                )
                .execution_options(synchronize_session=False)
            )
            if _rowcount(taken) != 1:
                break
            record_event(
                uow,
                actor.account_id,
                actor.account_id,
                SecurityTag.CLIENT_STEP_UP_CONFIRMED,
                actor=actor,
                structure=client.finess,
            )
            if elsewhere:
                store_alert(uow, _elsewhere_alert(client))
            uow.commit()
            valid_until = now + CONFIRMATION_LIFETIME
            return ConfirmedClient(client.name, client.finess, valid_until, elsewhere)
        record_action(
            uow,
            tag=SecurityTag.CLIENT_STEP_UP_CONFIRMED,
            actor=actor,
            outcome=Outcome.NOT_FOUND,
        )
        uow.commit()
    raise InvalidInput(_UNKNOWN_CODE, field="user_code")


def presence_confirmed(*, uow: UnitOfWork, actor: Actor) -> bool:
    """Whether the professional the software names confirmed this client, signing with
    this DPoP key, within the last `CONFIRMATION_LIFETIME`."""
    return _confirmed(uow, actor, within=CONFIRMATION_LIFETIME, by_rpps=True)


# How long a DPoP key that a professional confirmed stays known as the installation's
# own: a working day and its night, so that the renewals of the pharmacy's counters
# (each pharmacist, each time a confirmation lapses) never count as a stranger's.
KNOWN_KEY_LIFETIME = timedelta(hours=24)


def known_key(*, uow: UnitOfWork, actor: Actor) -> bool:
    """Whether any professional confirmed this client signing with this DPoP key within
    `KNOWN_KEY_LIFETIME`: the pharmacy's installation. A copy of the client key used
    with a DPoP key of its own never is (the shield counts such a key's codes)."""
    return _confirmed(uow, actor, within=KNOWN_KEY_LIFETIME, by_rpps=False)


def confirmed_here(*, uow: UnitOfWork, actor: Actor) -> bool:
    """Whether the professional's confirmation that let this call through
    (`presence_confirmed`) was given from the network that asked for it: only such a
    confirmation may anchor the DPoP key as the client's (shield.installations)."""
    return _confirmed(uow, actor, within=CONFIRMATION_LIFETIME, by_rpps=True, here=True)


def _confirmed(
    uow: UnitOfWork, actor: Actor, *, within: timedelta, by_rpps: bool, here: bool = False
) -> bool:
    if actor.channel is not Channel.API or actor.client_id is None:
        return False
    with uow:
        query = select(ClientStepUpRow.id).where(
            ClientStepUpRow.client_id == actor.client_id,
            ClientStepUpRow.jkt == actor.dpop_jkt,
            ClientStepUpRow.confirmed_at >= uow.clock.now() - within,
        )
        if by_rpps:
            query = query.where(ClientStepUpRow.rpps == actor.rpps)
        if here:
            query = query.where(ClientStepUpRow.confirmed_elsewhere.is_(False))
        found = uow.session.scalar(query.limit(1))
    return found is not None


def parse_user_code(text: str) -> str:
    """As typed: case, spaces and dashes do not matter."""
    code = "".join(c for c in text.upper() if c not in " -")
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        raise InvalidInput(
            f"the code is {CODE_LENGTH} letters, as the software shows it (e.g. BCDF-GHJK)",
            field="user_code",
        )
    return code


def _address_hash(uow: UnitOfWork) -> str | None:
    address = current_request().address
    return hash_address(uow.vault, address) if address else None


def _elsewhere_alert(client: ClientRow) -> Alert:
    return Alert(
        CONFIRMED_ELSEWHERE,
        Severity.WARNING,
        f"a professional of {client.finess} confirmed a step-up code of the client that "
        "was asked from another network than theirs: check with them that their own "
        "software showed it (a code relayed by phone is the scam this warns of)",
        subject_kind="client",
        subject_ref=str(client.id),
    )


def _only(structures: frozenset[str]) -> str | None:
    """The structure the quotas count a call against: the actor's, when it has one."""
    return next(iter(structures)) if len(structures) == 1 else None


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def purge_step_ups(*, uow: UnitOfWork, older_than: timedelta = timedelta(days=30)) -> int:
    """Forget step-up requests long expired (their audit records stay): for the periodic
    job; a confirmation older than `CONFIRMATION_LIFETIME` counts for nothing anyway."""
    with uow:
        cutoff = uow.clock.now() - max(older_than, CONFIRMATION_LIFETIME)
        gone = uow.session.execute(
            delete(ClientStepUpRow).where(ClientStepUpRow.expires_at < cutoff)
        )
        uow.commit()
        return _rowcount(gone)


def _software(actor: Actor) -> tuple[uuid.UUID, str, str]:
    client, rpps, jkt = actor.client_id, actor.rpps, actor.dpop_jkt
    if actor.channel is not Channel.API or client is None or rpps is None or jkt is None:
        raise Forbidden("this route is for software clients acting for a professional")
    return client, rpps, jkt


def _confirmable(actor: Actor, row: ClientStepUpRow, client: ClientRow) -> bool:
    return (
        actor.rpps is not None
        and row.rpps == actor.rpps
        and client.status == ClientStatus.ACTIVE
        and allows(
            actor, Permission.CLIENT_STEP_UP_CONFIRM, Target(ObjectKind.STRUCTURE, client.finess)
        )
    )


def _digest(code: str) -> bytes:
    return hashlib.sha256(code.encode()).digest()
