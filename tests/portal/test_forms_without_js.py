"""The portal's forms without JavaScript: the CSRF token travels in a hidden field bound
to the session (checked exactly like the header, which keeps working), and the answer
HTMX would swap in comes back inside a whole page with the way back."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from rempart.identity import cookies
from rempart.shield.alerting import store_alert
from rempart.shield.alerts import Alert, Severity

from .support import DemoWorld, adopt_csrf

TEMPLATES = Path(__file__).parents[2] / "src" / "rempart" / "portal" / "templates"
# Forms of people not signed in: no session, so no token to carry.
PUBLIC_FORMS = ("/language", "/demo/personas/")
# A rights-file upload is multipart, which the form reader does not read: it sends the
# header (HTMX), so it needs JavaScript.
NOT_YET = ("insurer/imports.html",)


def _without_javascript(world: DemoWorld) -> tuple[TestClient, str]:
    """An analyst's browser that sends no X-CSRF-Token header; the page's hidden token."""
    browser = world.persona("security-analyst")
    del browser.headers["X-CSRF-Token"]
    found = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/security").text)
    assert found, "a signed-in page's forms carry the token"
    return browser, found.group(1)


def _alert(world: DemoWorld) -> str:
    with world.web.platform.uow() as uow:
        alert_id = store_alert(uow, Alert("shield.nojs", Severity.WARNING, "for the form"))
        uow.commit()
    return f"/security/alerts/{alert_id}/acknowledge"


def test_a_form_with_the_hidden_token_is_served_as_a_whole_page(world: DemoWorld) -> None:
    browser, token = _without_javascript(world)
    action = _alert(world)
    answer = browser.post(
        action, data={"csrf_token": token}, headers={"Referer": "https://testserver/security"}
    )
    assert answer.status_code == 200, answer.text
    assert "<html" in answer.text  # a page, not a fragment
    assert "Alerte prise en compte." in answer.text
    assert 'href="/security"' in answer.text  # back where the form was


def test_a_missing_or_wrong_token_is_refused(world: DemoWorld) -> None:
    browser, token = _without_javascript(world)
    action = _alert(world)
    assert browser.post(action).status_code == 403
    assert browser.post(action, data={"other": "field"}).status_code == 403
    assert browser.post(action, data={"csrf_token": token[:-2] + "xx"}).status_code == 403
    # Another session's token is worth nothing here.
    other = world.persona("security-analyst").headers["X-CSRF-Token"]
    assert browser.post(action, data={"csrf_token": other}).status_code == 403
    # An upload is left to its route to read (once): without the header, refused.
    assert browser.post(action, files={"file": ("a.csv", b"x")}).status_code == 403
    # The header path keeps working (HTMX sends both).
    assert browser.post(action, headers={"X-CSRF-Token": token}).status_code == 200


def test_the_hidden_field_is_not_read_on_the_json_api(world: DemoWorld) -> None:
    """Only portal pages read a form's token: the API's unsafe calls still need the
    header (a cross-site form cannot set it)."""
    browser, token = _without_javascript(world)
    answer = browser.post(
        "/api/v1/security/alerts/" + "0" * 32 + "/acknowledge", data={"csrf_token": token}
    )
    assert answer.status_code == 403, answer.text


def test_signing_out_without_javascript_goes_home(world: DemoWorld) -> None:
    browser, token = _without_javascript(world)
    answer = browser.post("/sign-out", data={"csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"
    assert not browser.cookies.get(cookies.SESSION)


def test_an_htmx_form_still_gets_its_fragment(world: DemoWorld) -> None:
    browser = world.persona("security-analyst")
    adopt_csrf(browser, browser.get("/security").text)
    answer = browser.post(_alert(world), headers={"HX-Request": "true"})
    assert answer.status_code == 200, answer.text
    assert "<html" not in answer.text


def test_every_signed_in_form_carries_the_token() -> None:
    for path in TEMPLATES.rglob("*.html"):
        if path.relative_to(TEMPLATES).as_posix() in NOT_YET:
            continue
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            if "<form" not in line or 'method="post"' not in line:
                continue
            if any(public in line for public in PUBLIC_FORMS):
                continue
            assert "partials/csrf.html" in lines[number + 1], (path.name, number + 1)
