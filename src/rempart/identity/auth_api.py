"""Sign-in endpoints: the only identity routes open to an unauthenticated caller. Each
answers alike whether or not the account exists, and is throttled per login name and
per address before any factor is checked."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Cookie, Header, Response, status

from rempart.deps import (
    AddressDep,
    PasswordHasherDep,
    PersonDep,
    PlatformDep,
    RelyingPartyDep,
    SessionPolicyDep,
)
from rempart.identity import cookies, factors, signin
from rempart.identity.schemas import (
    Enrolment,
    EnrolmentOptionsRequest,
    PasskeyOptionsRequest,
    PasskeySignIn,
    PasswordSignIn,
    SignInAnswer,
)
from rempart.identity.sessions import SessionPolicy, csrf_token, revoke_session

router = APIRouter(prefix="/api/v1/auth", tags=["sign-in"])
JSON = "application/json"
DeviceCookie = Annotated[str | None, Cookie(alias=cookies.DEVICE)]
PendingCookie = Annotated[str | None, Cookie(alias=cookies.PENDING)]


def _signed_in(response: Response, done: signin.SignedIn, policy: SessionPolicy) -> SignInAnswer:
    cookies.set_session(response, done.session_token, policy)
    cookies.set_device(response, done.device_token)
    cookies.clear(response, cookies.PENDING)
    return SignInAnswer(status="signed_in", csrf_token=csrf_token(done.session_token))


def _pending(response: Response, waiting: signin.AwaitingConfirmation) -> SignInAnswer:
    response.status_code = status.HTTP_202_ACCEPTED
    cookies.set_pending(response, waiting.pending_token)
    return SignInAnswer(status="pending_confirmation", match_code=waiting.match_code)


@router.post("/passkey/options")
def passkey_options(
    body: PasskeyOptionsRequest, platform: PlatformDep, rp: RelyingPartyDep
) -> Response:
    """WebAuthn assertion options for `navigator.credentials.get()`."""
    options = signin.passkey_options(uow=platform.uow(), rp=rp, login_name=body.login_name)
    return Response(options, media_type=JSON)


@router.post("/passkey")
def passkey_sign_in(
    body: PasskeySignIn,
    response: Response,
    platform: PlatformDep,
    rp: RelyingPartyDep,
    policy: SessionPolicyDep,
    address: AddressDep,
    device: DeviceCookie = None,
) -> SignInAnswer:
    done = signin.sign_in_with_passkey(
        uow=platform.uow(),
        rp=rp,
        login_name=body.login_name,
        credential=json.dumps(body.credential),
        address=address,
        device_token=device,
        policy=policy,
    )
    return _signed_in(response, done, policy)


@router.post("/password", responses={202: {"description": "Waiting for a passkey to confirm"}})
def password_sign_in(
    body: PasswordSignIn,
    response: Response,
    platform: PlatformDep,
    hasher: PasswordHasherDep,
    policy: SessionPolicyDep,
    address: AddressDep,
    device: DeviceCookie = None,
    user_agent: Annotated[str, Header()] = "",
) -> SignInAnswer:
    """The phishable fallback: password and TOTP (or recovery) code together. From a new
    device the answer is 202 until the account's passkey confirms the sign-in."""
    outcome = signin.sign_in_with_password(
        uow=platform.uow(),
        hasher=hasher,
        login_name=body.login_name,
        password=body.password,
        code=body.code,
        address=address,
        user_agent=user_agent,
        device_token=device,
        policy=policy,
    )
    if isinstance(outcome, signin.AwaitingConfirmation):
        return _pending(response, outcome)
    return _signed_in(response, outcome, policy)


@router.post("/pending", responses={202: {"description": "Still waiting"}})
def complete_pending(
    response: Response,
    platform: PlatformDep,
    policy: SessionPolicyDep,
    pending: PendingCookie = None,
) -> SignInAnswer:
    if not pending:
        raise signin.SignInRefused("no sign-in is pending in this browser")
    done = signin.complete_pending_sign_in(uow=platform.uow(), pending_token=pending, policy=policy)
    if done is None:
        response.status_code = status.HTTP_202_ACCEPTED
        return SignInAnswer(status="pending_confirmation")
    return _signed_in(response, done, policy)


@router.post("/enrolment/options")
def enrolment_options(
    body: EnrolmentOptionsRequest, platform: PlatformDep, rp: RelyingPartyDep
) -> Response:
    """WebAuthn registration options for a new account's first passkey."""
    options = factors.begin_enrolment(uow=platform.uow(), rp=rp, code=body.code)
    return Response(options, media_type=JSON)


@router.post("/enrolment")
def enrol(
    body: Enrolment,
    response: Response,
    platform: PlatformDep,
    rp: RelyingPartyDep,
    policy: SessionPolicyDep,
) -> SignInAnswer:
    done = factors.finish_enrolment(
        uow=platform.uow(),
        rp=rp,
        code=body.code,
        credential=json.dumps(body.credential),
        policy=policy,
    )
    return _signed_in(response, done, policy)


@router.post("/sign-out", status_code=status.HTTP_204_NO_CONTENT)
def sign_out(actor: PersonDep, platform: PlatformDep) -> Response:
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    if actor.session_id is not None:
        revoke_session(uow=platform.uow(), actor=actor, session_id=actor.session_id)
    cookies.clear(response, cookies.SESSION)
    return response
