"""Signing in over HTTP: the whole journey of a new account (request, four-eyes
approval, enrolment code, first passkey), the phishable fallback that waits for a
passkey on a new device, step-up, CSRF, session fixation, lockout and enumeration."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rempart.identity import cookies, totp
from rempart.identity.models import AccountRow
from rempart.identity.permissions import Role

from ..conftest import NOW
from ..factories import france, register
from .authenticator import SoftAuthenticator
from .web import ORIGIN, Web, enrol_passkey, make_web, passkey_sign_in

PASSWORD = "correct horse battery staple"


@pytest.fixture
def web(tmp_path: Path, sqlite_url: str) -> Web:
    return make_web(tmp_path, sqlite_url)


def enrolled(web: Web, login: str = "agent@amc.example") -> tuple[TestClient, SoftAuthenticator]:
    """An insurer agent with a passkey, signed in in their usual browser."""
    account_id = web.account(Role.INSURER_STAFF, login, amc_number="123456789")
    admin = web.signed_in(web.account(Role.PLATFORM_ADMIN, f"admin-of-{login}"))
    code = admin.post(f"/api/v1/accounts/{account_id}/enrolment-code").json()["code"]
    browser, key = web.browser(), SoftAuthenticator()
    enrol_passkey(browser, code, key)
    return browser, key


def with_fallback(web: Web, browser: TestClient) -> str:
    """Password and TOTP set up from a passkey session; returns the TOTP secret."""
    assert browser.put("/api/v1/me/password", json={"password": PASSWORD}).status_code == 204
    secret: str = browser.post("/api/v1/me/totp").json()["secret"]
    code = totp.code_at(secret, web.clock.now())
    assert browser.post("/api/v1/me/totp/confirmation", json={"code": code}).status_code == 204
    return secret


def next_code(web: Web, secret: str) -> str:
    web.clock.set(web.clock.now() + timedelta(seconds=totp.STEP_SECONDS))
    return totp.code_at(secret, web.clock.now())


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_new_account_from_request_to_first_passkey(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "postgres_url")
    web = make_web(tmp_path, url)
    world = france(20)
    register(web.platform, world)
    first = web.signed_in(web.account(Role.PLATFORM_ADMIN, "first-admin"))
    second = web.signed_in(web.account(Role.PLATFORM_ADMIN, "second-admin"))
    body = {"role": "insurer_staff", "login_name": "Agent@AMC.example"}
    body["amc_number"] = world.insurers[0].amc_number
    created = first.post("/api/v1/accounts", json=body)
    assert created.status_code == 201, created.text
    account_id = created.json()["id"]

    assert first.post(f"/api/v1/accounts/{account_id}/approval").status_code == 403  # own request
    assert second.post(f"/api/v1/accounts/{account_id}/enrolment-code").status_code == 409
    assert second.post(f"/api/v1/accounts/{account_id}/approval").status_code == 204
    # The requester cannot hand themselves the way in either.
    assert first.post(f"/api/v1/accounts/{account_id}/enrolment-code").status_code == 403
    code = second.post(f"/api/v1/accounts/{account_id}/enrolment-code").json()["code"]

    browser, key = web.browser(), SoftAuthenticator()
    signed = enrol_passkey(browser, code, key)
    assert signed["status"] == "signed_in"
    me = browser.get("/api/v1/me").json()
    assert (me["account_id"], me["role"], me["strength"]) == (
        account_id,
        "insurer_staff",
        "phishing_resistant",
    )
    # The code was single use; the passkey now signs in, case-insensitively by login.
    assert (
        web.browser().post("/api/v1/auth/enrolment/options", json={"code": code}).status_code == 401
    )
    assert passkey_sign_in(web.browser(), "agent@amc.EXAMPLE", key).status_code == 200
    # An account with a factor never gets an enrolment code: one administrator could
    # otherwise register their own passkey on it.
    assert second.post(f"/api/v1/accounts/{account_id}/enrolment-code").status_code == 409
    history = {e["tag"] for e in browser.get("/api/v1/me/security-history").json()}
    assert {
        "identity:account:requested",
        "identity:account:approved",
        "identity:enrolment:issued",
        "identity:passkey:added",
        "identity:device:added",
        "identity:session:opened",
    } <= history


def test_a_password_alone_opens_nothing(web: Web) -> None:
    browser, _ = enrolled(web)
    secret = with_fallback(web, browser)
    thief = web.browser()
    for code in ("", "000000", "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE"):
        answer = thief.post(
            "/api/v1/auth/password",
            json={"login_name": "agent@amc.example", "password": PASSWORD, "code": code},
        )
        assert answer.status_code in (401, 422)
        assert cookies.SESSION not in answer.cookies
    # A right code with a wrong password is no better.
    answer = thief.post(
        "/api/v1/auth/password",
        json={
            "login_name": "agent@amc.example",
            "password": "wrong" * 4,
            "code": next_code(web, secret),
        },
    )
    assert answer.status_code == 401


def test_totp_from_a_new_device_waits_for_the_passkey(web: Web) -> None:
    browser, _ = enrolled(web)
    secret = with_fallback(web, browser)
    laptop = web.browser()
    laptop.headers["User-Agent"] = "Firefox on the counter laptop"
    credentials = {"login_name": "agent@amc.example", "password": PASSWORD}
    pending = laptop.post(
        "/api/v1/auth/password", json={**credentials, "code": next_code(web, secret)}
    )
    assert pending.status_code == 202
    shown = pending.json()["match_code"]
    assert pending.json()["status"] == "pending_confirmation"
    assert pending.json()["csrf_token"] is None
    assert laptop.post("/api/v1/auth/pending").status_code == 202
    assert laptop.get("/api/v1/me").status_code == 401

    waiting = browser.get("/api/v1/me/pending-sign-ins").json()
    assert [w["user_agent"] for w in waiting] == ["Firefox on the counter laptop"]
    confirm = f"/api/v1/me/pending-sign-ins/{waiting[0]['id']}/confirmation"
    wrong = f"{(int(shown) + 1) % 100:02d}"
    assert browser.post(confirm, json={"code": wrong}).status_code == 422
    assert browser.post(confirm, json={"code": shown}).status_code == 204
    done = laptop.post("/api/v1/auth/pending")
    assert done.status_code == 200
    laptop.headers["X-CSRF-Token"] = done.json()["csrf_token"]
    assert laptop.get("/api/v1/me").json()["strength"] == "phishable"
    assert cookies.DEVICE not in done.cookies  # confirming trusts this sign-in, not the laptop

    # A phishable session cannot change factors or confirm other sign-ins (step-up).
    refused = laptop.put("/api/v1/me/password", json={"password": "another long passphrase"})
    assert refused.status_code == 401
    assert refused.json()["type"].endswith("/step-up-required")
    challenge = refused.headers["www-authenticate"]
    assert 'error="insufficient_user_authentication"' in challenge
    assert "max_age=300" in challenge

    # The laptop is still untrusted: the next fallback sign-in waits again.
    again = laptop.post(
        "/api/v1/auth/password", json={**credentials, "code": next_code(web, secret)}
    )
    assert again.status_code == 202
    waiting = laptop.get("/api/v1/me/pending-sign-ins").json()
    code = again.json()["match_code"]
    confirm = f"/api/v1/me/pending-sign-ins/{waiting[0]['id']}/confirmation"
    assert laptop.post(confirm, json={"code": code}).status_code == 401  # step-up first


def test_a_pending_sign_in_the_person_did_not_start_is_denied(web: Web) -> None:
    browser, _ = enrolled(web)
    secret = with_fallback(web, browser)
    phisher = web.browser()
    body = {"login_name": "agent@amc.example", "password": PASSWORD}
    assert (
        phisher.post(
            "/api/v1/auth/password", json={**body, "code": next_code(web, secret)}
        ).status_code
        == 202
    )
    waiting = browser.get("/api/v1/me/pending-sign-ins").json()
    assert browser.delete(f"/api/v1/me/pending-sign-ins/{waiting[0]['id']}").status_code == 204
    assert phisher.post("/api/v1/auth/pending").status_code == 401
    assert browser.get("/api/v1/me/pending-sign-ins").json() == []
    history = [e["tag"] for e in browser.get("/api/v1/me/security-history").json()]
    assert "identity:sign_in:denied" in history


def test_a_replayed_totp_code_is_refused(web: Web) -> None:
    browser, _ = enrolled(web)
    secret = with_fallback(web, browser)
    device = browser.cookies.get(cookies.DEVICE)
    code = next_code(web, secret)
    body = {"login_name": "agent@amc.example", "password": PASSWORD, "code": code}
    first, second = web.browser(), web.browser()
    for b in (first, second):
        b.cookies.set(cookies.DEVICE, device or "")
    assert first.post("/api/v1/auth/password", json=body).status_code == 200
    assert second.post("/api/v1/auth/password", json=body).status_code == 401


def test_recovery_codes_are_single_use(web: Web) -> None:
    browser, _ = enrolled(web)
    with_fallback(web, browser)
    codes = browser.post("/api/v1/me/recovery-codes").json()["codes"]
    assert len(codes) == 10
    device = browser.cookies.get(cookies.DEVICE) or ""
    body = {"login_name": "agent@amc.example", "password": PASSWORD, "code": codes[0]}
    first = web.browser()
    first.cookies.set(cookies.DEVICE, device)
    assert first.post("/api/v1/auth/password", json=body).status_code == 200
    again = web.browser()
    again.cookies.set(cookies.DEVICE, device)
    assert again.post("/api/v1/auth/password", json=body).status_code == 401


def test_unknown_logins_are_answered_like_known_ones(web: Web) -> None:
    browser, _ = enrolled(web)
    with_fallback(web, browser)  # the known account has a password: the worst case

    def options(login: str) -> dict[str, object]:
        answer = web.browser().post("/api/v1/auth/passkey/options", json={"login_name": login})
        assert answer.status_code == 200
        body: dict[str, object] = json.loads(answer.text)
        body.pop("challenge")  # random for everyone
        return body

    assert options("agent@amc.example") == options("nobody@x.example")
    assert options("nobody@x.example")["allowCredentials"] == []

    def fallback(login: str, password: str) -> tuple[int, object]:
        answer = web.browser().post(
            "/api/v1/auth/password",
            json={"login_name": login, "password": password, "code": "123456"},
        )
        return answer.status_code, answer.json()

    right_password_wrong_code = fallback("agent@amc.example", PASSWORD)
    assert right_password_wrong_code[0] == 401
    assert fallback("agent@amc.example", "wrong password!") == right_password_wrong_code
    assert fallback("nobody@x.example", PASSWORD) == right_password_wrong_code


def test_ten_failures_lock_out_the_login_from_any_address(web: Web) -> None:
    _, key = enrolled(web)
    body = {"login_name": "agent@amc.example", "password": "guess" * 3, "code": "123456"}
    statuses = []
    for attempt in range(12):  # each from another address: only the login counter counts
        thief = TestClient(web.app, base_url=ORIGIN, client=(f"203.0.113.{attempt}", 4000))
        statuses.append(thief.post("/api/v1/auth/password", json=body).status_code)
        web.clock.set(web.clock.now() + timedelta(minutes=6))  # past every backoff delay
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]
    locked = TestClient(web.app, base_url=ORIGIN, client=("203.0.113.99", 4000)).post(
        "/api/v1/auth/password", json=body
    )
    assert int(locked.headers["retry-after"]) > 0
    # Guessing the password does not lock the person out of their passkey.
    assert passkey_sign_in(web.browser(), "agent@amc.example", key).status_code == 200


def test_ten_failures_lock_out_the_address_for_every_login(web: Web) -> None:
    _, key = enrolled(web)
    sprayer = web.browser()
    statuses = []
    for attempt in range(11):
        body = {
            "login_name": f"victim{attempt}@x.example",
            "password": "Spring2026!!!",
            "code": "1",
        }
        statuses.append(sprayer.post("/api/v1/auth/password", json=body).status_code)
        web.clock.set(web.clock.now() + timedelta(minutes=6))
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    # The same address is refused even for a real passkey; another address is not.
    assert passkey_sign_in(web.browser(), "agent@amc.example", key).status_code == 429
    elsewhere = TestClient(web.app, base_url=ORIGIN, client=("198.51.100.7", 4000))
    assert passkey_sign_in(elsewhere, "agent@amc.example", key).status_code == 200


def test_a_planted_session_cookie_is_replaced_at_sign_in(web: Web) -> None:
    _, key = enrolled(web)
    victim = web.browser()
    victim.cookies.set(cookies.SESSION, "planted-by-an-attacker")
    answer = passkey_sign_in(victim, "agent@amc.example", key)
    assert answer.status_code == 200
    issued = answer.cookies.get(cookies.SESSION)
    assert issued
    assert issued != "planted-by-an-attacker"
    header = answer.headers["set-cookie"]
    assert "Secure" in header
    assert "HttpOnly" in header
    assert "SameSite=strict" in header
    attacker = web.browser()
    attacker.cookies.set(cookies.SESSION, "planted-by-an-attacker")
    assert attacker.get("/api/v1/me").status_code == 401


def test_unsafe_requests_need_the_csrf_token(web: Web) -> None:
    browser, _ = enrolled(web)
    token = browser.headers.pop("X-CSRF-Token")
    assert browser.get("/api/v1/me").status_code == 200  # reads need none
    forged = browser.post("/api/v1/me/recovery-codes")
    assert forged.status_code == 403
    browser.headers["X-CSRF-Token"] = "0" * len(token)
    assert browser.post("/api/v1/me/recovery-codes").status_code == 403
    browser.headers["X-CSRF-Token"] = token
    assert browser.post("/api/v1/me/recovery-codes").status_code == 200


def test_sessions_are_listed_revoked_and_time_out(web: Web) -> None:
    browser, key = enrolled(web)
    other = web.browser()
    assert passkey_sign_in(other, "agent@amc.example", key).status_code == 200
    listed = browser.get("/api/v1/me/sessions").json()
    assert len(listed) == 2
    assert sum(s["current"] for s in listed) == 1
    elsewhere = next(s for s in listed if not s["current"])
    assert browser.delete(f"/api/v1/me/sessions/{elsewhere['id']}").status_code == 204
    assert other.get("/api/v1/me").status_code == 401

    stranger, _ = enrolled(web, "someone@amc.example")
    mine = browser.get("/api/v1/me/sessions").json()[0]["id"]
    assert stranger.delete(f"/api/v1/me/sessions/{mine}").status_code == 404

    web.clock.set(NOW + timedelta(hours=2))  # idle for more than 15 minutes
    assert browser.get("/api/v1/me").status_code == 401


def test_suspension_ends_every_session(web: Web) -> None:
    browser, _ = enrolled(web)
    account_id = browser.get("/api/v1/me").json()["account_id"]
    analyst = web.signed_in(web.account(Role.SECURITY_ANALYST, "analyst"))
    assert analyst.post(f"/api/v1/accounts/{account_id}/suspension").status_code == 204
    assert browser.get("/api/v1/me").status_code == 401
    assert analyst.post(f"/api/v1/accounts/{account_id}/suspension").status_code == 409
    professional = web.signed_in(
        web.account(Role.INSURER_STAFF, "colleague", amc_number="123456789")
    )
    assert professional.post(f"/api/v1/accounts/{account_id}/suspension").status_code == 403


def test_an_account_suspended_by_hand_is_reinstated_by_two_analysts(web: Web) -> None:
    """A suspension made through the accounts API stands among the shield's containments,
    so that it is lifted like the shield's own: asked by one analyst, approved by another."""
    browser, _ = enrolled(web)
    account_id = browser.get("/api/v1/me").json()["account_id"]
    analyst = web.signed_in(web.account(Role.SECURITY_ANALYST, "analyst"))
    assert analyst.post(f"/api/v1/accounts/{account_id}/suspension").status_code == 204
    active = analyst.get("/api/v1/security/containments?status=active").json()
    (held,) = [c for c in active if c["subject_ref"] == account_id]
    assert held["step"] == "suspend"
    asked = analyst.post(f"/api/v1/security/containments/{held['id']}/lift-requests")
    assert asked.status_code == 201
    second = web.signed_in(web.account(Role.SECURITY_ANALYST, "second-analyst"))
    approved = second.post(f"/api/v1/security/lift-requests/{asked.json()['id']}/approval")
    assert approved.status_code in (200, 204)
    with web.platform.uow() as uow:
        account = uow.session.get(AccountRow, uuid.UUID(account_id))
        assert account is not None
        assert account.status == "active"


