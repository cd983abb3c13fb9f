"""Managing one's own factors, and the step-up that guards it.

A new account has no factor: the platform hands its owner a one-time enrolment code (out
of band, after the four-eyes approval) with which they register their first passkey.
Afterwards every change of factor — another passkey, a password, a TOTP secret, new
recovery codes — needs a phishing-resistant factor presented within the last few
minutes (step-up), and ends the account's other sessions.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from sqlalchemy import delete, select, update

from rempart.db.uow import UnitOfWork
from rempart.identity import passkeys, recovery, totp
from rempart.identity.domain import AccountStatus, SecurityTag
from rempart.identity.events import record_event
from rempart.identity.models import (
    AccountRow,
    CredentialRow,
    EnrolmentRow,
    PendingSignInRow,
    RecoveryCodeRow,
    SessionRow,
)
from rempart.identity.passwords import BreachedPasswords, PasswordHasher, check_new_password
from rempart.identity.permissions import (
    Actor,
    Channel,
    Permission,
    Strength,
    Target,
    authorize,
)
from rempart.identity.sealing import open_totp_secret, seal_totp_secret
from rempart.identity.sessions import EndReason, Factor, SessionPolicy
from rempart.identity.signin import (
    RECOVERY_PEPPER,
    SignedIn,
    SignInRefused,
    digest,
    start_session,
)
from rempart.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound, StepUpRequired
from rempart.kernel.ids import new_id

ENROLMENT_LIFETIME = timedelta(hours=72)
STEP_UP_MAX_AGE = timedelta(minutes=5)


def require_recent_strong_factor(
    actor: Actor, *, now_seconds: float, max_age: timedelta = STEP_UP_MAX_AGE
) -> None:
    """Refuse unless the actor presented a phishing-resistant factor within `max_age`."""
    recent = (
        actor.authenticated_at is not None
        and now_seconds - actor.authenticated_at.timestamp() <= max_age.total_seconds()
    )
    if actor.strength is not Strength.PHISHING_RESISTANT or not recent:
        raise StepUpRequired(
            "confirm with your passkey or Pro Santé Connect", max_age=int(max_age.total_seconds())
        )


def _require_step_up(uow: UnitOfWork, actor: Actor) -> None:
    require_recent_strong_factor(actor, now_seconds=uow.clock.now().timestamp())


# --- enrolment of the first passkey --------------------------------------------------------


def issue_enrolment_code(*, uow: UnitOfWork, actor: Actor, account_id: uuid.UUID) -> str:
    """For an approved account: a code the platform hands over out of band. Issuing a new
    one voids the previous."""
    authorize(actor, Permission.ACCOUNT_APPROVE, Target.platform())
    code = secrets.token_urlsafe(24)
    with uow:
        account = uow.session.get(AccountRow, account_id)
        if account is None:
            raise NotFound("no such account")
        if account.status != AccountStatus.ACTIVE:
            raise Conflict("the account must be approved and active first")
        uow.session.execute(delete(EnrolmentRow).where(EnrolmentRow.account_id == account_id))
        uow.session.add(
            EnrolmentRow(
                id=new_id(),
                account_id=account_id,
                code_hash=digest(code),
                expires_at=uow.clock.now() + ENROLMENT_LIFETIME,
            )
        )
        record_event(uow, account_id, actor.account_id, SecurityTag.ENROLMENT_ISSUED)
        uow.commit()
    return code


def _enrolling_account(uow: UnitOfWork, code: str) -> uuid.UUID:
    with uow:
        row = uow.session.scalar(select(EnrolmentRow).where(EnrolmentRow.code_hash == digest(code)))
        if row is None or row.expires_at <= uow.clock.now():
            raise SignInRefused("this enrolment code is unknown or expired: ask for a new one")
        return row.account_id


def begin_enrolment(*, uow: UnitOfWork, rp: passkeys.RelyingParty, code: str) -> str:
    return passkeys.begin_registration(uow=uow, rp=rp, account_id=_enrolling_account(uow, code))


def finish_enrolment(
    *,
    uow: UnitOfWork,
    rp: passkeys.RelyingParty,
    code: str,
    credential: str,
    policy: SessionPolicy,
) -> SignedIn:
    account_id = _enrolling_account(uow, code)
    passkeys.finish_registration(uow=uow, rp=rp, account_id=account_id, credential=credential)
    with uow:
        uow.session.execute(delete(EnrolmentRow).where(EnrolmentRow.account_id == account_id))
        uow.commit()
    return start_session(uow, account_id, Factor.PASSKEY, None, policy, trust_device=True)


# --- further factors (step-up required) ----------------------------------------------------


def begin_passkey_registration(*, uow: UnitOfWork, actor: Actor, rp: passkeys.RelyingParty) -> str:
    _own(actor)
    _require_step_up(uow, actor)
    return passkeys.begin_registration(uow=uow, rp=rp, account_id=actor.account_id)


def finish_passkey_registration(
    *, uow: UnitOfWork, actor: Actor, rp: passkeys.RelyingParty, credential: str
) -> uuid.UUID:
    """Every session of the account ends (the one in use too): sign in again."""
    _own(actor)
    _require_step_up(uow, actor)
    return passkeys.finish_registration(
        uow=uow, rp=rp, account_id=actor.account_id, credential=credential
    )


def set_password(
    *,
    uow: UnitOfWork,
    actor: Actor,
    hasher: PasswordHasher,
    breached: BreachedPasswords,
    password: str,
) -> None:
    _own(actor)
    _require_step_up(uow, actor)
    check_new_password(password, breached=breached)
    hashed = hasher.hash(password)
    with uow:
        credentials = _credentials(uow, actor.account_id)
        credentials.password_hash = hashed
        credentials.updated_at = uow.clock.now()
        record_event(uow, actor.account_id, actor.account_id, SecurityTag.PASSWORD_SET)
        _end_other_sessions(uow, actor)
        uow.commit()


@dataclass(frozen=True)
class TotpEnrolment:
    secret: str
    uri: str  # otpauth:// for an authenticator app's QR code


def begin_totp(*, uow: UnitOfWork, actor: Actor) -> TotpEnrolment:
    """A new secret, inactive until a code from it is confirmed."""
    _own(actor)
    _require_step_up(uow, actor)
    secret = totp.new_secret()
    with uow:
        credentials = _credentials(uow, actor.account_id)
        credentials.totp_secret = seal_totp_secret(uow.vault, secret, actor.account_id)
        credentials.key_version = uow.vault.active_version
        credentials.totp_confirmed = False
        credentials.totp_last_step = None
        credentials.updated_at = uow.clock.now()
        uow.commit()
    label = quote(f"Rempart:{actor.account_id}")  # no personal data in the app's list
    uri = f"otpauth://totp/{label}?secret={secret}&issuer=Rempart&digits={totp.DIGITS}"
    return TotpEnrolment(secret, uri)


def confirm_totp(*, uow: UnitOfWork, actor: Actor, code: str) -> None:
    _own(actor)
    _require_step_up(uow, actor)
    with uow:
        credentials = uow.session.get(CredentialRow, actor.account_id)
        if credentials is None or credentials.totp_secret is None:
            raise Conflict("start the TOTP enrolment first")
        secret = open_totp_secret(uow.vault, credentials.totp_secret, actor.account_id)
        check = totp.verify(secret, code.strip(), now=uow.clock.now(), last_used_step=None)
        if not check.valid:
            raise InvalidInput("the code does not match: check the device's clock", field="code")
        credentials.totp_confirmed = True
        credentials.totp_last_step = check.step
        record_event(uow, actor.account_id, actor.account_id, SecurityTag.TOTP_ENROLLED)
        _end_other_sessions(uow, actor)
        uow.commit()


def issue_recovery_codes(*, uow: UnitOfWork, actor: Actor) -> list[str]:
    """Ten new codes, shown once; the previous ones stop working."""
    _own(actor)
    _require_step_up(uow, actor)
    codes = recovery.new_codes()
    with uow:
        uow.session.execute(
            delete(RecoveryCodeRow).where(RecoveryCodeRow.account_id == actor.account_id)
        )
        for code in codes:
            uow.session.add(
                RecoveryCodeRow(
                    id=new_id(),
                    account_id=actor.account_id,
                    code_hash=recovery.code_hash(code, pepper=RECOVERY_PEPPER),
                )
            )
        record_event(uow, actor.account_id, actor.account_id, SecurityTag.RECOVERY_CODES_ISSUED)
        uow.commit()
    return codes


# --- step-up and confirmation of pending sign-ins ------------------------------------------


def begin_step_up(*, uow: UnitOfWork, actor: Actor, rp: passkeys.RelyingParty) -> str:
    _own(actor)
    return passkeys.begin_authentication(uow=uow, rp=rp, account_id=actor.account_id)


def step_up(
    *,
    uow: UnitOfWork,
    actor: Actor,
    rp: passkeys.RelyingParty,
    credential: str,
) -> None:
    """A passkey assertion marks the current session freshly and strongly authenticated."""
    _own(actor)
    passkeys.finish_authentication(
        uow=uow, rp=rp, account_id=actor.account_id, credential=credential
    )
    with uow:
        uow.session.execute(
            update(SessionRow)
            .where(SessionRow.id == actor.session_id, SessionRow.account_id == actor.account_id)
            .values(factor=Factor.PASSKEY, authenticated_at=uow.clock.now())
        )
        record_event(uow, actor.account_id, actor.account_id, SecurityTag.STEP_UP)
        uow.commit()


@dataclass(frozen=True)
class PendingSignInView:
    id: uuid.UUID
    created_at: datetime


def list_pending_sign_ins(*, uow: UnitOfWork, actor: Actor) -> list[PendingSignInView]:
    _own(actor)
    with uow:
        rows = uow.session.scalars(
            select(PendingSignInRow).where(
                PendingSignInRow.account_id == actor.account_id,
                PendingSignInRow.confirmed_at.is_(None),
                PendingSignInRow.expires_at > uow.clock.now(),
            )
        )
        return [PendingSignInView(r.id, r.created_at) for r in rows]


def confirm_pending_sign_in(*, uow: UnitOfWork, actor: Actor, pending_id: uuid.UUID) -> None:
    """Only from a session opened (or stepped up) with a phishing-resistant factor."""
    _own(actor)
    _require_step_up(uow, actor)
    with uow:
        row = uow.session.get(PendingSignInRow, pending_id)
        if row is None or row.account_id != actor.account_id or row.confirmed_at is not None:
            raise NotFound("no such pending sign-in")
        row.confirmed_at = uow.clock.now()
        record_event(uow, actor.account_id, actor.account_id, SecurityTag.SIGN_IN_CONFIRMED)
        uow.commit()


# --- helpers -------------------------------------------------------------------------------


def _own(actor: Actor) -> None:
    """People manage their own factors in a browser session; software clients have keys,
    not factors."""
    if actor.channel is not Channel.PORTAL or actor.session_id is None:
        raise Forbidden("factors are managed from a signed-in browser session")
    authorize(actor, Permission.FACTOR_MANAGE, Target.own_account(actor))


def _credentials(uow: UnitOfWork, account_id: uuid.UUID) -> CredentialRow:
    row = uow.session.get(CredentialRow, account_id)
    if row is None:
        row = CredentialRow(
            account_id=account_id,
            password_hash=None,
            totp_secret=None,
            totp_confirmed=False,
            totp_last_step=None,
            updated_at=uow.clock.now(),
            key_version=uow.vault.active_version,
        )
        uow.session.add(row)
    return row


def _end_other_sessions(uow: UnitOfWork, actor: Actor) -> None:
    uow.session.execute(
        update(SessionRow)
        .where(
            SessionRow.account_id == actor.account_id,
            SessionRow.ended_at.is_(None),
            SessionRow.id != actor.session_id,
        )
        .values(ended_at=uow.clock.now(), end_reason=EndReason.FACTOR_CHANGED)
    )
