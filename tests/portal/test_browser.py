"""The portal in a real browser: the system Chromium (/usr/bin/chromium, from Debian's
packages; never a downloaded build) driven by Playwright, against the app served by
uvicorn on a free local port.

A professional enrols a passkey with Chromium's virtual authenticator (CDP WebAuthn
domain), signs out, signs in with it, checks a patient's rights, simulates, invoices and
finds the invoice listed; an insured person sees who looked at her rights and reports
one; a security analyst acknowledges an alert, reads the activity charts, scopes an
incident and records a containment step. axe-core runs on each main page (no serious
or critical violation), the strict CSP reports nothing blocked, and screenshots are
kept under test-artifacts/screenshots/ (with REMPART_DOCS_SCREENSHOTS=1, the README's
are refreshed under docs/screenshots/).

Without Chromium, Playwright or axe-core these tests skip, except under
REMPART_REQUIRE_SERVICES (CI), where they fail."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from rempart.app import create_app
from rempart.identity import factors
from rempart.identity.permissions import Actor, Role
from rempart.kernel.clock import FixedClock
from rempart.shield.alerting import store_alert
from rempart.shield.alerts import Alert, Severity

from ..conftest import NOW, make_settings, write_keys
from ..identity.web import Web
from .support import DemoWorld, card_form, seed_demo

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).parents[2]
AXE = ROOT / "tests" / "portal" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
PRO_LOGIN = "pharmacien.navigateur"


def _require_browser() -> None:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -e '.[dev]')")
    if not AXE.exists():
        missing.append("axe-core (make install)")
    if missing:
        message = "browser tests need " + ", ".join(missing)
        if os.environ.get("REMPART_REQUIRE_SERVICES"):
            pytest.fail(message)
        pytest.skip(message)


@dataclass
class Served:
    base: str
    world: DemoWorld
    enrolment_code: str
    errors: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    _require_browser()
    import uvicorn

    tmp = tmp_path_factory.mktemp("browser")
    port = _free_port()
    home = tmp / "home"
    write_keys(home)
    settings = make_settings(
        home,
        f"sqlite:///{tmp / 'rempart.sqlite3'}",
        webauthn_rp_id="localhost",
        webauthn_origin=f"http://localhost:{port}",
    )
    web = Web(create_app(settings, clock=FixedClock(NOW)), FixedClock(NOW))
    world = seed_demo(web)
    # A professional of the demo pharmacy, approved, with an activation code for a
    # first passkey (issued by a platform administrator who has just stepped up).
    account = web.account(Role.PROFESSIONAL, PRO_LOGIN, finess=(world.seeded.pharmacy,))
    admin = Actor(account_id=uuid.uuid4(), role=Role.PLATFORM_ADMIN, authenticated_at=NOW)
    code = factors.issue_enrolment_code(uow=web.platform.uow(), actor=admin, account_id=account)

    server = uvicorn.Server(
        uvicorn.Config(web.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield Served(f"http://localhost:{port}", world, code)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def chromium(served: Served) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        )
        try:
            yield browser
        finally:
            browser.close()


def _page(chromium: Any, served: Served, **options: Any) -> Any:
    context = chromium.new_context(
        locale="fr-FR",
        viewport=options.pop("viewport", {"width": 1366, "height": 900}),
        **options,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()

    def on_console(message: Any) -> None:
        if message.type == "error":
            served.errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: served.errors.append(str(error)))
    return page


def _axe(page: Any, name: str) -> None:
    """axe-core in the page (evaluated by the driver: the page's CSP allows no inline
    script, and needs none); no serious or critical violation."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
            }));
        }"""
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(violations, indent=2))
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not serious, json.dumps(serious, indent=2)


def _screenshot(page: Any, name: str, *, docs: bool = False) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if docs and os.environ.get("REMPART_DOCS_SCREENSHOTS"):
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_SCREENSHOTS / f"{name}.png")


def _virtual_authenticator(page: Any) -> None:
    """Chromium's virtual platform authenticator (CDP WebAuthn): user verification,
    presence simulated, so that passkey ceremonies run unattended."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def _no_errors(served: Served) -> None:
    blocked = [e for e in served.errors if "Content Security Policy" in e or "Refused" in e]
    assert not blocked, blocked
    assert not [e for e in served.errors if "Uncaught" in e or "Error" in e], served.errors


