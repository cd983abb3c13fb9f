"""The business error hierarchy, mapped to HTTP and to exit codes in one place each.

Messages never contain the offending value when it may be personal data: they name the
field and the rule that failed, which is what an integrator needs to fix a file.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused an operation. Safe to show to the caller."""

    code: str = "domain-error"
    title: str = "The request breaks a business rule"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    code = "invalid-input"
    title = "A value is malformed"


class InvalidIdentifier(InvalidInput):
    code = "invalid-identifier"
    title = "An identifier fails its format or check digit"


class Unauthenticated(DomainError):
    """No valid proof of identity came with the request (HTTP 401). Says nothing of
    whether the account, client or token exists."""

    code = "unauthenticated"
    title = "Authentication is required"


class StepUpRequired(Unauthenticated):
    """The caller is known but must present a phishing-resistant factor again, no longer
    ago than `max_age` seconds (RFC 9470's `insufficient_user_authentication`)."""

    code = "step-up-required"
    title = "Authenticate again with a phishing-resistant factor"

    def __init__(
        self,
        message: str,
        *,
        max_age: int,
        scheme: str = "Bearer",
        step_up_uri: str | None = None,
    ) -> None:
        super().__init__(message)
        self.max_age = max_age
        self.scheme = scheme  # of the challenge: DPoP for software clients
        self.step_up_uri = step_up_uri  # where software asks for the confirmation


class RateLimited(DomainError):
    """Too many attempts: try again after `retry_after` seconds (HTTP 429)."""

    code = "rate-limited"
    title = "Too many attempts"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Forbidden(DomainError):
    code = "forbidden"
    title = "Not allowed"


class NotFound(DomainError):
    code = "not-found"
    title = "No such object"


class Conflict(DomainError):
    code = "conflict"
    title = "The object already exists or changed meanwhile"


class NotAvailable(DomainError):
    """The operation exists but this deployment has nothing to carry it out (a port left
    unconfigured on purpose rather than faked). Nothing was done (HTTP 501)."""

    code = "not-available"
    title = "Not available in this deployment"


class InfrastructureError(Exception):
    """Something the platform depends on is missing or broken (keys, database, store).

    Never shown verbatim to a remote caller; the CLI prints it for the operator.
    """
