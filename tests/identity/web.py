"""A web harness for identity tests: the real app over HTTPS (the cookies are Secure),
accounts placed straight in the database, browsers as separate clients."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from rempart.app import create_app
from rempart.bootstrap import Platform
from rempart.identity import cookies
from rempart.identity.domain import AccountStatus
from rempart.identity.models import AccountRow, AccountStructureRow
from rempart.identity.permissions import Role
from rempart.identity.sealing import seal_login
from rempart.identity.sessions import Factor, SessionPolicy, csrf_token, open_session
from rempart.kernel.clock import FixedClock
from rempart.kernel.ids import new_id

from ..conftest import NOW, make_settings, write_keys
from .authenticator import SoftAuthenticator

ORIGIN = "https://testserver"


@dataclass
class Web:
    app: FastAPI
    clock: FixedClock

    @property
    def platform(self) -> Platform:
        platform: Platform = self.app.state.platform
        return platform

    def browser(self, address: str = "testclient") -> TestClient:
        """A fresh browser (no cookies), connecting from `address`."""
        return TestClient(self.app, base_url=ORIGIN, client=(address, 50000))

    def account(
        self,
        role: Role,
        login: str,
        *,
        finess: tuple[str, ...] = (),
        amc_number: str | None = None,
        rpps: str | None = None,
        beneficiary_id: uuid.UUID | None = None,
    ) -> uuid.UUID:
        """An active account, as if requested and approved (the approval flow has its
        own tests)."""
        account_id = new_id()
        with self.platform.uow() as uow:
            uow.session.add(
                AccountRow(
                    id=account_id,
                    role=role,
                    status=AccountStatus.ACTIVE,
                    is_new=False,
                    rpps=rpps,
                    amc_number=amc_number,
                    beneficiary_id=beneficiary_id,
                    requested_by=None,
                    approved_by=None,
                    created_at=NOW,
                    approved_at=NOW,
                    **seal_login(uow.vault, login, account_id),
                )
            )
            uow.session.flush()
            for code in finess:
                uow.session.add(AccountStructureRow(account_id=account_id, finess=code))
            uow.commit()
        return account_id

    def signed_in(
        self,
        account_id: uuid.UUID,
        factor: Factor = Factor.PASSKEY,
        *,
        address: str = "testclient",
    ) -> TestClient:
        """A browser holding a fresh session of the account, sending its CSRF token."""
        token = open_session(
            uow=self.platform.uow(), account_id=account_id, factor=factor, policy=SessionPolicy()
        )
        browser = self.browser(address)
        browser.cookies.set(cookies.SESSION, token)
        browser.headers["X-CSRF-Token"] = csrf_token(token)
        return browser


def make_web(tmp_path: Path, database_url: str, **overrides: object) -> Web:
    home = tmp_path / "home"
    write_keys(home)
    clock = FixedClock(NOW)
    settings = make_settings(
        home,
        database_url,
        webauthn_rp_id="testserver",
        webauthn_origin=ORIGIN,
        **overrides,
    )
    return Web(create_app(settings, clock=clock), clock)


def enrol_passkey(browser: TestClient, code: str, key: SoftAuthenticator) -> dict[str, Any]:
    options = browser.post("/api/v1/auth/enrolment/options", json={"code": code})
    assert options.status_code == 200, options.text
    credential = json.loads(key.create(options.text, origin=ORIGIN))
    answer = browser.post("/api/v1/auth/enrolment", json={"code": code, "credential": credential})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    browser.headers["X-CSRF-Token"] = body["csrf_token"]
    return body


def passkey_sign_in(browser: TestClient, login: str, key: SoftAuthenticator) -> Any:
    options = browser.post("/api/v1/auth/passkey/options", json={"login_name": login})
    assert options.status_code == 200, options.text
    credential = json.loads(key.get(options.text, origin=ORIGIN))
    answer = browser.post(
        "/api/v1/auth/passkey", json={"login_name": login, "credential": credential}
    )
    if answer.status_code == 200:
        browser.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return answer
