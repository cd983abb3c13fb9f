"""FastAPI dependency aliases, in one place: the platform, settings, the authenticated
actor, and loaders that authorise and fetch in one step.

A dependency that neither reads the database nor blocks is `async def`: FastAPI runs
each plain `def` dependency in the thread pool, a hop that costs more than such a
dependency's own work on every request. Those that read the database (`get_actor`,
`own_structure`) stay plain `def`, off the event loop, except on the software API's
busiest routes, which resolve the actor and run their use case through
`database_work`."""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Callable, Coroutine
from datetime import timedelta
from functools import partial
from typing import Annotated, TypeVar

from fastapi import Depends, Path, Request
from starlette.concurrency import run_in_threadpool

from rempart.bootstrap import Platform
from rempart.identity.actors import actor_for_session
from rempart.identity.client_auth import ACTING_RPPS_HEADER, authenticate_client_call
from rempart.identity.client_errors import InvalidDpopProof
from rempart.identity.factors import require_recent_strong_factor
from rempart.identity.passkeys import RelyingParty
from rempart.identity.passwords import BreachedPasswords, PasswordHasher
from rempart.identity.permissions import (
    Actor,
    Channel,
    ObjectKind,
    Permission,
    Target,
    authorize,
    may_ever,
)
from rempart.identity.sessions import (
    COOKIE_NAME,
    URL_TICKET_PARAM,
    SessionPolicy,
    csrf_token,
    url_csrf_ticket_valid,
)
from rempart.incidents.ports import ChannelBrakes, DocumentSink, document_sink_for
from rempart.kernel.errors import Forbidden, InvalidInput, Unauthenticated
from rempart.kernel.identifiers import parse_amc_number, parse_finess
from rempart.registry.service import known_structures
from rempart.settings import Settings
from rempart.shield.port import Shield

CSRF_HEADER = "X-CSRF-Token"
# A portal form sent without JavaScript carries the token in this field instead; the
# portal's form reader (`portal.forms.form_csrf`) leaves it on the request's state under
# CSRF_FORM_STATE before the actor is resolved. Same token, same check.
CSRF_FORM_FIELD = "csrf_token"
CSRF_FORM_STATE = "csrf_form_token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def platform_of(request: Request) -> Platform:
    """The app's platform, for the few routes that take it from the request rather than
    as a dependency (each dependency costs FastAPI more than its own work)."""
    platform: Platform = request.app.state.platform
    return platform


async def get_platform(request: Request) -> Platform:
    return platform_of(request)


async def get_settings(request: Request) -> Settings:
    return platform_of(request).settings


PlatformDep = Annotated[Platform, Depends(get_platform)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def session_policy(settings: Settings) -> SessionPolicy:
    return SessionPolicy(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_absolute_hours),
    )


async def get_session_policy(settings: SettingsDep) -> SessionPolicy:
    return session_policy(settings)


async def get_relying_party(settings: SettingsDep) -> RelyingParty:
    rp_id, origin = settings.passkey_relying_party()
    return RelyingParty(rp_id, origin)


async def get_password_hasher(request: Request) -> PasswordHasher:
    hasher: PasswordHasher = request.app.state.password_hasher
    return hasher


async def get_breached_passwords(request: Request) -> BreachedPasswords:
    breached: BreachedPasswords = request.app.state.breached_passwords
    return breached


async def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


SessionPolicyDep = Annotated[SessionPolicy, Depends(get_session_policy)]
RelyingPartyDep = Annotated[RelyingParty, Depends(get_relying_party)]
PasswordHasherDep = Annotated[PasswordHasher, Depends(get_password_hasher)]
BreachedPasswordsDep = Annotated[BreachedPasswords, Depends(get_breached_passwords)]
AddressDep = Annotated[str, Depends(client_address)]


def public_url(settings: Settings, path: str) -> str:
    """The URL a client signed (DPoP `htu`): the configured public origin, never the
    Host header, which the caller chooses."""
    _, origin = settings.passkey_relying_party()
    return origin.rstrip("/") + path


