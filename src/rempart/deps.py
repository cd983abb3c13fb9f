"""FastAPI dependency aliases, in one place: the platform, settings, the authenticated
actor, and loaders that authorise and fetch in one step."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Path, Request

from rempart.bootstrap import Platform
from rempart.identity.actors import actor_for_session
from rempart.identity.passkeys import RelyingParty
from rempart.identity.passwords import BreachedPasswords, PasswordHasher
from rempart.identity.permissions import Actor, ObjectKind, Permission, Target, authorize
from rempart.identity.sessions import COOKIE_NAME, SessionPolicy, csrf_token
from rempart.kernel.errors import Forbidden, InvalidInput, Unauthenticated
from rempart.kernel.identifiers import parse_finess
from rempart.registry.service import known_structures
from rempart.settings import Settings

CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.platform.settings
    return settings


PlatformDep = Annotated[Platform, Depends(get_platform)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_session_policy(settings: SettingsDep) -> SessionPolicy:
    return SessionPolicy(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_absolute_hours),
    )


def get_relying_party(settings: SettingsDep) -> RelyingParty:
    rp_id, origin = settings.passkey_relying_party()
    return RelyingParty(rp_id, origin)


def get_password_hasher(request: Request) -> PasswordHasher:
    hasher: PasswordHasher = request.app.state.password_hasher
    return hasher


def get_breached_passwords(request: Request) -> BreachedPasswords:
    breached: BreachedPasswords = request.app.state.breached_passwords
    return breached


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


SessionPolicyDep = Annotated[SessionPolicy, Depends(get_session_policy)]
RelyingPartyDep = Annotated[RelyingParty, Depends(get_relying_party)]
PasswordHasherDep = Annotated[PasswordHasher, Depends(get_password_hasher)]
BreachedPasswordsDep = Annotated[BreachedPasswords, Depends(get_breached_passwords)]
AddressDep = Annotated[str, Depends(client_address)]


def get_actor(request: Request, platform: PlatformDep, policy: SessionPolicyDep) -> Actor:
    """The caller, authenticated by its browser session. Unsafe methods must also echo
    the session's CSRF token: SameSite=Strict already keeps the cookie off cross-site
    requests, the token covers browsers and sub-domains where it would not."""
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        raise Unauthenticated("sign in first")
    actor = actor_for_session(uow=platform.uow(), token=token, policy=policy)
    if actor is None:
        raise Unauthenticated("the session has ended: sign in again")
    if request.method not in _SAFE_METHODS:
        presented = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(presented.encode(), csrf_token(token).encode()):
            raise Forbidden(f"the {CSRF_HEADER} header is missing or wrong")
    return actor


ActorDep = Annotated[Actor, Depends(get_actor)]


# --- object loaders: authorise and fetch in one step ---------------------------------------


def own_structure(permission: Permission) -> Callable[..., str]:
    """A dependency for routes under `/structures/{finess}`: the FINESS, once the actor
    holds `permission` on that structure and the structure exists."""

    def load(actor: ActorDep, platform: PlatformDep, finess: Annotated[str, Path()]) -> str:
        try:
            finess = parse_finess(finess)
        except InvalidInput:
            authorize(actor, permission, Target(ObjectKind.STRUCTURE, ""))  # 403 first
            raise
        authorize(actor, permission, Target(ObjectKind.STRUCTURE, finess))
        with platform.uow() as uow:
            if finess not in known_structures(session=uow.session, finess=[finess]):
                raise InvalidInput("no registered structure has this FINESS", field="finess")
        return finess

    return load


def own_insurer(permission: Permission) -> Callable[..., str]:
    """A dependency for routes under `/insurers/{amc_number}`: the AMC number, once the
    actor holds `permission` on that insurer."""
    from rempart.kernel.identifiers import parse_amc_number

    def load(actor: ActorDep, amc_number: Annotated[str, Path()]) -> str:
        try:
            amc_number = parse_amc_number(amc_number)
        except InvalidInput:
            authorize(actor, permission, Target(ObjectKind.AMC, ""))
            raise
        authorize(actor, permission, Target(ObjectKind.AMC, amc_number))
        return amc_number

    return load