def test_a_professional_signs_in_with_a_passkey_checks_simulates_and_invoices(
    served: Served, chromium: Any
) -> None:
    page = _page(chromium, served)
    _virtual_authenticator(page)
    base = served.base

    page.goto(f"{base}/")
    _axe(page, "landing")
    page.goto(f"{base}/sign-in")
    _axe(page, "sign-in")
    _screenshot(page, "sign-in")

    # Enrol: the activation code, then the authenticator creates the passkey.
    page.fill("#f-enrolment_code", served.enrolment_code)
    page.click("#enrol-form button[type=submit]")
    page.wait_for_url(f"{base}/pro")

    # Sign out, then sign in with the passkey just made.
    page.click(".sign-out button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/sign-in")
    page.fill("#f-login_name", PRO_LOGIN)
    page.click("#passkey-form button[type=submit]")
    page.wait_for_url(f"{base}/pro")
    _axe(page, "pro-rights")

    # The patient's card, typed; the answer, the simulation, the invoice.
    for name, value in card_form(served.world.card).items():
        page.fill(f"#f-{name}", value)
    page.click("#rights-form button[type=submit]")
    page.wait_for_selector('[data-check-status="open"]')
    assert page.evaluate("document.activeElement.textContent").strip() == "Réponse"
    page.click("form[hx-post='/pro/simulation'] button[type=submit]")
    page.wait_for_selector("[data-amc-total]")
    page.fill("#sim-f-invoice_number", "NAV0001")
    page.click("form[hx-post='/pro/invoices'] button[type=submit]")
    page.wait_for_selector('[data-invoice-status="accepted"]')
    _axe(page, "pro-answer")
    _screenshot(page, "professional", docs=True)

    page.goto(f"{base}/pro/invoices")
    assert page.locator('tr[data-invoice="NAV0001"]').count() == 1
    _axe(page, "pro-invoices")
    page.goto(f"{base}/pro/payments")
    _axe(page, "pro-payments")
    # Confirming the counter's software (the shield's step-up, to software): a code no
    # software of theirs shows is refused beside the form, naming the field.
    page.click("a[href='/pro/confirm-software']")
    page.wait_for_url(f"{base}/pro/confirm-software")
    _axe(page, "pro-confirm-software")
    page.fill("#f-user_code", "bcdf-ghjk")
    page.click("#software-form button[type=submit]")
    page.wait_for_selector('#software-answer [data-problem="invalid-input"]')
    _axe(page, "pro-confirm-software-refused")
    page.goto(f"{base}/account/security")
    assert page.get_by_text("Clé d'accès ajoutée").count() == 1
    _axe(page, "account-security")

    # The same page on a phone, in English.
    phone = _page(chromium, served, viewport={"width": 390, "height": 844})
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"{base}/pro")
    phone.click("button[value=en]")
    phone.wait_for_selector("html[lang=en]")
    _axe(phone, "pro-rights-phone-en")
    _screenshot(phone, "professional-phone-en")
    _no_errors(served)


def test_an_insured_person_sees_who_looked_at_her_rights_and_reports_one(
    served: Served, chromium: Any
) -> None:
    # The pharmacist checks her card first (over HTTP, as the counter's software would).
    pharmacist = served.world.persona("pharmacist")
    checked = pharmacist.post(
        "/pro/rights-check",
        data={
            **card_form(served.world.card),
            "date_of_care": "2026-11-28",
            "categories": "pharmacy_65",
        },
        headers={"HX-Request": "true"},
    )
    assert 'data-check-status="open"' in checked.text

    page = _page(chromium, served)
    base = served.base
    page.goto(f"{base}/")
    page.click('button[data-persona="insured"]')
    page.wait_for_url(f"{base}/insured")
    _axe(page, "insured-rights")
    _screenshot(page, "insured", docs=True)

    page.goto(f"{base}/insured/access-history")
    rows = page.locator("tr[data-access]")
    assert rows.count() >= 1
    row = rows.first
    assert re.search(r"[Pp]harmac", row.inner_text())
    row.locator("button[type=submit]").click()
    page.wait_for_selector(".reported")
    _axe(page, "insured-history")
    _screenshot(page, "insured-history", docs=True)

    page.goto(f"{base}/insured/invoices")
    _axe(page, "insured-invoices")
    _no_errors(served)


