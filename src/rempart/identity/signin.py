"""Signing in with a local account: a passkey (the primary, phishing-resistant factor),
or a password with a TOTP or recovery code (the phishable fallback).

Every refusal is the same `SignInRefused`, whatever failed (unknown login, wrong
password, wrong code, suspended account), and the throttle is consulted before any
factor is checked, per login name and per client address. A password alone opens
nothing. The fallback opens a session only on a device that once signed in with a
passkey; from a new device the sign-in waits until the account's passkey (or Pro Santé
Connect) confirms it from elsewhere, so a phished password and code are not enough.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update

from rempart.db.uow import UnitOfWork
from rempart.identity import passkeys, recovery, throttling, totp
from rempart.identity.domain import STRUCTURE_ROLES, AccountStatus, SecurityTag
from rempart.identity.events import record_event
from rempart.identity.models import (
    AccountRow,
    CredentialRow,
    DeviceRow,
    PasskeyRow,
    PendingSignInRow,
    RecoveryCodeRow,
)
from rempart.identity.passwords import PasswordHasher
from rempart.identity.sealing import LOGIN, login_key, open_totp_secret
from rempart.identity.sessions import Factor, SessionPolicy, open_session
from rempart.identity.throttle import address_subject, login_subject
from rempart.kernel.errors import RateLimited, Unauthenticated
from rempart.kernel.ids import new_id

PENDING_LIFETIME = timedelta(minutes=10)
RECOVERY_PEPPER = b"rempart/recovery-code/v1"  # domain separation; codes carry 125 bits


class SignInRefused(Unauthenticated):
    code = "sign-in-refused"
    title = "The sign-in was refused"


@dataclass(frozen=True)
class SignedIn:
    account_id: uuid.UUID
    session_token: str
    device_token: str  # the browser's device cookie (new, or the one it presented)


@dataclass(frozen=True)
class AwaitingConfirmation:
    """The fallback factor was right but the device is new: the browser keeps this token
    and asks again once the account's passkey has confirmed the sign-in."""

    pending_token: str


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("ascii", "replace")).digest()


def _subjects(uow: UnitOfWork, login_name: str, address: str) -> tuple[str, str]:
    with uow:
        vault = uow.vault
    return (
        login_subject(vault.pseudonym, login_key(login_name)),
        address_subject(vault.pseudonym, address),
    )


def _check_throttle(uow: UnitOfWork, subjects: tuple[str, ...]) -> None:
    wait = throttling.retry_after(uow=uow, subjects=subjects)
    if wait:
        raise RateLimited("too many failed sign-ins: wait before trying again", retry_after=wait)


def _refuse(uow: UnitOfWork, subjects: tuple[str, str]) -> SignInRefused:
    throttling.record_failure(uow=uow, subjects=subjects)
    return SignInRefused("the sign-in was refused")


def _active_account_id(uow: UnitOfWork, login_name: str) -> uuid.UUID | None:
    with uow:
        indexes = uow.vault.blind_indexes(LOGIN, login_key(login_name))
        return uow.session.scalar(
            select(AccountRow.id).where(
                AccountRow.login_index.in_(indexes), AccountRow.status == AccountStatus.ACTIVE
            )
        )


# --- passkeys ------------------------------------------------------------------------------


def passkey_options(*, uow: UnitOfWork, rp: passkeys.RelyingParty, login_name: str) -> str:
    """Assertion options. A login with no active account gets options of the same shape
    (a stable decoy credential id), so the answer does not say which accounts exist."""
    account_id = _active_account_id(uow, login_name)
    if account_id is not None and _has_passkey(uow, account_id):
        return passkeys.begin_authentication(uow=uow, rp=rp, account_id=account_id)
    with uow:
        decoy = uow.vault.blind_index("account.decoy-credential", login_key(login_name))
    return passkeys.decoy_authentication_options(rp=rp, credential_id=decoy)