def test_step_up_with_the_passkey(web: Web) -> None:
    browser, key = enrolled(web)
    web.clock.set(web.clock.now() + timedelta(minutes=10))  # stale, but the session lives on
    browser.get("/api/v1/me")
    web.clock.set(web.clock.now() + timedelta(minutes=1))
    assert browser.post("/api/v1/me/recovery-codes").status_code == 401
    options = browser.post("/api/v1/me/step-up/options")
    credential = json.loads(key.get(options.text, origin=ORIGIN))
    assert browser.post("/api/v1/me/step-up", json={"credential": credential}).status_code == 204
    assert browser.post("/api/v1/me/recovery-codes").status_code == 200
    # A look-alike origin's assertion is refused.
    options = browser.post("/api/v1/me/step-up/options")
    phished = json.loads(key.get(options.text, origin="https://rempart-login.example"))
    assert browser.post("/api/v1/me/step-up", json={"credential": phished}).status_code == 422


def test_security_events_are_in_the_audit_log_with_their_request(web: Web) -> None:
    from sqlalchemy import select

    from rempart.audit.models import AuditRecordRow

    browser, _ = enrolled(web)
    answer = browser.post("/api/v1/me/recovery-codes", headers={"X-Request-ID": "req-0123456789"})
    assert answer.headers["x-request-id"] == "req-0123456789"
    with web.platform.uow() as uow:
        rows = uow.session.scalars(
            select(AuditRecordRow).where(AuditRecordRow.tag == "identity:recovery_codes:issued")
        ).all()
        assert len(rows) == 1
        (row,) = rows
        assert row.request_id == "req-0123456789"
        assert row.address_hash is not None
        assert row.address_hash != "testclient"
        assert row.channel == "portal"
        assert row.target_pseudonym is not None
        assert row.actor_account_id is not None
        assert str(row.actor_account_id) not in row.target_pseudonym