def test_a_security_analyst_reads_the_activity_and_scopes_an_incident(
    served: Served, chromium: Any
) -> None:
    """Alerts acknowledged, the activity charts, then an incident scoped (counts per
    insurer and category) and a containment step recorded, all from the pages."""
    world = served.world
    clock = world.web.platform.clock
    assert isinstance(clock, FixedClock)
    clock.set(NOW - timedelta(minutes=10))  # before now: a scoping window ends at now
    pharmacist = world.persona("pharmacist")
    pharmacist.post(
        "/pro/rights-check",
        data={**card_form(world.card), "date_of_care": "2026-11-28", "categories": "pharmacy_65"},
        headers={"HX-Request": "true"},
    )
    clock.set(NOW)
    account = pharmacist.get("/api/v1/me").json()["account_id"]
    with world.web.platform.uow() as uow:
        store_alert(uow, Alert("shield.burst", Severity.WARNING, "checks in bursts"))
        uow.commit()
    opener = world.web.signed_in(world.web.account(Role.SECURITY_ANALYST, "analyste.ouvre"))
    incident = opener.post(
        "/api/v1/incidents",
        json={
            "kinds": ["confidentiality"],
            "description": "Un mot de passe hameçonné",
            "detected_at": "2026-11-28T08:00:00Z",
        },
    ).json()

    page = _page(chromium, served)
    base = served.base
    page.goto(f"{base}/")
    page.click('button[data-persona="security-analyst"]')
    page.wait_for_url(f"{base}/security")
    page.locator("tr[data-alert] button[type=submit]").first.click()
    page.wait_for_selector("td .done")
    _axe(page, "security-alerts")

    page.goto(f"{base}/security/activity")
    assert page.locator("svg.bars").count() == 2  # rights checks and invoices per hour
    assert page.locator("svg.bars rect.bar").count() == 2 * 24
    assert page.locator("svg.use").count() == 2
    _axe(page, "security-activity")
    _screenshot(page, "security-activity")

    page.goto(f"{base}/security/incidents/{incident['id']}")
    page.fill("#f-start", "2026-11-28T00:00")
    page.fill("#f-accounts", account)
    page.click("form[hx-post$='/scoping'] button[type=submit]")
    page.wait_for_selector("table.scoping-figures")
    assert page.evaluate("document.activeElement.classList.contains('scoping')")  # focused
    assert world.seeded.amc_number in page.locator("table.scoping-figures").inner_text()
    page.select_option("#f-kind", "rotate_keys")
    page.fill("#f-reason", "Rotation des clés faite par l'exploitant")
    page.click("form[hx-post$='/containment'] button[type=submit]")
    page.wait_for_selector("#containment-result .done")
    _axe(page, "security-incident")
    _screenshot(page, "security", docs=True)

    # Without JavaScript: the same forms post, with the token in their hidden field.
    plain = _page(chromium, served, java_script_enabled=False)
    plain.goto(f"{base}/")
    plain.click('button[data-persona="security-analyst"]')
    plain.wait_for_url(f"{base}/security")
    plain.goto(f"{base}/security/incidents/{incident['id']}")
    plain.fill("#f-text", "Compte du pharmacien suspendu en attendant l'enquête")
    plain.click("form[action$='/decisions'] button[type=submit]")
    plain.wait_for_selector("p.done")
    assert plain.locator("h1").inner_text() == "Résultat"
    plain.click(f"a[href='/security/incidents/{incident['id']}']")
    assert plain.get_by_text("Compte du pharmacien suspendu").count() == 1
    # (no axe-core here: it runs as the page's script, and this page runs none)
    _no_errors(served)
