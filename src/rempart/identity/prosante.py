"""Pro Santé Connect: the OpenID Connect client through which professionals sign in with
their CPS card or e-CPS app (authorization code flow, PKCE S256, client_secret_basic).

The professional is bound by the RPPS inside `SubjectNameID`, never by e-mail. The
pending sign-in (state, nonce, PKCE verifier) travels in the browser sealed with
AES-256-GCM, so any worker can finish a sign-in another started. Refusals raise
`ProSanteConnectRefused` (401); a provider that is unreachable or answers nonsense raises
`InfrastructureError`. Nothing here logs a token, code, secret or identifier.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from rempart.identity.prosante_pending import (
    PENDING_LIFETIME,
    PendingAuthorization,
    open_pending,
    seal_pending,
)
from rempart.identity.prosante_tokens import (
    IdTokenClaims,
    KeySet,
    ProSanteConnectRefused,
    rpps_from_subject_name_id,
    verify_id_token,
)
from rempart.kernel.errors import InfrastructureError

_RANDOM_BYTES = 32

__all__ = [
    "PENDING_LIFETIME",
    "AuthorizationStart",
    "PendingAuthorization",
    "ProSanteConnect",
    "ProSanteConnectConfig",
    "ProSanteConnectRefused",
    "ProfessionalIdentity",
    "ProfessionalSignIn",
    "open_pending",
    "seal_pending",
]


@dataclass(frozen=True)
class ProSanteConnectConfig:
    """A relying party registered with Pro Santé Connect.

    `max_age` (seconds) defaults to the pending sign-in's own lifetime: an authentication
    made during this sign-in always fits, while a provider session older than ten minutes
    (a workstation left signed in at the provider) is not silently reused.
    """

    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str
    acr_values: str = "eidas1"
    max_age: int = int(PENDING_LIFETIME.total_seconds())
    scope: str = "openid scope_all"
    leeway: int = 60
    timeout: float = 5.0

    def __post_init__(self) -> None:
        if not (self.issuer and self.client_id and self.client_secret and self.redirect_uri):
            raise ValueError("issuer, client id, client secret and redirect URI are required")
        if not self.acr_values.split():
            raise ValueError("at least one acr value is required")
        if "openid" not in self.scope.split():
            raise ValueError("the scope must include openid")
        if self.max_age < 1 or not 0 <= self.leeway <= 300 or self.timeout <= 0:
            raise ValueError("max_age, leeway or timeout is out of range")

    @property
    def accepted_acr(self) -> frozenset[str]:
        return frozenset(self.acr_values.split())


@dataclass(frozen=True)
class AuthorizationStart:
    url: str = field(repr=False)
    pending: PendingAuthorization


@dataclass(frozen=True)
class ProfessionalIdentity:
    """A professional authenticated by Pro Santé Connect."""

    rpps: str = field(repr=False)
    subject: str = field(repr=False)
    acr: str
    auth_time: datetime


class ProfessionalSignIn(Protocol):
    """The port the web layer depends on; `ProSanteConnect` is its real adapter."""

    def start(self, *, now: datetime) -> AuthorizationStart: ...

    def finish(
        self, *, pending: PendingAuthorization, params: Mapping[str, str], now: datetime
    ) -> ProfessionalIdentity: ...


@dataclass(frozen=True)
class _Endpoints:
    authorization: str
    token: str
    jwks: str
    userinfo: str | None
    iss_parameter: bool


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


# --- The client -----------------------------------------------------------------------------


class ProSanteConnect:
    """The relying party: builds the authorization request and turns the callback into a
    `ProfessionalIdentity`. Holds the discovery document and key set of one provider."""

    def __init__(self, config: ProSanteConnectConfig, http: httpx.Client | None = None) -> None:
        self.config = config
        self._owns_http = http is None
        self._http = http if http is not None else httpx.Client(follow_redirects=False)
        self._endpoints: _Endpoints | None = None
        self._keys = KeySet(lambda: self._get_json(self._discover().jwks, what="key set"))

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def start(self, *, now: datetime) -> AuthorizationStart:
        """The authorization URL to send the browser to, and what its callback must match."""
        _require_aware(now)
        pending = PendingAuthorization(
            state=secrets.token_urlsafe(_RANDOM_BYTES),
            nonce=secrets.token_urlsafe(_RANDOM_BYTES),
            code_verifier=secrets.token_urlsafe(_RANDOM_BYTES * 2),
            started_at=now,
        )
        challenge = _b64url(hashlib.sha256(pending.code_verifier.encode("ascii")).digest())
        config = self.config
        url = httpx.URL(self._discover().authorization).copy_merge_params(
            {
                "response_type": "code",
                "client_id": config.client_id,
                "redirect_uri": config.redirect_uri,
                "scope": config.scope,
                "state": pending.state,
                "nonce": pending.nonce,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
                "acr_values": config.acr_values,
                "max_age": str(config.max_age),
            }
        )
        return AuthorizationStart(url=str(url), pending=pending)

    def finish(
        self, *, pending: PendingAuthorization, params: Mapping[str, str], now: datetime
    ) -> ProfessionalIdentity:
        """The professional named by the callback's query `params`, or a refusal."""
        _require_aware(now)
        if "error" in params:
            raise ProSanteConnectRefused("the provider returned an error instead of a code")
        state = params.get("state", "")
        if not hmac.compare_digest(state.encode(), pending.state.encode()):
            raise ProSanteConnectRefused("the state does not match the pending sign-in")
        endpoints = self._discover()
        # RFC 9207: the iss parameter defeats mix-up between providers.
        issued_by = params.get("iss")
        if issued_by is None and endpoints.iss_parameter:
            raise ProSanteConnectRefused("the callback lacks the iss parameter")
        if issued_by is not None and issued_by != self.config.issuer:
            raise ProSanteConnectRefused("the callback comes from another issuer")
        code = params.get("code")
        if not code:
            raise ProSanteConnectRefused("the callback carries no authorization code")

        tokens = self._exchange(code, pending.code_verifier)
        claims = self.verify_id_token(tokens["id_token"], nonce=pending.nonce, now=now)
        subject_name_id = claims.subject_name_id
        if subject_name_id is None:
            subject_name_id = self._userinfo_subject_name_id(
                tokens.get("access_token"), subject=claims.subject
            )
        return ProfessionalIdentity(
            rpps=rpps_from_subject_name_id(subject_name_id),
            subject=claims.subject,
            acr=claims.acr,
            auth_time=claims.auth_time,
        )

    def verify_id_token(self, id_token: str, *, nonce: str, now: datetime) -> IdTokenClaims:
        """The checked claims of an ID token issued to this client for `nonce`."""
        _require_aware(now)
        config = self.config
        return verify_id_token(
            id_token,
            keys=self._keys,
            issuer=config.issuer,
            client_id=config.client_id,
            nonce=nonce,
            accepted_acr=config.accepted_acr,
            max_age=timedelta(seconds=config.max_age),
            leeway=timedelta(seconds=config.leeway),
            now=now,
        )

    # --- provider calls -------------------------------------------------------------------

    def _discover(self) -> _Endpoints:
        if self._endpoints is not None:
            return self._endpoints
        issuer = self.config.issuer
        document = self._get_json(
            f"{issuer.rstrip('/')}/.well-known/openid-configuration", what="discovery"
        )
        if document.get("issuer") != issuer:
            raise InfrastructureError("Pro Santé Connect discovery names another issuer")
        required = ("authorization_endpoint", "token_endpoint", "jwks_uri")
        urls = {name: document.get(name) for name in (*required, "userinfo_endpoint")}
        # An https provider must not have codes and tokens sent anywhere in clear.
        schemes = ("https://",) if issuer.startswith("https://") else ("https://", "http://")
        for name, url in urls.items():
            if url is None and name not in required:
                continue
            if not isinstance(url, str) or not url.startswith(schemes):
                raise InfrastructureError(f"Pro Santé Connect discovery has a bad {name}")
        self._endpoints = _Endpoints(
            authorization=str(urls["authorization_endpoint"]),
            token=str(urls["token_endpoint"]),
            jwks=str(urls["jwks_uri"]),
            userinfo=urls["userinfo_endpoint"],
            iss_parameter=document.get("authorization_response_iss_parameter_supported") is True,
        )
        return self._endpoints

    def _exchange(self, code: str, code_verifier: str) -> Mapping[str, Any]:
        config = self.config
        # RFC 6749 2.3.1: both halves are form-encoded before Basic encoding.
        auth = httpx.BasicAuth(
            quote(config.client_id, safe=""), quote(config.client_secret, safe="")
        )
        response = self._call(
            "POST",
            self._discover().token,
            what="token endpoint",
            auth=auth,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": config.redirect_uri,
                "code_verifier": code_verifier,
            },
            headers={"Accept": "application/json"},
        )
        if response.status_code == 400 and _oauth_error(response) == "invalid_grant":
            raise ProSanteConnectRefused(
                "the provider refused the authorization code (expired, used or not ours)"
            )
        tokens = _json_object(response, what="token endpoint")
        if not isinstance(tokens.get("id_token"), str):
            raise InfrastructureError("Pro Santé Connect token endpoint returned no ID token")
        if str(tokens.get("token_type", "")).lower() != "bearer":
            raise InfrastructureError("Pro Santé Connect token endpoint returned no bearer token")
        return tokens

    def _userinfo_subject_name_id(self, access_token: object, *, subject: str) -> object:
        url = self._discover().userinfo
        if url is None or not isinstance(access_token, str) or not access_token:
            raise ProSanteConnectRefused("no SubjectNameID in the ID token and no UserInfo")
        response = self._call(
            "GET",
            url,
            what="UserInfo",
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
        )
        claims = _json_object(response, what="UserInfo")
        # OpenID Connect Core 5.3.2: UserInfo about someone else must not be used.
        if claims.get("sub") != subject:
            raise ProSanteConnectRefused("UserInfo describes another subject than the ID token")
        value = claims.get("SubjectNameID")
        if value is None:
            raise ProSanteConnectRefused("the provider gave no SubjectNameID")
        return value

    def _get_json(self, url: str, *, what: str) -> Mapping[str, Any]:
        response = self._call("GET", url, what=what, headers={"Accept": "application/json"})
        return _json_object(response, what=what)

    def _call(self, method: str, url: str, *, what: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._http.request(
                method,
                url,
                timeout=self.config.timeout,
                follow_redirects=False,
                **kwargs,
            )
        except httpx.HTTPError as exc:
            # The exception's text may quote the request; only its kind is kept.
            raise InfrastructureError(
                f"Pro Santé Connect {what} unreachable ({type(exc).__name__})"
            ) from None


def _oauth_error(response: httpx.Response) -> object:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("error") if isinstance(body, dict) else None


def _json_object(response: httpx.Response, *, what: str) -> Mapping[str, Any]:
    if response.status_code != 200:
        raise InfrastructureError(f"Pro Santé Connect {what} answered HTTP {response.status_code}")
    media_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    # JWKS documents come as application/jwk-set+json.
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise InfrastructureError(f"Pro Santé Connect {what} did not answer JSON")
    try:
        body = response.json()
    except ValueError:
        raise InfrastructureError(f"Pro Santé Connect {what} answered malformed JSON") from None
    if not isinstance(body, dict):
        raise InfrastructureError(f"Pro Santé Connect {what} answered malformed JSON")
    return body
