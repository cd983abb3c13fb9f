"""DEVELOPMENT ONLY: sign in as a demo persona in one click. The router is mounted by
`create_app` only when REMPART_ENV=development (elsewhere the path is a plain 404), and
the use case refuses outside development all the same. Each session is marked "demo"
and on record (security history and audit log)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from rempart.bootstrap import Platform
from rempart.demo import personas
from rempart.demo.personas import PERSONAS, DemoCard
from rempart.deps import PlatformDep, SessionPolicyDep
from rempart.identity import cookies
from rempart.kernel.errors import Forbidden
from rempart.portal.rendering import PageRoute

__all__ = ["PERSONAS", "card", "router"]

router = APIRouter(prefix="/demo", route_class=PageRoute, include_in_schema=False)


def card(platform: Platform) -> DemoCard | None:
    return personas.seeded_card(uow=platform.uow())


@router.post("/personas/{key}")
def sign_in_as(
    key: str, request: Request, platform: PlatformDep, policy: SessionPolicyDep
) -> Response:
    # Not from another site's form (a sign-in CSRF would put a visitor in a persona).
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        raise Forbidden("demo sign-in comes from this site's own landing page")
    token = personas.open_persona_session(
        uow=platform.uow(),
        key=key,
        development=platform.settings.is_development,
        policy=policy,
    )
    response = RedirectResponse("/home", status_code=303)
    cookies.set_session(response, token, policy)
    return response
