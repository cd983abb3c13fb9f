"""The app's middlewares are plain ASGI (rempart.middleware): they must answer exactly as
the `@app.middleware("http")` functions they replaced — same headers in the same order,
same status and body, the same request context seen by the route — which are kept here
as the reference."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import pytest
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.testclient import TestClient

from rempart.audit.context import REQUEST_ID_SHAPE, RequestContext, current_request, serving
from rempart.middleware import (
    SECURITY_HEADERS,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
)


def _routes(app: FastAPI) -> None:
    @app.get("/api/context")
    def context() -> dict[str, str | None]:
        seen = current_request()
        return {"address": seen.address, "agent": seen.user_agent, "id": seen.request_id}

    @app.post("/api/refused")
    def refused() -> None:
        raise LookupError("handled below")

    @app.get("/own-cache")
    def own_cache() -> Response:
        return PlainTextResponse("x", headers={"Cache-Control": "max-age=5", "X-Frame": "a"})

    @app.get("/docs/page")
    async def docs() -> Response:
        return PlainTextResponse("reference", headers={"Content-Security-Policy": "mine"})

    @app.get("/static/app.js")
    async def static() -> Response:
        return PlainTextResponse("js")

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("unhandled")

    @app.exception_handler(LookupError)
    async def _lookup(_: Request, error: LookupError) -> Response:
        return JSONResponse({"detail": str(error)}, status_code=404)


def reference_app() -> FastAPI:
    """The middlewares as they were (Starlette's BaseHTTPMiddleware)."""
    app = FastAPI()
    _routes(app)

    @app.middleware("http")
    async def request_context(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        incoming = request.headers.get("x-request-id", "")
        request_id = incoming if REQUEST_ID_SHAPE.fullmatch(incoming) else uuid.uuid4().hex
        context = RequestContext(
            request_id=request_id,
            address=request.client.host if request.client else None,
            user_agent=request.headers.get("user-agent"),
        )
        with serving(context):
            response = await call_next(request)
        response.headers["X-Request-ID"] = request_id
        return response

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if not request.url.path.startswith("/docs"):
            response.headers.update(SECURITY_HEADERS)
        static = request.url.path.startswith("/static/")
        response.headers.setdefault("Cache-Control", "no-cache" if static else "no-store")
        return response

    return app


def asgi_app() -> FastAPI:
    app = FastAPI()
    _routes(app)
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    return app


CASES = [
    ("GET", "/api/context", {"User-Agent": "counter/2", "X-Request-ID": "req-0123456789"}),
    ("GET", "/api/context", {"X-Request-ID": "short"}),  # malformed: replaced
    ("GET", "/api/context", {"X-Request-ID": "x" * 65}),
    ("POST", "/api/refused", {"X-Request-ID": "req-refused-01"}),
    ("GET", "/own-cache", {"X-Request-ID": "req-own-cache-1"}),
    ("GET", "/docs/page", {"X-Request-ID": "req-docs-0001"}),
    ("GET", "/static/app.js", {"X-Request-ID": "req-static-001"}),
    ("GET", "/nowhere", {"X-Request-ID": "req-nowhere-01"}),
    ("HEAD", "/static/app.js", {"X-Request-ID": "req-head-00001"}),
]


@pytest.mark.parametrize(("method", "path", "headers"), CASES)
def test_answers_as_the_base_http_middlewares_did(
    method: str, path: str, headers: dict[str, str]
) -> None:
    answers = []
    for app in (reference_app(), asgi_app()):
        with TestClient(app) as client:
            answers.append(client.request(method, path, headers=headers))
    before, after = answers
    generated = not REQUEST_ID_SHAPE.fullmatch(headers.get("X-Request-ID", ""))

    def comparable(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(k, "<generated>" if generated and k == "x-request-id" else v) for k, v in items]

    assert after.status_code == before.status_code
    assert comparable(after.headers.multi_items()) == comparable(before.headers.multi_items())
    if path == "/api/context":
        assert after.json()["id"] == after.headers["x-request-id"]
        assert {**after.json(), "id": None} == {**before.json(), "id": None}
    else:
        assert after.content == before.content


def test_an_unhandled_error_leaves_through_them_as_before() -> None:
    answers = []
    for app in (reference_app(), asgi_app()):
        with TestClient(app, raise_server_exceptions=False) as client:
            answers.append(client.get("/boom"))
    before, after = answers
    assert (
        (after.status_code, after.content)
        == (before.status_code, before.content)
        == (
            500,
            b"Internal Server Error",
        )
    )
    assert after.headers.multi_items() == before.headers.multi_items()
