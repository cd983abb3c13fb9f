"""Pro Santé Connect over HTTP, through the real provider the tests run: the redirect,
the sealed pending sign-in, the callback, and a session bound to the RPPS in the token."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from rempart.identity import cookies
from rempart.identity.permissions import Role
from rempart.identity.psc_api import PSC_COOKIE

from .oidc_fixture import RPPS_CARD, RPPS_USERINFO, OidcProvider
from .web import Web, make_web


@pytest.fixture
def web(tmp_path: Path, sqlite_url: str, oidc_provider: OidcProvider) -> Web:
    config = oidc_provider.config()
    web = make_web(
        tmp_path,
        sqlite_url,
        psc_issuer=config.issuer,
        psc_client_id=config.client_id,
        psc_client_secret=config.client_secret,
        psc_redirect_uri=config.redirect_uri,
    )
    web.clock.set(datetime.now(UTC))  # the provider stamps its tokens with the real time
    return web


def test_a_professional_signs_in_with_pro_sante_connect(
    web: Web, oidc_provider: OidcProvider
) -> None:
    account_id = web.account(Role.PROFESSIONAL, "pharmacien", finess=("750000001",), rpps=RPPS_CARD)
    browser = web.browser()
    start = browser.get("/api/v1/auth/psc", follow_redirects=False)
    assert start.status_code == 303
    assert "SameSite=lax" in start.headers["set-cookie"]
    params = oidc_provider.sign_in(start.headers["location"], login="pro-card")
    done = browser.get("/api/v1/auth/psc/callback", params=params, follow_redirects=False)
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/home"
    assert browser.cookies.get(cookies.SESSION)
    me = browser.get("/api/v1/me").json()
    assert me["account_id"] == str(account_id)
    assert me["rpps"] == RPPS_CARD
    assert me["strength"] == "phishing_resistant"
    history = {e["tag"] for e in browser.get("/api/v1/me/security-history").json()}
    assert "identity:sign_in:pro_sante_connect" in history

    # The same callback again: the code is spent at the provider and the state cookie gone.
    again = web.browser().get("/api/v1/auth/psc/callback", params=params, follow_redirects=False)
    assert again.status_code == 401


def test_an_rpps_without_an_account_opens_nothing(web: Web, oidc_provider: OidcProvider) -> None:
    web.account(Role.PROFESSIONAL, "pharmacien", finess=("750000001",), rpps=RPPS_CARD)
    browser = web.browser()
    start = browser.get("/api/v1/auth/psc", follow_redirects=False)
    params = oidc_provider.sign_in(start.headers["location"], login="pro-userinfo")
    refused = browser.get("/api/v1/auth/psc/callback", params=params, follow_redirects=False)
    assert refused.status_code == 401
    assert RPPS_USERINFO not in refused.text
    assert cookies.SESSION not in refused.cookies


def test_a_callback_from_another_browser_is_refused(web: Web, oidc_provider: OidcProvider) -> None:
    web.account(Role.PROFESSIONAL, "pharmacien", finess=("750000001",), rpps=RPPS_CARD)
    victim = web.browser()
    start = victim.get("/api/v1/auth/psc", follow_redirects=False)
    params = oidc_provider.sign_in(start.headers["location"], login="pro-card")
    # An attacker's browser holding its own pending sign-in cannot use the victim's code.
    attacker = web.browser()
    attacker.get("/api/v1/auth/psc", follow_redirects=False)
    assert attacker.cookies.get(PSC_COOKIE)
    stolen = attacker.get("/api/v1/auth/psc/callback", params=params, follow_redirects=False)
    assert stolen.status_code == 401
    assert web.browser().get("/api/v1/auth/psc/callback", params=params).status_code == 401


def test_without_configuration_the_routes_say_so(tmp_path: Path, sqlite_url: str) -> None:
    web = make_web(tmp_path, sqlite_url)
    assert web.browser().get("/api/v1/auth/psc", follow_redirects=False).status_code == 404
