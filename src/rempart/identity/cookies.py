"""The browser's cookies: `__Host-` names (Secure, Path=/, no Domain: no sub-domain can
plant or read them), HttpOnly, SameSite=Strict (never sent on a cross-site request)."""

from __future__ import annotations

from fastapi import Response

from rempart.identity.sessions import COOKIE_NAME, SessionPolicy

SESSION = COOKIE_NAME
DEVICE = "__Host-rempart-device"
PENDING = "__Host-rempart-pending"
DEVICE_MAX_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie


def _set(response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", secure=True, httponly=True, samesite="strict"
    )


def set_session(response: Response, token: str, policy: SessionPolicy) -> None:
    _set(response, SESSION, token, int(policy.absolute.total_seconds()))


def set_device(response: Response, token: str) -> None:
    if token:
        _set(response, DEVICE, token, DEVICE_MAX_AGE)


def set_pending(response: Response, token: str) -> None:
    _set(response, PENDING, token, 600)


def clear(response: Response, name: str) -> None:
    response.delete_cookie(name, path="/", secure=True, httponly=True, samesite="strict")
