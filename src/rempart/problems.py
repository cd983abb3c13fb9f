"""The one mapping from business errors to HTTP: RFC 9457 problem details."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from rempart.db.transient import is_transient
from rempart.identity.client_errors import ClientAuthRefused, TokenRequestRefused
from rempart.identity.jwk import ALLOWED_ALGORITHMS
from rempart.kernel.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InfrastructureError,
    NotAvailable,
    NotFound,
    RateLimited,
    StepUpRequired,
    Unauthenticated,
)

PROBLEM_JSON = "application/problem+json"
logger = logging.getLogger("rempart")

_STATUS: list[tuple[type[DomainError], int]] = [
    (Unauthenticated, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (RateLimited, 429),
    (NotAvailable, 501),
]


def status_for(error: DomainError) -> int:
    for kind, status in _STATUS:
        if isinstance(error, kind):
            return status
    return 422


def headers_for(error: DomainError) -> dict[str, str]:
    """The challenge or back-off a client needs to act on the refusal."""
    if isinstance(error, StepUpRequired):
        # RFC 9470 §3; to software, in its own scheme with the algorithms (RFC 9449 §7.1).
        if error.scheme == "DPoP":
            challenge = dpop_challenge("insufficient_user_authentication", error.title)
            return {"WWW-Authenticate": f"{challenge}, max_age={error.max_age}"}
        return {
            "WWW-Authenticate": (
                'Bearer error="insufficient_user_authentication", '
                f'error_description="{error.title}", max_age={error.max_age}'
            )
        }
    if isinstance(error, RateLimited):
        return {"Retry-After": str(error.retry_after)}
    return {}


def extra_for(error: DomainError) -> dict[str, object]:
    extra: dict[str, object] = {"field": error.field} if error.field else {}
    if isinstance(error, StepUpRequired):
        extra["max_age"] = error.max_age
        if error.step_up_uri:
            extra["step_up_uri"] = error.step_up_uri
    return extra


class Problem(BaseModel):
    """RFC 9457 problem details, as every refusal is answered (never the offending value)."""

    type: str
    title: str
    status: int
    detail: str
    field: str | None = Field(default=None, description="The field at fault, when one is")
    fields: list[str] | None = Field(default=None, description="Malformed fields, for 422")
    max_age: int | None = Field(default=None, description="For step-up-required: seconds")
    step_up_uri: str | None = Field(
        default=None,
        description="For step-up-required, to software: where it asks for the code the "
        "professional at the counter confirms in the portal",
    )


def _described(description: str) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/Problem"}
    return {
        "model": Problem,
        "description": description,
        "content": {PROBLEM_JSON: {"schema": schema}},
    }


# Declared on every route in the OpenAPI description, so integrators see the real shapes.
RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _described("Not authenticated, or a fresh phishing-resistant factor is required"),
    403: _described("Not allowed for this caller"),
    404: _described("No such object (or not yours)"),
    409: _described("Conflicts with the current state"),
    422: _described("A value is malformed; `field` or `fields` name it"),
    429: _described("Too many requests: see Retry-After"),
    501: _described("Not available in this deployment (nothing was done)"),
    503: _described("The service cannot answer safely right now"),
}


def problem(status: int, code: str, title: str, detail: str, **extra: object) -> JSONResponse:
    body = {
        "type": f"https://rempart.example/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def dpop_challenge(error: str | None = None, description: str | None = None) -> str:
    """A `WWW-Authenticate: DPoP` challenge (RFC 9449 §7.1) naming the accepted algorithms."""
    params = []
    if error:
        params.append(f'error="{error}"')
    if description:
        # Our messages carry no quotes; strip any so the header stays well-formed.
        params.append('error_description="{}"'.format(description.replace('"', "'")))
    params.append('algs="{}"'.format(" ".join(sorted(ALLOWED_ALGORITHMS))))
    return "DPoP " + ", ".join(params)


def oauth_error(error: TokenRequestRefused) -> JSONResponse:
    """RFC 6749 §5.2: what clients' OAuth libraries read at the token endpoint."""
    headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    if error.status == 401:
        headers["WWW-Authenticate"] = dpop_challenge()
    return JSONResponse(
        {"error": error.error, "error_description": error.message},
        status_code=error.status,
        headers=headers,
    )


