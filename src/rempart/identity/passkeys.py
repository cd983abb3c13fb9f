"""Passkeys (WebAuthn), the primary, phishing-resistant factor: registration and
assertion ceremonies with user verification required, verified by py_webauthn.

The origin and relying-party id bind a passkey to this platform's address, which is what
makes it phishing-resistant: a look-alike site cannot obtain a valid assertion. A sign
counter that goes backwards is refused (a cloned authenticator)."""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, parse_authentication_credential_json
from webauthn.helpers.exceptions import (
    InvalidAuthenticationResponse,
    InvalidJSONStructure,
    InvalidRegistrationResponse,
)
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from rempart.db.uow import UnitOfWork
from rempart.identity.domain import SecurityTag
from rempart.identity.events import record_event
from rempart.identity.models import (
    AccountRow,
    ChallengeRow,
    PasskeyRow,
)
from rempart.identity.sessions import EndReason, withdraw_trust
from rempart.kernel.errors import DomainError, NotFound
from rempart.kernel.ids import new_id

CHALLENGE_LIFETIME = timedelta(minutes=5)


class PasskeyRefused(DomainError):
    code = "passkey-refused"
    title = "The passkey was not accepted"


@dataclass(frozen=True)
class RelyingParty:
    id: str
    origin: str
    name: str = "Rempart"


def begin_registration(*, uow: UnitOfWork, rp: RelyingParty, account_id: uuid.UUID) -> str:
    """Options (JSON) for navigator.credentials.create(), for the account's own use."""
    with uow:
        account = uow.session.get(AccountRow, account_id)
        if account is None:
            raise NotFound("no such account")
        existing = uow.session.scalars(
            select(PasskeyRow.credential_id).where(PasskeyRow.account_id == account_id)
        )
        challenge = _new_challenge(uow, account_id, "register")
        options = generate_registration_options(
            rp_id=rp.id,
            rp_name=rp.name,
            user_id=account_id.bytes,
            user_name=str(account_id),  # no personal data in the authenticator's list
            challenge=challenge,
            authenticator_selection=AuthenticatorSelectionCriteria(
                user_verification=UserVerificationRequirement.REQUIRED,
                resident_key=ResidentKeyRequirement.REQUIRED,
            ),
            exclude_credentials=[PublicKeyCredentialDescriptor(id=c) for c in existing],
        )
        uow.commit()
        return options_to_json(options)


def finish_registration(
    *, uow: UnitOfWork, rp: RelyingParty, account_id: uuid.UUID, credential: str
) -> uuid.UUID:
    with uow:
        challenge = _take_challenge(uow, account_id, "register", credential)
        try:
            verified = verify_registration_response(
                credential=credential,
                expected_challenge=challenge,
                expected_rp_id=rp.id,
                expected_origin=rp.origin,
                require_user_verification=True,
            )
        except InvalidRegistrationResponse:
            uow.commit()  # the challenge is spent either way
            raise PasskeyRefused("the passkey registration could not be verified") from None
        passkey_id = new_id()
        uow.session.add(
            PasskeyRow(
                id=passkey_id,
                account_id=account_id,
                credential_id=verified.credential_id,
                public_key=verified.credential_public_key,
                sign_count=verified.sign_count,
                created_at=uow.clock.now(),
                last_used_at=None,
            )
        )
        record_event(uow, account_id, account_id, SecurityTag.PASSKEY_ADDED)
        # A change of factor ends every session (whoever held one signs in again) and
        # forgets trusted devices, pending sign-ins and enrolment codes.
        withdraw_trust(uow, account_id, reason=EndReason.FACTOR_CHANGED)
        uow.commit()
        return passkey_id


def begin_authentication(*, uow: UnitOfWork, rp: RelyingParty, account_id: uuid.UUID | None) -> str:
    """Assertion options (JSON) for navigator.credentials.get(). They list no credential
    (passkeys are discoverable), so options for a login with no account (`account_id`
    None: the challenge is stored all the same, and nothing can answer it) look and cost
    exactly like a real account's."""
    with uow:
        challenge = _new_challenge(uow, account_id, "assert")
        options = generate_authentication_options(
            rp_id=rp.id,
            challenge=challenge,
            allow_credentials=[],
            user_verification=UserVerificationRequirement.REQUIRED,
        )
        uow.commit()
        return options_to_json(options)


def finish_authentication(
    *,
    uow: UnitOfWork,
    rp: RelyingParty,
    account_id: uuid.UUID,
    credential: str,
) -> None:
    """Raises PasskeyRefused unless the assertion is valid, user-verified, from one of
    the account's passkeys, and its counter moved forward."""
    try:
        credential_id = parse_authentication_credential_json(credential).raw_id
    except (InvalidJSONStructure, InvalidAuthenticationResponse, ValueError):
        raise PasskeyRefused("the passkey assertion is malformed") from None
    with uow:
        challenge = _take_challenge(uow, account_id, "assert", credential)
        passkey = uow.session.scalar(
            select(PasskeyRow).where(
                PasskeyRow.account_id == account_id, PasskeyRow.credential_id == credential_id
            )
        )
        if passkey is None:
            uow.commit()
            raise PasskeyRefused("this passkey is not registered for the account")
        try:
            verified = verify_authentication_response(
                credential=credential,
                expected_challenge=challenge,
                expected_rp_id=rp.id,
                expected_origin=rp.origin,
                credential_public_key=passkey.public_key,
                credential_current_sign_count=passkey.sign_count,
                require_user_verification=True,
            )
        except InvalidAuthenticationResponse:
            uow.commit()
            raise PasskeyRefused("the passkey assertion could not be verified") from None
        passkey.sign_count = verified.new_sign_count
        passkey.last_used_at = uow.clock.now()
        uow.commit()


def _new_challenge(uow: UnitOfWork, account_id: uuid.UUID | None, purpose: str) -> bytes:
    """A fresh challenge, found again by its value: ceremonies of one account do not
    replace each other, so nobody can void a person's sign-in by starting another."""
    now = uow.clock.now()
    uow.session.execute(delete(ChallengeRow).where(ChallengeRow.expires_at <= now))
    challenge = secrets.token_bytes(32)
    uow.session.add(
        ChallengeRow(
            id=new_id(),
            account_id=account_id,
            purpose=purpose,
            challenge=challenge,
            expires_at=now + CHALLENGE_LIFETIME,
        )
    )
    return challenge


def _answered_challenge(credential: str) -> bytes:
    """The challenge the authenticator signed, as its client data states it (verified
    again, signature included, by py_webauthn)."""
    try:
        client_data = json.loads(credential)["response"]["clientDataJSON"]
        return base64url_to_bytes(json.loads(base64url_to_bytes(client_data))["challenge"])
    except (ValueError, KeyError, TypeError):
        raise PasskeyRefused("the passkey answer is malformed") from None


def _take_challenge(uow: UnitOfWork, account_id: uuid.UUID, purpose: str, credential: str) -> bytes:
    """The challenge this answer is for, removed (single use); refused unless it was
    issued for this account and purpose and has not expired."""
    row = uow.session.scalar(
        select(ChallengeRow).where(
            ChallengeRow.challenge == _answered_challenge(credential),
            ChallengeRow.purpose == purpose,
        )
    )
    if row is None or row.account_id != account_id:
        raise PasskeyRefused("no such ceremony is pending: start again")
    uow.session.delete(row)
    if row.expires_at <= uow.clock.now():
        uow.commit()
        raise PasskeyRefused("the ceremony expired: start again")
    return row.challenge
