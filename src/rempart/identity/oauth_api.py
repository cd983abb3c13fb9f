"""The OAuth token endpoint for software clients (RFC 6749 §4.4 with RFC 7523 client
assertions and RFC 9449 DPoP). Thin: parse the form, call one use case, answer.

Refusals are `TokenRequestRefused`, which `rempart.problems` renders as RFC 6749 §5.2
error bodies.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from rempart.deps import PlatformDep
from rempart.identity.client_auth import issue_access_token
from rempart.identity.client_errors import TokenRequestRefused
from rempart.settings import Settings

TOKEN_PATH = "/api/v1/oauth/token"  # noqa: S105  (a path, not a secret)
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 16 * 1024

router = APIRouter(tags=["oauth"])


class TokenResponse(BaseModel):
    access_token: str
    token_type: str
    expires_in: int


class TokenRequest(BaseModel):
    grant_type: str | None = None
    client_assertion_type: str | None = None
    client_assertion: str | None = None
    dpop: str | None = None


async def read_token_request(request: Request) -> TokenRequest:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != FORM_TYPE:
        raise TokenRequestRefused("invalid_request", f"the token request is {FORM_TYPE}")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise TokenRequestRefused("invalid_request", "the token request is too large")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        raise TokenRequestRefused("invalid_request", "the token request is malformed") from None
    names = [name for name, _ in pairs]
    if len(names) != len(set(names)):  # RFC 6749 §3.2: parameters are not repeated
        raise TokenRequestRefused("invalid_request", "a parameter is repeated")
    proofs = request.headers.getlist("dpop")
    if len(proofs) > 1:
        raise TokenRequestRefused("invalid_dpop_proof", "send exactly one DPoP header")
    form = dict(pairs)
    return TokenRequest(
        grant_type=form.get("grant_type"),
        client_assertion_type=form.get("client_assertion_type"),
        client_assertion=form.get("client_assertion"),
        dpop=proofs[0] if proofs else None,
    )


def token_endpoint_url(settings: Settings) -> str:
    """The URL clients sign as `aud` and `htu`: from configuration, never from the Host
    header (which the caller chooses). The platform's public origin is the one its
    passkey ceremonies use."""
    _, origin = settings.passkey_relying_party()
    return origin.rstrip("/") + TOKEN_PATH


@router.post(TOKEN_PATH, response_model=TokenResponse)
def token(
    request: Annotated[TokenRequest, Depends(read_token_request)],
    platform: PlatformDep,
    response: Response,
) -> TokenResponse:
    issued = issue_access_token(
        uow=platform.uow(),
        token_endpoint_url=token_endpoint_url(platform.settings),
        client_assertion=request.client_assertion,
        client_assertion_type=request.client_assertion_type,
        grant_type=request.grant_type,
        dpop_proof=request.dpop,
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return TokenResponse(
        access_token=issued.access_token,
        token_type=issued.token_type,
        expires_in=issued.expires_in,
    )