@dataclass(frozen=True)
class ProblemDetails:
    """One refusal, mapped once: what the JSON problem says, and what a page shows."""

    status: int
    code: str
    title: str
    detail: str
    extra: dict[str, object] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


# The portal renders the same details as an HTML page or fragment for its own routes;
# it answers None for any other route, which then gets the JSON problem.
PageRenderer = Callable[[Request, ProblemDetails], Response | None]


def _respond(request: Request, details: ProblemDetails, pages: PageRenderer | None) -> Response:
    if pages is not None:
        page = pages(request, details)
        if page is not None:
            page.headers.update(details.headers)
            return page
    response = problem(details.status, details.code, details.title, details.detail, **details.extra)
    response.headers.update(details.headers)
    return response


def install(app: FastAPI, *, pages: PageRenderer | None = None) -> None:
    @app.exception_handler(TokenRequestRefused)
    async def _token_request(_: Request, error: TokenRequestRefused) -> JSONResponse:
        return oauth_error(error)

    @app.exception_handler(ClientAuthRefused)
    async def _client_auth(_: Request, error: ClientAuthRefused) -> JSONResponse:
        response = problem(401, error.code, error.title, error.message)
        response.headers["WWW-Authenticate"] = dpop_challenge(error.challenge_error, error.message)
        return response

    @app.exception_handler(DomainError)
    async def _domain(request: Request, error: DomainError) -> Response:
        details = ProblemDetails(
            status_for(error),
            error.code,
            error.title,
            error.message,
            extra_for(error),
            headers_for(error),
        )
        return _respond(request, details, pages)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> Response:
        # Name the fields, never echo the input (it may be a NIR).
        fields = [".".join(str(p) for p in e["loc"] if p != "body") for e in error.errors()]
        details = ProblemDetails(
            422,
            "invalid-input",
            "A value is malformed",
            "invalid fields: " + ", ".join(fields),
            {"fields": fields},
        )
        return _respond(request, details, pages)

    @app.exception_handler(InfrastructureError)
    async def _infrastructure(request: Request, error: InfrastructureError) -> Response:
        # Fail safe: the operator reads the cause in the server log, the caller does not.
        # Infrastructure messages are written by us and carry no personal data.
        logger.error("unavailable: %s: %s", type(error).__name__, error)
        return _respond(request, UNAVAILABLE, pages)

    async def _database(request: Request, error: Exception) -> Response:
        # The database could not do its part this time (`db.transient`: a writer held
        # the SQLite file past the busy timeout, the connection was lost, a deadlock or
        # serialisation failure, no pooled connection free): the failing transaction was
        # rolled back, and the same request may succeed a moment later. The log names
        # the kind and the first line of the driver's message (values are in its detail
        # lines, if anywhere, and the engines hide statements' parameters). Any other
        # database error is a defect: raised on, a 500 with its traceback in the log.
        if not is_transient(error):
            raise error
        cause = getattr(error, "orig", None) or error
        first_line = (str(cause).splitlines() or [""])[0]
        logger.error("database unavailable: %s: %s", type(cause).__name__, first_line)
        if isinstance(error, PoolTimeout):
            # Every connection was busy: spread the callers' retries out.
            wait = {"Retry-After": str(random.randint(2, 6))}  # noqa: S311 - not a secret
            return _respond(request, replace(DATABASE_BUSY, headers=wait), pages)
        return _respond(request, DATABASE_BUSY, pages)

    for kind in (DBAPIError, PoolTimeout):
        app.add_exception_handler(kind, _database)


UNAVAILABLE = ProblemDetails(
    503, "unavailable", "Service unavailable", "the service cannot answer safely right now"
)
DATABASE_BUSY = ProblemDetails(
    503,
    "unavailable",
    "Service unavailable",
    "the database could not complete this request; its failing step was rolled back: "
    "send it again in a moment",
    headers={"Retry-After": "1"},
)
