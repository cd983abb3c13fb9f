"""The portal's forms without JavaScript: the CSRF token travels in a hidden field bound
to the session (checked exactly like the header, which keeps working), and the answer
HTMX would swap in comes back inside a whole page with the way back."""

from __future__ import annotations

import html
import re
from pathlib import Path

from fastapi.testclient import TestClient

from rempart.identity import cookies
from rempart.identity.sessions import (
    URL_TICKET_LIFETIME_S,
    URL_TICKET_PARAM,
    url_csrf_ticket,
    url_csrf_ticket_valid,
)
from rempart.shield.alerting import store_alert
from rempart.shield.alerts import Alert, Severity

from ..factories import france, statements, write_file
from .support import DemoWorld, adopt_csrf

UPLOADS = "/insurer/imports"

TEMPLATES = Path(__file__).parents[2] / "src" / "rempart" / "portal" / "templates"
# Forms of people not signed in: no session, so no token to carry.
PUBLIC_FORMS = ("/language", "/demo/personas/")
# Every signed-in form carries the hidden token (a rights-file upload's also carries a
# ticket in its action URL: its multipart body is not read before the sender is known).
NOT_YET: tuple[str, ...] = ()


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


def _staff_without_javascript(world: DemoWorld) -> tuple[TestClient, str]:
    """Insurer staff's browser sending no header; the upload form's action URL."""
    browser = world.persona("insurer-staff")
    del browser.headers["X-CSRF-Token"]
    found = re.search(r'id="upload-form" method="post" action="([^"]+)"', browser.get(UPLOADS).text)
    assert found, "the upload form"
    return browser, html.unescape(found.group(1))


def _rights_file(world: DemoWorld, tmp_path: Path) -> bytes:
    lines = statements(france(60), beneficiaries=20)
    own = [line for line in lines if line.amc_number == world.card.amc_number]
    return write_file(tmp_path / "own.csv", own or lines[:1]).read_bytes()


def test_a_rights_file_uploads_without_javascript(world: DemoWorld, tmp_path: Path) -> None:
    browser, action = _staff_without_javascript(world)
    assert action.startswith(f"{UPLOADS}?{URL_TICKET_PARAM}=")
    answer = browser.post(
        action,
        files={"rights_file": ("own.csv", _rights_file(world, tmp_path), "text/csv")},
        data={"back": UPLOADS},
    )
    assert answer.status_code == 200, answer.text
    assert "<html" in answer.text  # the answer drawn whole, with the way back
    assert "data-rejected=" in answer.text


def test_an_upload_ticket_works_only_as_issued(world: DemoWorld, tmp_path: Path) -> None:
    browser, action = _staff_without_javascript(world)
    upload = {"rights_file": ("own.csv", _rights_file(world, tmp_path), "text/csv")}
    ticket = action.split("=", 1)[1]
    forged = f"{UPLOADS}?{URL_TICKET_PARAM}={ticket[:-2]}xx"
    assert browser.post(forged, files=upload).status_code == 403
    # Another session's ticket, or a ticket for another path, is worth nothing here.
    _, others = _staff_without_javascript(world)
    assert browser.post(others, files=upload).status_code == 403
    elsewhere = _ticket_for(world, browser, "/security/alerts")
    assert (
        browser.post(f"{UPLOADS}?{URL_TICKET_PARAM}={elsewhere}", files=upload).status_code == 403
    )
    # Only a multipart body may lean on it: a url-encoded form carries its own token.
    assert browser.post(action, data={"rights_file": "x"}).status_code == 403
    # The same ticket, issued for this session and path, is accepted.
    mine = _ticket_for(world, browser, UPLOADS)
    assert browser.post(f"{UPLOADS}?{URL_TICKET_PARAM}={mine}", files=upload).status_code == 200


def test_an_upload_ticket_expires() -> None:
    issued = 1_800_000_000.0
    ticket = url_csrf_ticket("session", path=UPLOADS, now_seconds=issued)
    late = issued + URL_TICKET_LIFETIME_S

    def valid(at: float, path: str = UPLOADS, session: str = "session") -> bool:
        return url_csrf_ticket_valid(session, ticket, path=path, now_seconds=at)

    assert valid(issued)
    assert valid(late)
    assert not valid(late + 1)
    assert not valid(issued, path="/insurer/contracts")
    assert not valid(issued, session="another")
    # An expiry further away than a ticket lives was not issued here.
    assert not url_csrf_ticket_valid("session", ticket, path=UPLOADS, now_seconds=issued - 60)


def _ticket_for(world: DemoWorld, browser: TestClient, path: str) -> str:
    token = browser.cookies.get(cookies.SESSION)
    assert token
    return url_csrf_ticket(token, path=path, now_seconds=world.web.clock.now().timestamp())
