"""The routes an app serves, flattened: the inventory the authorisation matrix walks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.routing import BaseRoute, Mount, Route


def served_routes(routes: Iterable[BaseRoute], prefix: str = "") -> set[tuple[str, str]]:
    served: set[tuple[str, str]] = set()
    for route in routes:
        if isinstance(route, Mount):
            served.add(("MOUNT", prefix + route.path))
        elif isinstance(route, Route):
            served |= {(m, prefix + route.path) for m in route.methods or () if m != "HEAD"}
        elif hasattr(route, "original_router"):
            # FastAPI keeps included routers lazily; their routes sit on the original.
            context: Any = getattr(route, "include_context", None)
            nested = prefix + (getattr(context, "prefix", "") or "")
            served |= served_routes(route.original_router.routes, nested)
        else:
            served.add(("UNKNOWN", repr(route)))
    return served
