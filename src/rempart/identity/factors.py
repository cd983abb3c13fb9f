"""Managing one's own factors, and the step-up that guards it.

A new account has no factor: the platform hands its owner a one-time enrolment code (out
of band, after the four-eyes approval) with which they register their first passkey. An
account that has any factor never gets one (that would let one administrator take it
over). Afterwards every change of factor — another passkey, a password, a TOTP secret,
new recovery codes — needs a phishing-resistant factor presented within the last few
minutes (step-up), and withdraws every other session, trusted device, pending sign-in
and enrolment code of the account.
"""

from __future__ import annotations

import hmac
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
    DeviceRow,
    EnrolmentRow,
    PasskeyRow,
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
from rempart.identity.sessions import EndReason, Factor, SessionPolicy, withdraw_trust
from rempart.identity.signin import (
    RECOVERY_DOMAIN,
    SignedIn,
    SignInRefused,
    match_code,
    start_session,
)
from rempart.identity.tokens import token_digest
from rempart.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound, StepUpRequired
from rempart.kernel.ids import new_id

ENROLMENT_LIFETIME = timedelta(hours=72)
STEP_UP_MAX_AGE = timedelta(minutes=5)


def require_recent_strong_factor(
    actor: Actor, *, now_seconds: float, max_age: timedelta = STEP_UP_MAX_AGE
) -> None:
    """Refuse unless the actor is a person who presented a phishing-resistant factor
    within `max_age` (software cannot step up: its key proves the software, not who
    sits at the counter)."""
    recent = (
        actor.authenticated_at is not None
        and now_seconds - actor.authenticated_at.timestamp() <= max_age.total_seconds()
    )
    if actor.channel is not Channel.PORTAL:
        raise StepUpRequired(
            "this operation needs a person signed in with a browser session",
            max_age=int(max_age.total_seconds()),
        )
    if actor.strength is not Strength.PHISHING_RESISTANT or not recent:
        raise StepUpRequired(
            "confirm with your passkey or Pro Santé Connect", max_age=int(max_age.total_seconds())
        )


def _require_step_up(uow: UnitOfWork, actor: Actor) -> None:
    require_recent_strong_factor(actor, now_seconds=uow.clock.now().timestamp())


# --- enrolment of the first passkey --------------------------------------------------------


def issue_enrolment_code(*, uow: UnitOfWork, actor: Actor, account_id: uuid.UUID) -> str:
    """For an approved account that has no factor yet: a code the platform hands over out
    of band. Issuing a new one voids the previous. Not by the person who asked for the
    account (four eyes), and never for an account that already has a factor: replacing
    someone's factors is a recovery with its own checks, not an enrolment."""
    authorize(actor, Permission.ACCOUNT_APPROVE, Target.platform())
    _require_step_up(uow, actor)
    code = secrets.token_urlsafe(24)
    with uow:
        account = uow.session.get(AccountRow, account_id)
        if account is None:
            raise NotFound("no such account")
        if account.status != AccountStatus.ACTIVE:
            raise Conflict("the account must be approved and active first")
        if account.requested_by == actor.account_id:
            raise Forbidden("the enrolment code is issued by a second person, not the requester")
        if _has_factor(uow, account_id):
            raise Conflict("this account already has a factor: it cannot be enrolled again")
        uow.session.execute(delete(EnrolmentRow).where(EnrolmentRow.account_id == account_id))
        uow.session.add(
            EnrolmentRow(
                id=new_id(),
                account_id=account_id,
                code_hash=token_digest(code),
                expires_at=uow.clock.now() + ENROLMENT_LIFETIME,
            )
        )
        record_event(uow, account_id, actor.account_id, SecurityTag.ENROLMENT_ISSUED)
        uow.commit()
    return code


