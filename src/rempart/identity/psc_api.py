"""Signing in with Pro Santé Connect: a redirect to the provider, and its callback.

The pending sign-in (state, nonce, PKCE verifier) travels sealed in a short-lived
cookie. That cookie is SameSite=Lax, not Strict: the callback is a top-level navigation
coming from the provider's site, on which a Strict cookie would not be sent."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Cookie, Request, Response, status
from fastapi.responses import RedirectResponse

from rempart.deps import AddressDep, PlatformDep, SessionPolicyDep
from rempart.identity import cookies, signin
from rempart.identity.auth_api import DeviceCookie
from rempart.identity.prosante import ProSanteConnect, ProSanteConnectRefused
from rempart.identity.prosante_pending import PENDING_LIFETIME, open_pending, seal_pending
from rempart.kernel.errors import NotFound

router = APIRouter(prefix="/api/v1/auth/psc", tags=["sign-in"])
PSC_COOKIE = "__Host-rempart-psc"
AFTER_SIGN_IN = "/home"  # each person's home by role (portal.pages.home)


def _provider(request: Request) -> ProSanteConnect:
    provider: ProSanteConnect | None = request.app.state.pro_sante_connect
    if provider is None:
        raise NotFound("Pro Santé Connect is not configured on this platform")
    return provider


def _cookie_key(platform: PlatformDep) -> bytes:
    return platform.vault.ephemeral_key("pro-sante-connect/pending")


@router.get("", status_code=status.HTTP_303_SEE_OTHER)
def start(request: Request, platform: PlatformDep) -> Response:
    """Redirects the browser to Pro Santé Connect."""
    begun = _provider(request).start(now=platform.clock.now())
    response = RedirectResponse(begun.url, status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        PSC_COOKIE,
        seal_pending(begun.pending, key=_cookie_key(platform)),
        max_age=int(PENDING_LIFETIME.total_seconds()),
        path="/",
        secure=True,
        httponly=True,
        samesite="lax",
    )
    return response


@router.get("/callback", status_code=status.HTTP_303_SEE_OTHER)
def callback(
    request: Request,
    platform: PlatformDep,
    policy: SessionPolicyDep,
    address: AddressDep,
    pending: Annotated[str | None, Cookie(alias=PSC_COOKIE)] = None,
    device: DeviceCookie = None,
) -> Response:
    """The provider sends the browser back here; the RPPS its ID token names signs in."""
    provider = _provider(request)
    if not pending:
        raise ProSanteConnectRefused("no Pro Santé Connect sign-in is pending in this browser")
    now = platform.clock.now()
    started = open_pending(pending, key=_cookie_key(platform), now=now)
    identity = provider.finish(pending=started, params=dict(request.query_params), now=now)
    done = signin.sign_in_with_pro_sante_connect(
        uow=platform.uow(),
        rpps=identity.rpps,
        auth_time=identity.auth_time,
        address=address,
        device_token=device,
        policy=policy,
    )
    response = RedirectResponse(AFTER_SIGN_IN, status_code=status.HTTP_303_SEE_OTHER)
    cookies.set_session(response, done.session_token, policy)
    cookies.set_device(response, done.device_token)
    cookies.clear(response, PSC_COOKIE)
    return response
