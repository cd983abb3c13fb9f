"""What the audit log learns about the request an action belongs to — its id, the
client address and user agent (stored only as keyed hashes) — carried for the duration
of one request so that every record written while serving it names them, without
threading HTTP details through every use case."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

REQUEST_ID_SHAPE = re.compile(r"[A-Za-z0-9._-]{8,64}")


@dataclass(frozen=True)
class RequestContext:
    request_id: str | None = None
    address: str | None = None
    user_agent: str | None = None


_NO_REQUEST = RequestContext()
_current: ContextVar[RequestContext | None] = ContextVar("rempart_request", default=None)


def current_request() -> RequestContext:
    """The request being served, or an empty context (command line, background work)."""
    return _current.get() or _NO_REQUEST


@contextmanager
def serving(context: RequestContext) -> Iterator[None]:
    token = _current.set(context)
    try:
        yield
    finally:
        _current.reset(token)
