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


class Forbidden(DomainError):
    code = "forbidden"
    title = "Not allowed"


class NotFound(DomainError):
    code = "not-found"
    title = "No such object"


class Conflict(DomainError):
    code = "conflict"
    title = "The object already exists or changed meanwhile"


class InfrastructureError(Exception):
    """Something the platform depends on is missing or broken (keys, database, store).

    Never shown verbatim to a remote caller; the CLI prints it for the operator.
    """