def get_actor(request: Request) -> Actor:
    """The caller: software presenting a DPoP-bound token (API channel), or a person's
    browser session (portal channel). Unsafe requests by session must also echo the
    session's CSRF token (in the header, or in a portal form's hidden field):
    SameSite=Strict already keeps the cookie off cross-site requests, the token covers
    browsers and sub-domains where it would not.

    Every authenticated request resolves it, so it takes the platform and its settings
    from the app itself rather than as sub-dependencies: FastAPI's bookkeeping for each
    one costs more than what it returns."""
    platform = platform_of(request)
    settings = platform.settings
    authorization = request.headers.get("authorization")
    if authorization is not None:
        proofs = request.headers.getlist("dpop")
        if len(proofs) > 1:
            raise InvalidDpopProof("send exactly one DPoP header")
        return authenticate_client_call(
            uow=platform.uow(),
            authorization=authorization,
            dpop=proofs[0] if proofs else None,
            method=request.method,
            url=public_url(settings, request.url.path),
            acting_rpps=request.headers.get(ACTING_RPPS_HEADER),
        )
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        raise Unauthenticated("sign in first")
    actor = actor_for_session(uow=platform.uow(), token=token, policy=session_policy(settings))
    if actor is None:
        raise Unauthenticated("the session has ended: sign in again")
    if request.method not in _SAFE_METHODS:
        presented = request.headers.get(CSRF_HEADER) or _form_csrf(request)
        if not hmac.compare_digest(
            presented.encode(), csrf_token(token).encode()
        ) and not _url_ticket(request, token, platform):
            raise Forbidden(f"the {CSRF_HEADER} header (or form field) is missing or wrong")
    return actor


def _url_ticket(request: Request, token: str, platform: Platform) -> bool:
    """An upload sent without JavaScript: no header, and a body not read before its
    sender is known, so its token travels in the form's action URL, bound to the session
    and to that path, expiring (`sessions.url_csrf_ticket`). Multipart bodies only: any
    other form carries its token in a field."""
    ticket = request.query_params.get(URL_TICKET_PARAM)
    if not ticket or media_type(request) != MULTIPART:
        return False
    return url_csrf_ticket_valid(
        token, ticket, path=request.url.path, now_seconds=platform.clock.now().timestamp()
    )


MULTIPART = "multipart/form-data"


def media_type(request: Request) -> str:
    """The body's media type, lowercased, without its parameters (charset, boundary)."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _form_csrf(request: Request) -> str:
    """The token a portal form carried in its hidden field (empty when none was read)."""
    found = getattr(request.state, CSRF_FORM_STATE, "")
    return found if isinstance(found, str) else ""


ActorDep = Annotated[Actor, Depends(get_actor)]


async def get_person(actor: ActorDep) -> Actor:
    """A person in a browser session: accounts, factors and security history are not
    software's business."""
    if actor.channel is not Channel.PORTAL:
        raise Forbidden("this route is for people signed in with a browser session")
    return actor


PersonDep = Annotated[Actor, Depends(get_person)]


def permitted(
    permission: Permission, *, step_up: bool = False
) -> Callable[..., Coroutine[None, None, Actor]]:
    """A person whose role holds `permission` at all: checked before the body is read,
    so a caller without it learns nothing from validation messages. The object-level
    check (own structure, own insurer...) stays with the loader or the use case. With
    `step_up`, the person must also have presented a phishing-resistant factor within
    the last minutes (sensitive administrative changes)."""

    async def check(actor: PersonDep, platform: PlatformDep) -> Actor:
        _may_ever(actor, permission)
        if step_up:
            require_recent_strong_factor(actor, now_seconds=platform.clock.now().timestamp())
        return actor

    return check


Result = TypeVar("Result")


