"""The portal's common pages: the landing page, the language switch, sign-in and sign-out,
each person's home and own security history. The audiences' pages live beside this
module (`professional`, `insured`); `router` gathers them all.

Nothing here reads personal data; sign-in itself goes through the JSON endpoints of
`identity.auth_api` (the WebAuthn ceremony runs in `static/passkeys.js`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from rempart.deps import PersonDep, PlatformDep, ShieldDep, permitted
from rempart.identity import cookies, service
from rempart.identity.permissions import Actor, Permission, Role
from rempart.identity.sessions import revoke_session
from rempart.portal import demo, incident_actions, insured, insurer, professional, security
from rempart.portal.charts import hourly
from rempart.portal.forms import FormDep, form_csrf
from rempart.portal.messages import LANGUAGES
from rempart.portal.navigation import home_of
from rempart.portal.rendering import LANG_COOKIE, PageRoute, is_htmx, local_path, render
from rempart.shield import usage

SEE_OTHER = 303
CHECKERS = frozenset({Role.PROFESSIONAL, Role.STRUCTURE_ADMIN})
HistoryReader = Annotated[Actor, Depends(permitted(Permission.SECURITY_HISTORY_READ))]

public = APIRouter(route_class=PageRoute, include_in_schema=False)


@public.get("/", response_class=HTMLResponse)
def landing(request: Request, platform: PlatformDep) -> HTMLResponse:
    development = platform.settings.is_development
    return render(
        request,
        "landing.html",
        personas=demo.PERSONAS if development else (),
        card=demo.card(platform) if development else None,
        # A session cookie (a returning person): offer the way in to their home.
        returning=cookies.SESSION in request.cookies,
    )


@public.post("/language")
def choose_language(form: FormDep) -> Response:
    """A preference, not a secret: kept a year, sent to this site only."""
    response = RedirectResponse(local_path(form.get("next")), status_code=SEE_OTHER)
    lang = form.get("lang")
    if lang in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=365 * 24 * 3600,
            path="/",
            secure=True,
            httponly=True,
            samesite="lax",
        )
    return response


@public.get("/sign-in", response_class=HTMLResponse)
def sign_in(request: Request) -> HTMLResponse:
    return render(request, "sign_in.html", psc=request.app.state.pro_sante_connect is not None)


@public.get("/home")
def home(actor: PersonDep) -> Response:
    """Each person's landing page after sign-in, by role."""
    return RedirectResponse(home_of(actor), status_code=SEE_OTHER)


@public.post("/sign-out")
def sign_out(request: Request, actor: PersonDep, platform: PlatformDep) -> Response:
    """Ends this session (CSRF-checked like any unsafe request) and goes back home: HTMX
    follows its header, a form sent without JavaScript the redirect."""
    if actor.session_id is not None:
        revoke_session(uow=platform.uow(), actor=actor, session_id=actor.session_id)
    response: Response = (
        Response(status_code=200, headers={"HX-Redirect": "/"})
        if is_htmx(request)
        else RedirectResponse("/", status_code=SEE_OTHER)
    )
    cookies.clear(response, cookies.SESSION)
    return response


@public.get("/account/security", response_class=HTMLResponse)
def security_history(
    request: Request, actor: HistoryReader, platform: PlatformDep, shield: ShieldDep
) -> HTMLResponse:
    events = service.security_history(uow=platform.uow(), actor=actor)
    checks = None
    if actor.role in CHECKERS:  # a professional sees what their account checked, per hour
        own = usage.own_checks_per_hour(uow=platform.uow(), actor=actor, shield=shield)
        checks = hourly(own.first, own.counts)
    return render(request, "account/security.html", actor=actor, events=events[:200], checks=checks)


# Every page's POST may carry its CSRF token in a hidden field (forms work without
# JavaScript); the reader runs before the actor is resolved.
router = APIRouter(dependencies=[Depends(form_csrf)])
router.include_router(public)
router.include_router(professional.router)
router.include_router(insured.router)
router.include_router(security.router)
router.include_router(incident_actions.router)
router.include_router(insurer.router)