def _has_passkey(uow: UnitOfWork, account_id: uuid.UUID) -> bool:
    with uow:
        return (
            uow.session.scalar(select(PasskeyRow.id).where(PasskeyRow.account_id == account_id))
            is not None
        )


def sign_in_with_passkey(
    *,
    uow: UnitOfWork,
    rp: passkeys.RelyingParty,
    login_name: str,
    credential: str,
    address: str,
    device_token: str | None,
    policy: SessionPolicy,
) -> SignedIn:
    subjects = _subjects(uow, login_name, address)
    _check_throttle(uow, subjects)
    account_id = _active_account_id(uow, login_name)
    if account_id is None:
        raise _refuse(uow, subjects)
    try:
        passkeys.finish_authentication(uow=uow, rp=rp, account_id=account_id, credential=credential)
    except passkeys.PasskeyRefused:
        raise _refuse(uow, subjects) from None
    throttling.record_success(uow=uow, login_subject=subjects[0])
    return start_session(uow, account_id, Factor.PASSKEY, device_token, policy, trust_device=True)


def start_session(
    uow: UnitOfWork,
    account_id: uuid.UUID,
    factor: Factor,
    device_token: str | None,
    policy: SessionPolicy,
    *,
    trust_device: bool,
) -> SignedIn:
    """A fresh session, and the device remembered (a phishing-resistant sign-in or a
    confirmed pending one makes the browser a known device)."""
    token = open_session(uow=uow, account_id=account_id, factor=factor, policy=policy)
    with uow:
        now = uow.clock.now()
        known = _known_device(uow, account_id, device_token)
        if known is not None:
            known.last_seen_at = now
        elif trust_device:
            device_token = secrets.token_urlsafe(32)
            uow.session.add(
                DeviceRow(
                    id=new_id(),
                    account_id=account_id,
                    token_hash=digest(device_token),
                    created_at=now,
                    last_seen_at=now,
                )
            )
            record_event(uow, account_id, account_id, SecurityTag.DEVICE_ADDED)
        uow.commit()
    return SignedIn(account_id, token, device_token or "")


def _known_device(
    uow: UnitOfWork, account_id: uuid.UUID, device_token: str | None
) -> DeviceRow | None:
    if not device_token:
        return None
    return uow.session.scalar(
        select(DeviceRow).where(
            DeviceRow.account_id == account_id, DeviceRow.token_hash == digest(device_token)
        )
    )


# --- Pro Santé Connect ---------------------------------------------------------------------


def sign_in_with_pro_sante_connect(
    *, uow: UnitOfWork, rpps: str, address: str, policy: SessionPolicy
) -> SignedIn:
    """The provider vouched for this RPPS (the token's, never an e-mail): the active
    professional account bound to it signs in."""
    with uow:
        subject = address_subject(uow.vault.pseudonym, address)
    _check_throttle(uow, (subject,))
    with uow:
        account_id = uow.session.scalar(
            select(AccountRow.id).where(
                AccountRow.rpps == rpps,
                AccountRow.status == AccountStatus.ACTIVE,
                AccountRow.role.in_([role.value for role in STRUCTURE_ROLES]),
            )
        )
    if account_id is None:
        throttling.record_failure(uow=uow, subjects=(subject,))
        raise SignInRefused("no active professional account is bound to this identity")
    with uow:
        record_event(uow, account_id, account_id, SecurityTag.SIGN_IN_PRO_SANTE_CONNECT)
        uow.commit()
    return start_session(uow, account_id, Factor.PRO_SANTE_CONNECT, None, policy, trust_device=True)


# --- the phishable fallback ----------------------------------------------------------------

_DUMMY_HASH = PasswordHasher().hash("rempart-timing-equaliser")


