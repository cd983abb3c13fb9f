"""Refusals of software clients, shaped for the HTTP layer: at resource endpoints a 401
with a `WWW-Authenticate: DPoP` challenge (RFC 9449 §7.1, RFC 6750 §3), at the token
endpoint an RFC 6749 §5.2 error body. Pure; the mapping lives in `rempart.problems`.

Messages say which rule failed, never whether a client or token exists beyond that.
"""

from __future__ import annotations

from rempart.kernel.errors import DomainError, Forbidden, Unauthenticated


class ClientAuthRefused(Unauthenticated):
    """A call to a resource endpoint without a valid DPoP-bound token."""

    challenge_error = "invalid_token"  # the `error` of the WWW-Authenticate challenge


class InvalidToken(ClientAuthRefused):
    code = "invalid-token"
    title = "The access token is missing, unknown, expired or revoked"


class InvalidDpopProof(ClientAuthRefused):
    code = "invalid-dpop-proof"
    title = "The DPoP proof is missing, malformed, mis-bound or replayed"
    challenge_error = "invalid_dpop_proof"


class InvalidClient(ClientAuthRefused):
    code = "invalid-client"
    title = "The client is unknown, not active or failed to authenticate"
    # RFC 6750 has no invalid_client: to a resource server the token is what failed.


class ActingProfessionalRefused(Forbidden):
    """The client authenticated, but the professional it says it acts for is not a
    member of its structure (or was not named)."""

    code = "acting-professional-refused"
    title = "The acting professional is not a member of the client's structure"


class TokenRequestRefused(DomainError):
    """A refusal at the token endpoint, answered as RFC 6749 §5.2 expects (clients'
    OAuth libraries read `error`, not a problem document)."""

    code = "token-request-refused"
    title = "The token request was refused"

    def __init__(self, error: str, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.error = error
        self.status = status
