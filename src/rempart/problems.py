"""The one mapping from business errors to HTTP: RFC 9457 problem details."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from rempart.kernel.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InfrastructureError,
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
]


def status_for(error: DomainError) -> int:
    for kind, status in _STATUS:
        if isinstance(error, kind):
            return status
    return 422


def headers_for(error: DomainError) -> dict[str, str]:
    """The challenge or back-off a client needs to act on the refusal."""
    if isinstance(error, StepUpRequired):
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
    return extra


def problem(status: int, code: str, title: str, detail: str, **extra: object) -> JSONResponse:
    body = {
        "type": f"https://rempart.example/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, error: DomainError) -> JSONResponse:
        response = problem(
            status_for(error), error.code, error.title, error.message, **extra_for(error)
        )
        response.headers.update(headers_for(error))
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, error: RequestValidationError) -> JSONResponse:
        # Name the fields, never echo the input (it may be a NIR).
        fields = [".".join(str(p) for p in e["loc"] if p != "body") for e in error.errors()]
        return problem(
            422,
            "invalid-input",
            "A value is malformed",
            "invalid fields: " + ", ".join(fields),
            fields=fields,
        )

    @app.exception_handler(InfrastructureError)
    async def _infrastructure(_: Request, error: InfrastructureError) -> JSONResponse:
        # Fail safe: the operator reads the cause in the server log, the caller does not.
        # Infrastructure messages are written by us and carry no personal data.
        logger.error("unavailable: %s: %s", type(error).__name__, error)
        return problem(
            503, "unavailable", "Service unavailable", "the service cannot answer safely right now"
        )