def _enrolling_account(uow: UnitOfWork, code: str) -> uuid.UUID:
    with uow:
        row = uow.session.scalar(
            select(EnrolmentRow).where(EnrolmentRow.code_hash == token_digest(code))
        )
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
        _withdraw_other_trust(uow, actor)
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
        # The previous TOTP secret stops working now: say so, and trust nothing it opened.
        record_event(uow, actor.account_id, actor.account_id, SecurityTag.TOTP_RESET)
        _withdraw_other_trust(uow, actor)
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
        _withdraw_other_trust(uow, actor)
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
                    code_hash=recovery.code_hash(code, pepper=RECOVERY_DOMAIN),
                )
            )
        record_event(uow, actor.account_id, actor.account_id, SecurityTag.RECOVERY_CODES_ISSUED)
        _withdraw_other_trust(uow, actor)
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
    user_agent: str


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
        return [PendingSignInView(r.id, r.created_at, r.user_agent) for r in rows]


def confirm_pending_sign_in(
    *, uow: UnitOfWork, actor: Actor, pending_id: uuid.UUID, code: str
) -> None:
    """Only from a session opened (or stepped up) with a phishing-resistant factor, and
    with the two digits the waiting browser shows."""
    _own(actor)
    _require_step_up(uow, actor)
    with uow:
        row = _own_pending(uow, actor, pending_id)
        if not hmac.compare_digest(code.strip(), match_code(row.token_hash)):
            raise InvalidInput(
                "the code does not match the one shown where you are signing in", field="code"
            )
        row.confirmed_at = uow.clock.now()
        record_event(uow, actor.account_id, actor.account_id, SecurityTag.SIGN_IN_CONFIRMED)
        uow.commit()


def deny_pending_sign_in(*, uow: UnitOfWork, actor: Actor, pending_id: uuid.UUID) -> None:
    """'This wasn't me': the pending sign-in is dropped and recorded as denied (the
    password and fallback factor are known to someone else: change them)."""
    _own(actor)
    with uow:
        row = _own_pending(uow, actor, pending_id)
        uow.session.delete(row)
        record_event(uow, actor.account_id, actor.account_id, SecurityTag.SIGN_IN_DENIED)
        uow.commit()


def _own_pending(uow: UnitOfWork, actor: Actor, pending_id: uuid.UUID) -> PendingSignInRow:
    row = uow.session.get(PendingSignInRow, pending_id)
    if (
        row is None
        or row.account_id != actor.account_id
        or row.confirmed_at is not None
        or row.expires_at <= uow.clock.now()
    ):
        raise NotFound("no such pending sign-in")
    return row


@dataclass(frozen=True)
class DeviceView:
    id: uuid.UUID
    created_at: datetime
    last_seen_at: datetime


def list_trusted_devices(*, uow: UnitOfWork, actor: Actor) -> list[DeviceView]:
    _own(actor)
    with uow:
        rows = uow.session.scalars(
            select(DeviceRow)
            .where(DeviceRow.account_id == actor.account_id)
            .order_by(DeviceRow.created_at)
        )
        return [DeviceView(r.id, r.created_at, r.last_seen_at) for r in rows]


def forget_trusted_device(*, uow: UnitOfWork, actor: Actor, device_id: uuid.UUID) -> None:
    """The browser falls back to confirmation for TOTP sign-ins; another person's device
    is 'not found'."""
    _own(actor)
    with uow:
        row = uow.session.get(DeviceRow, device_id)
        if row is None or row.account_id != actor.account_id:
            raise NotFound("no such device")
        uow.session.delete(row)
        record_event(uow, actor.account_id, actor.account_id, SecurityTag.DEVICE_FORGOTTEN)
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


def _has_factor(uow: UnitOfWork, account_id: uuid.UUID) -> bool:
    passkey = uow.session.scalar(select(PasskeyRow.id).where(PasskeyRow.account_id == account_id))
    return passkey is not None or uow.session.get(CredentialRow, account_id) is not None


def _withdraw_other_trust(uow: UnitOfWork, actor: Actor) -> None:
    withdraw_trust(
        uow, actor.account_id, reason=EndReason.FACTOR_CHANGED, keep_session=actor.session_id
    )
