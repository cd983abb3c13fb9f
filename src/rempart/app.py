"""The web application: routers, error mapping, lifespan (database, key ring)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from rempart import __version__, problems
from rempart.audit import api as audit_api
from rempart.audit import history_api
from rempart.bootstrap import open_platform
from rempart.claims import api as claims_api
from rempart.identity import (
    accounts_api,
    auth_api,
    clients_api,
    me_api,
    oauth_api,
    psc_api,
)
from rempart.identity.passwords import (
    BreachedPasswords,
    KAnonymityListBreachedPasswords,
    NullBreachedPasswords,
    PasswordHasher,
)
from rempart.identity.prosante import ProSanteConnect
from rempart.incidents import api as incidents_api
from rempart.kernel.clock import Clock
from rempart.middleware import RequestContextMiddleware, SecurityHeadersMiddleware
from rempart.payments import api as payments_api
from rempart.payouts import api as payouts_api
from rempart.portal import demo as demo_pages
from rempart.portal import pages
from rempart.portal.rendering import render_problem
from rempart.rights import api as rights_api
from rempart.settings import Settings
from rempart.shield import api as shield_api
from rempart.shield.wiring import ShieldChannelBrakes, build_shield
from rempart.system import api as system_api


def create_app(settings: Settings, *, clock: Clock | None = None) -> FastAPI:
    """Opens the platform at once: a missing key ring or an unmigrated database stops the
    process before it listens, rather than at the first request."""
    platform = open_platform(settings, clock=clock, migrate=settings.is_development)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if app.state.pro_sante_connect is not None:
                app.state.pro_sante_connect.close()
            app.state.shield.close()
            platform.close()

    # The interactive reference pages load their scripts from a CDN: a health-data
    # platform serves no third-party script in production, only /openapi.json.
    reference = settings.is_development
    app = FastAPI(
        title="Rempart",
        version=__version__,
        summary="Tiers-payant operator: rights checks, invoices, payments, settlement.",
        lifespan=lifespan,
        responses=problems.RESPONSES,
        docs_url="/docs" if reference else None,
        redoc_url="/redoc" if reference else None,
    )
    app.state.platform = platform
    app.state.password_hasher = PasswordHasher()
    app.state.breached_passwords = _breached_passwords(settings)
    app.state.shield = build_shield(settings, platform)
    # Everything a request's use case calls stays in this process (the SQLite file, a
    # shield without Redis): its blocking calls are CPU work; see deps.database_work.
    app.state.inline_database_work = platform.database.embedded and settings.redis_url is None
    app.state.channel_brakes = ShieldChannelBrakes(platform.uow, app.state.shield)
    problems.install(app, pages=render_problem)
    psc = settings.pro_sante_connect()
    app.state.pro_sante_connect = None if psc is None else ProSanteConnect(psc)
    # Routes are tried in order, each router's in turn, until one matches: the software
    # API goes first, busiest first (a pharmacy's rights check should not be tried
    # against every portal page), and the portal's pages last. No two routers' paths
    # overlap, so the order changes no route's answer (tests/test_app.py holds this).
    routers = (
        rights_api,
        claims_api,
        auth_api,
        psc_api,
        oauth_api,
        me_api,
        accounts_api,
        clients_api,
        history_api,
        audit_api,
        payments_api,
        payouts_api,
        shield_api,
        incidents_api,
        system_api,
        pages,
    )
    for router in (module.router for module in routers):
        app.include_router(router)
    if settings.is_development:
        # Demo personas: one-click sign-in, never mounted outside development.
        app.include_router(demo_pages.router)
    app.mount(
        "/static", StaticFiles(directory=Path(pages.__file__).parent / "static"), name="static"
    )

    # Added innermost first: the security headers wrap the request context, as the
    # `@app.middleware` functions they replace did (see rempart.middleware).
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    return app


def _breached_passwords(settings: Settings) -> BreachedPasswords:
    if settings.breached_passwords_dir is None:
        return NullBreachedPasswords()
    return KAnonymityListBreachedPasswords(settings.breached_passwords_dir)