def sign_in_with_password(
    *,
    uow: UnitOfWork,
    hasher: PasswordHasher,
    login_name: str,
    password: str,
    code: str,
    address: str,
    device_token: str | None,
    policy: SessionPolicy,
) -> SignedIn | AwaitingConfirmation:
    """Password plus a TOTP code (6 digits) or a recovery code, both required."""
    subjects = _subjects(uow, login_name, address)
    _check_throttle(uow, subjects)
    account_id = _active_account_id(uow, login_name)
    used: SecurityTag | None = None
    with uow:
        credentials = None if account_id is None else uow.session.get(CredentialRow, account_id)
        stored = credentials.password_hash if credentials else None
        # An unknown login costs the same argon2 time as a known one.
        password_ok = hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
        if account_id is not None and credentials is not None and password_ok:
            used = _spend_second_factor(uow, account_id, credentials, code)
        if account_id is not None and used is not None:
            record_event(uow, account_id, account_id, used)
            uow.commit()
    if account_id is None or used is None:
        raise _refuse(uow, subjects)
    throttling.record_success(uow=uow, login_subject=subjects[0])
    with uow:
        known = _known_device(uow, account_id, device_token) is not None
    if known:
        return start_session(uow, account_id, Factor.TOTP, device_token, policy, trust_device=False)
    return _await_confirmation(uow, account_id)


def _spend_second_factor(
    uow: UnitOfWork, account_id: uuid.UUID, credentials: CredentialRow, code: str
) -> SecurityTag | None:
    """Each code counts once: the conditional update (or delete) is what refuses a replay,
    even when two requests race."""
    code = code.strip()
    if len(code) == totp.DIGITS:
        if credentials.totp_secret is None or not credentials.totp_confirmed:
            return None
        secret = open_totp_secret(uow.vault, credentials.totp_secret, account_id)
        check = totp.verify(
            secret, code, now=uow.clock.now(), last_used_step=credentials.totp_last_step
        )
        if not check.valid or check.step is None:
            return None
        last = CredentialRow.totp_last_step
        spent = uow.session.execute(
            update(CredentialRow)
            .where(CredentialRow.account_id == account_id, last.is_(None) | (last < check.step))
            .values(totp_last_step=check.step)
            .execution_options(synchronize_session=False)
        )
        return SecurityTag.SIGN_IN_TOTP if spent.rowcount == 1 else None  # type: ignore[attr-defined]
    try:
        hashed = recovery.code_hash(code, pepper=RECOVERY_PEPPER)
    except ValueError:
        return None
    spent = uow.session.execute(
        delete(RecoveryCodeRow).where(
            RecoveryCodeRow.account_id == account_id, RecoveryCodeRow.code_hash == hashed
        )
    )
    return SecurityTag.RECOVERY_CODE_USED if spent.rowcount == 1 else None  # type: ignore[attr-defined]


def _await_confirmation(uow: UnitOfWork, account_id: uuid.UUID) -> AwaitingConfirmation:
    token = secrets.token_urlsafe(32)
    with uow:
        now = uow.clock.now()
        uow.session.add(
            PendingSignInRow(
                id=new_id(),
                account_id=account_id,
                token_hash=digest(token),
                created_at=now,
                expires_at=now + PENDING_LIFETIME,
                confirmed_at=None,
            )
        )
        record_event(uow, account_id, account_id, SecurityTag.SIGN_IN_PENDING)
        uow.commit()
    return AwaitingConfirmation(token)


def complete_pending_sign_in(
    *, uow: UnitOfWork, pending_token: str, policy: SessionPolicy
) -> SignedIn | None:
    """The session, once confirmed (None while still waiting). The device becomes known."""
    with uow:
        row = uow.session.scalar(
            select(PendingSignInRow).where(PendingSignInRow.token_hash == digest(pending_token))
        )
        if row is None or row.expires_at <= uow.clock.now():
            if row is not None:
                uow.session.delete(row)
                uow.commit()
            raise SignInRefused("this sign-in is unknown or expired: start again")
        if row.confirmed_at is None:
            return None
        account_id = row.account_id
        uow.session.delete(row)
        uow.commit()
    return start_session(uow, account_id, Factor.TOTP, None, policy, trust_device=True)