async def database_work(request: Request, work: Callable[[], Result]) -> Result:
    """`work` (blocking calls: a use case and its unit of work) where it costs least.

    When everything it calls stays in this process (the embedded SQLite file, a shield
    without Redis; `create_app` decides once), on the event loop itself: those calls are
    CPU work on pages in memory, and a thread-pool hop plus the GIL hand-offs between
    threads cost a rights check more than the check (docs/operations/serving.md). The
    only wait is for another writer of the same file to commit, which any request
    writing to it waits for anyway. Otherwise (PostgreSQL, Redis: waits on the network)
    in the thread pool, so that the loop never idles on a socket."""
    if getattr(request.app.state, "inline_database_work", False):
        return work()
    return await run_in_threadpool(work)


def serving(
    permission: Permission, *, software_only: bool = False
) -> Callable[..., Coroutine[None, None, Actor]]:
    """A person or software whose role holds `permission` at all (routes of the software
    API: rights checks, invoices), checked before the body is read; with
    `software_only`, software clients alone. The actor is resolved through
    `database_work`: on the embedded database, without a thread hop."""

    async def check(request: Request) -> Actor:
        actor = await database_work(request, partial(get_actor, request))
        if software_only and actor.channel is not Channel.API:
            raise Forbidden("this route is for software clients (a DPoP-bound access token)")
        _may_ever(actor, permission)
        return actor

    return check


def shield_of(request: Request) -> Shield:
    shield: Shield = request.app.state.shield
    return shield


async def get_shield(request: Request) -> Shield:
    return shield_of(request)


ShieldDep = Annotated[Shield, Depends(get_shield)]


def get_channel_brakes(request: Request) -> ChannelBrakes | None:
    """The shield's channel brakes; None in a build without them: closing a channel is
    then refused (501), never pretended."""
    brakes: ChannelBrakes | None = getattr(request.app.state, "channel_brakes", None)
    return brakes


def get_document_sink(settings: SettingsDep) -> DocumentSink:
    return document_sink_for(settings)


ChannelBrakesDep = Annotated[ChannelBrakes | None, Depends(get_channel_brakes)]
DocumentSinkDep = Annotated[DocumentSink, Depends(get_document_sink)]


def _may_ever(actor: Actor, permission: Permission) -> None:
    if not may_ever(actor, permission):
        raise Forbidden(f"{permission} is not allowed here")


# --- object loaders: authorise and fetch in one step ---------------------------------------


def own_structure(permission: Permission, *, step_up: bool = False) -> Callable[..., str]:
    """A dependency for routes under `/structures/{finess}`: the FINESS, once the actor
    holds `permission` on that structure and the structure exists."""

    def load(actor: PersonDep, platform: PlatformDep, finess: Annotated[str, Path()]) -> str:
        _may_ever(actor, permission)  # a caller without it learns nothing from validation
        if step_up:
            require_recent_strong_factor(actor, now_seconds=platform.clock.now().timestamp())
        finess = parse_finess(finess)
        authorize(actor, permission, Target(ObjectKind.STRUCTURE, finess))
        with platform.uow() as uow:
            if finess not in known_structures(session=uow.session, finess=[finess]):
                raise InvalidInput("no registered structure has this FINESS", field="finess")
        return finess

    return load


def own_record(permission: Permission) -> Callable[..., Coroutine[None, None, uuid.UUID]]:
    """A dependency for an insured person's routes about their own record (no path
    parameter to tamper with: the record is the one their account is bound to)."""

    async def load(actor: PersonDep) -> uuid.UUID:
        authorize(actor, permission, Target(ObjectKind.BENEFICIARY, actor.beneficiary_id or ""))
        assert actor.beneficiary_id is not None  # authorize refuses an actor without one
        return uuid.UUID(actor.beneficiary_id)

    return load


def own_insurer(permission: Permission) -> Callable[..., Coroutine[None, None, str]]:
    """A dependency for routes under `/insurers/{amc_number}`: the AMC number, once the
    actor holds `permission` on that insurer."""

    async def load(actor: PersonDep, amc_number: Annotated[str, Path()]) -> str:
        _may_ever(actor, permission)
        amc_number = parse_amc_number(amc_number)
        authorize(actor, permission, Target(ObjectKind.AMC, amc_number))
        return amc_number

    return load
