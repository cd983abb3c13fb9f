"""Signing in: a passkey (the primary, phishing-resistant factor), Pro Santé Connect for
professionals, or a password with a TOTP or recovery code (the phishable fallback).

Every refusal is the same `SignInRefused`, whatever failed (unknown login, wrong
password, wrong code, suspended account). Each attempt is taken from the throttle before
any factor is checked — per client address always, and per login name for the password
fallback (a passkey cannot be guessed, so guessing passwords must not lock a person out
of their passkey). A password alone opens nothing. The fallback opens a session only on
a device that once signed in with a phishing-resistant factor; from any other device the
sign-in waits until the person confirms it from a passkey or Pro Santé Connect session,
and even then that device does not become trusted.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from rempart.audit.domain import Outcome
from rempart.audit.trail import LOGIN as LOGIN_KIND
from rempart.audit.trail import record_action
from rempart.db.uow import UnitOfWork
from rempart.identity import passkeys, recovery, throttling, totp
from rempart.identity.domain import STRUCTURE_ROLES, AccountStatus, SecurityTag
from rempart.identity.events import record_event
from rempart.identity.models import (
    AccountRow,
    CredentialRow,
    DeviceRow,
    PendingSignInRow,
    RecoveryCodeRow,
)
from rempart.identity.passwords import PasswordHasher
from rempart.identity.sealing import LOGIN, login_key, open_totp_secret
from rempart.identity.sessions import Factor, SessionPolicy, open_session
from rempart.identity.throttle import address_subject, login_subject
from rempart.identity.tokens import new_token, token_digest
from rempart.kernel.errors import Unauthenticated
from rempart.kernel.ids import new_id

PENDING_LIFETIME = timedelta(minutes=10)
# Recovery codes carry 125 random bits: a plain SHA-256 is enough to store them (NIST SP
# 800-63B asks for a salted slow hash only below 112 bits); this constant only separates
# their hashes from any other SHA-256 in the database. It is not a secret.
RECOVERY_DOMAIN = b"rempart/recovery-code/v1"


class SignInRefused(Unauthenticated):
    code = "sign-in-refused"
    title = "The sign-in was refused"


@dataclass(frozen=True)
class SignedIn:
    account_id: uuid.UUID
    session_token: str
    device_token: str  # the browser's device cookie (new, or "" to leave it as it is)


@dataclass(frozen=True)
class AwaitingConfirmation:
    """The fallback factor was right but the device is not trusted: the browser keeps
    the token, shows the match code, and asks again once the person has confirmed."""

    pending_token: str
    match_code: str


def match_code(token_hash: bytes) -> str:
    """Two digits the waiting browser shows and the confirming person types: a request
    they did not start shows a number they were not shown."""
    return f"{int.from_bytes(hashlib.sha256(b'match|' + token_hash).digest()[:4], 'big') % 100:02d}"


def _refused(uow: UnitOfWork, login: str | None, message: str) -> SignInRefused:
    """The refusal, on record: the shield and the security analysts see failed sign-ins
    (under a keyed pseudonym of the login named, never the login itself)."""
    with uow:
        target = None if login is None else uow.vault.pseudonym(LOGIN_KIND, login_key(login).hex())
        record_action(
            uow,
            tag=SecurityTag.SIGN_IN_REFUSED,
            outcome=Outcome.REFUSED,
            target_pseudonym=target,
        )
        uow.commit()
    return SignInRefused(message)


def _address(uow: UnitOfWork, address: str) -> str:
    with uow:
        return address_subject(uow.vault.pseudonym, address)


def _login(uow: UnitOfWork, login_name: str) -> str:
    with uow:
        return login_subject(uow.vault.pseudonym, login_key(login_name))


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
    """Assertion options, the same in shape and cost whether or not the login has an
    account (a challenge is stored either way; only a real passkey can answer it)."""
    account_id = _active_account_id(uow, login_name)
    return passkeys.begin_authentication(uow=uow, rp=rp, account_id=account_id)


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
    address_key = _address(uow, address)
    throttling.take_attempt(uow=uow, subjects=(address_key,))
    account_id = _active_account_id(uow, login_name)
    if account_id is None:
        raise _refused(uow, login_name, "the sign-in was refused")
    try:
        passkeys.finish_authentication(uow=uow, rp=rp, account_id=account_id, credential=credential)
    except passkeys.PasskeyRefused:
        raise _refused(uow, login_name, "the sign-in was refused") from None
    throttling.refund(uow=uow, login_subject=_login(uow, login_name), address_subject=address_key)
    return start_session(uow, account_id, Factor.PASSKEY, device_token, policy, trust_device=True)


def start_session(
    uow: UnitOfWork,
    account_id: uuid.UUID,
    factor: Factor,
    device_token: str | None,
    policy: SessionPolicy,
    *,
    trust_device: bool,
    authenticated_at: datetime | None = None,
) -> SignedIn:
    """A fresh session. A phishing-resistant sign-in makes the browser a trusted device
    (a new device token, or the one it presented, touched)."""
    token = open_session(
        uow=uow,
        account_id=account_id,
        factor=factor,
        policy=policy,
        authenticated_at=authenticated_at,
    )
    issued = ""
    with uow:
        now = uow.clock.now()
        known = _known_device(uow, account_id, device_token)
        if known is not None:
            known.last_seen_at = now
        elif trust_device:
            issued = new_token()
            uow.session.add(
                DeviceRow(
                    id=new_id(),
                    account_id=account_id,
                    token_hash=token_digest(issued),
                    created_at=now,
                    last_seen_at=now,
                )
            )
            record_event(uow, account_id, account_id, SecurityTag.DEVICE_ADDED)
        uow.commit()
    return SignedIn(account_id, token, issued)


def _known_device(
    uow: UnitOfWork, account_id: uuid.UUID, device_token: str | None
) -> DeviceRow | None:
    if not device_token:
        return None
    return uow.session.scalar(
        select(DeviceRow).where(
            DeviceRow.account_id == account_id, DeviceRow.token_hash == token_digest(device_token)
        )
    )


# --- Pro Santé Connect ---------------------------------------------------------------------


def sign_in_with_pro_sante_connect(
    *,
    uow: UnitOfWork,
    rpps: str,
    auth_time: datetime,
    address: str,
    device_token: str | None,
    policy: SessionPolicy,
) -> SignedIn:
    """The provider vouched for this RPPS (the token's, never an e-mail): the active
    professional account bound to it signs in. Its session counts as authenticated when
    the provider authenticated the person, not when the callback arrived."""
    address_key = _address(uow, address)
    throttling.take_attempt(uow=uow, subjects=(address_key,))
    with uow:
        account_id = uow.session.scalar(
            select(AccountRow.id).where(
                AccountRow.rpps == rpps,
                AccountRow.status == AccountStatus.ACTIVE,
                AccountRow.role.in_([role.value for role in STRUCTURE_ROLES]),
            )
        )
        if account_id is not None:
            record_event(uow, account_id, account_id, SecurityTag.SIGN_IN_PRO_SANTE_CONNECT)
            uow.commit()
    if account_id is None:
        raise _refused(uow, None, "no active professional account is bound to this identity")
    throttling.refund(uow=uow, login_subject=None, address_subject=address_key)
    return start_session(
        uow,
        account_id,
        Factor.PRO_SANTE_CONNECT,
        device_token,
        policy,
        trust_device=True,
        authenticated_at=auth_time,
    )


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
    user_agent: str,
    device_token: str | None,
    policy: SessionPolicy,
) -> SignedIn | AwaitingConfirmation:
    """Password plus a TOTP code (6 digits) or a recovery code, both required."""
    login_key_, address_key = _login(uow, login_name), _address(uow, address)
    throttling.take_attempt(uow=uow, subjects=(login_key_, address_key))
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
        raise _refused(uow, login_name, "the sign-in was refused")
    throttling.refund(uow=uow, login_subject=login_key_, address_subject=address_key)
    with uow:
        trusted = _known_device(uow, account_id, device_token) is not None
    if trusted:
        return start_session(uow, account_id, Factor.TOTP, device_token, policy, trust_device=False)
    return _await_confirmation(uow, account_id, user_agent)


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
        hashed = recovery.code_hash(code, pepper=RECOVERY_DOMAIN)
    except ValueError:
        return None
    spent = uow.session.execute(
        delete(RecoveryCodeRow).where(
            RecoveryCodeRow.account_id == account_id, RecoveryCodeRow.code_hash == hashed
        )
    )
    return SecurityTag.RECOVERY_CODE_USED if spent.rowcount == 1 else None  # type: ignore[attr-defined]


def _await_confirmation(
    uow: UnitOfWork, account_id: uuid.UUID, user_agent: str
) -> AwaitingConfirmation:
    token = new_token()
    with uow:
        now = uow.clock.now()
        uow.session.add(
            PendingSignInRow(
                id=new_id(),
                account_id=account_id,
                token_hash=token_digest(token),
                user_agent=user_agent[:160],
                created_at=now,
                expires_at=now + PENDING_LIFETIME,
                confirmed_at=None,
            )
        )
        record_event(uow, account_id, account_id, SecurityTag.SIGN_IN_PENDING)
        uow.commit()
    return AwaitingConfirmation(token, match_code(token_digest(token)))


def complete_pending_sign_in(
    *, uow: UnitOfWork, pending_token: str, policy: SessionPolicy
) -> SignedIn | None:
    """The session, once confirmed (None while still waiting). The device stays
    untrusted: confirming lets this one sign-in through, nothing more."""
    with uow:
        row = uow.session.scalar(
            select(PendingSignInRow).where(
                PendingSignInRow.token_hash == token_digest(pending_token)
            )
        )
        if row is None or row.expires_at <= uow.clock.now():
            if row is not None:
                uow.session.delete(row)
                uow.commit()
            raise SignInRefused("this sign-in is unknown, denied or expired: start again")
        if row.confirmed_at is None:
            return None
        account_id = row.account_id
        uow.session.delete(row)
        uow.commit()
    return start_session(uow, account_id, Factor.TOTP, None, policy, trust_device=False)
