"""The app's two middlewares, as plain ASGI: the request's context for the audit log, and
the security headers of every answer.

They were `@app.middleware("http")` functions (Starlette's BaseHTTPMiddleware), which run
the rest of the app in a task of its own and pass the answer back through memory streams:
about a millisecond of the server's CPU on every request, for two header edits. Here the
app runs in the request's own task and the headers are edited on the way out, in the
`http.response.start` message, as before: same headers, same order, same values.

An exception the app does not handle leaves through them untouched, as it did: the
server's error middleware, outside these, answers it (without these headers, as before).
"""

from __future__ import annotations

import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rempart.audit.context import REQUEST_ID_SHAPE, RequestContext, serving

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class RequestContextMiddleware:
    """Every audit record written while serving names this request; a caller's own
    well-formed X-Request-ID is kept so that both sides can correlate, and the answer
    carries the id either way."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        incoming = headers.get("x-request-id", "")
        request_id = incoming if REQUEST_ID_SHAPE.fullmatch(incoming) else uuid.uuid4().hex
        client = scope.get("client")
        context = RequestContext(
            request_id=request_id,
            address=client[0] if client else None,
            user_agent=headers.get("user-agent"),
        )

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        with serving(context):
            await self.app(scope, receive, send_with_id)


class SecurityHeadersMiddleware:
    """The security headers on every answer but the interactive reference pages (/docs
    loads its scripts and styles from elsewhere), and a cache policy: pages may hold
    personal data, so they are never stored; static assets (no data) are revalidated
    with their ETag rather than downloaded again. A route's own Cache-Control stands."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        reference = path.startswith("/docs")
        static = path.startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if not reference:
                    headers.update(SECURITY_HEADERS)
                headers.setdefault("Cache-Control", "no-cache" if static else "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)
