"""An incident handled from its page, as HTMX sends the forms: scoped (counts per
insurer and per category, nobody named), contained (an account suspended), its
containment recorded, the insurers notified (their documents) and closed as resolved;
each step through the incidents use cases, audited, and refused without a fresh passkey;
and an incident opened from a shield alert, scoped at once on the subject it names."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from rempart.audit.models import AuditRecordRow
from rempart.identity.models import AccountRow
from rempart.identity.permissions import Role
from rempart.identity.sessions import Factor
from rempart.shield.alerting import store_alert
from rempart.shield.alerts import Alert, Severity

from ..conftest import NOW
from .support import HTMX, DemoWorld, adopt_csrf, card_form, demo_world

# Paris time, as the inputs send them; the end is capped at now by the service.
START, END = "2026-11-28T00:00", "2026-11-28T11:00"


def _audited(world: DemoWorld, tag: str) -> int:
    with world.web.platform.uow() as uow:
        query = select(func.count()).select_from(AuditRecordRow).where(AuditRecordRow.tag == tag)
        return int(uow.session.scalar(query) or 0)


def _analyst(world: DemoWorld, login: str, factor: Factor = Factor.PASSKEY) -> TestClient:
    browser = world.web.signed_in(world.web.account(Role.SECURITY_ANALYST, login), factor)
    adopt_csrf(browser, browser.get("/security").text)
    return browser


def _pharmacist_checks_the_card(world: DemoWorld) -> uuid.UUID:
    """The demo pharmacist checks the demo card once; returns the pharmacist's account."""
    pro = world.persona("pharmacist")
    form = {**card_form(world.card), "date_of_care": "2026-11-28", "categories": "pharmacy_65"}
    assert pro.post("/pro/rights-check", data=form, headers=HTMX).status_code == 200
    world.web.clock.set(NOW + timedelta(minutes=5))  # the window's end excludes now
    return uuid.UUID(pro.get("/api/v1/me").json()["account_id"])


def _open(analyst: TestClient) -> str:
    opened = analyst.post(
        "/api/v1/incidents",
        json={
            "kinds": ["confidentiality"],
            "description": "A pharmacist's password phished",
            "detected_at": "2026-11-28T08:00:00Z",
        },
    )
    assert opened.status_code == 201, opened.text
    return f"/security/incidents/{opened.json()['id']}"


def test_an_incident_is_scoped_contained_notified_and_closed_from_its_page(
    tmp_path: Path, database_url: str
) -> None:
    world = demo_world(tmp_path, database_url)  # both backends: the scoping is SQL
    pharmacist = _pharmacist_checks_the_card(world)
    analyst = _analyst(world, "analyst.one")
    page = _open(analyst)
    html = analyst.get(page).text
    for action in ("scoping", "containment", "milestones", "notifications", "closure"):
        assert f'hx-post="{page}/{action}"' in html, action

    before = _audited(world, "incidents:incident:scoped")
    scoped = analyst.post(
        page + "/scoping",
        data={"start": START, "end": END, "accounts": str(pharmacist)},
        headers=HTMX,
    )
    assert scoped.status_code == 200, scoped.text
    assert _audited(world, "incidents:incident:scoped") == before + 1
    assert "<html" not in scoped.text
    table = re.search(r'<table class="scoping-figures">.*?</table>', scoped.text, re.S)
    assert table, scoped.text
    row = re.search(rf"<code>{world.seeded.amc_number}</code></th>(.*?)</tr>", table.group(0), re.S)
    assert row, table.group(0)
    people, records, *_ = re.findall(r'<td class="num">(\d+)</td>', row.group(1))
    assert (people, records) == ("1", "1")
    for secret in (world.card.insured_nir, world.card.member_number, world.card.birth_date):
        assert secret not in scoped.text  # counts only: nobody is named

    contained = analyst.post(
        page + "/containment",
        data={"kind": "suspend_account", "target": str(pharmacist), "reason": "phished"},
        headers=HTMX,
    )
    assert contained.status_code == 200, contained.text
    assert "Fait : Suspendre un compte." in contained.text
    with world.web.platform.uow() as uow:
        account = uow.session.get(AccountRow, pharmacist)
        assert account is not None
        assert account.status == "suspended"
    milestone = analyst.post(
        page + "/milestones",
        data={"milestone": "contained", "at": "2026-11-28T10:33"},
        headers=HTMX,
    )
    assert milestone.status_code == 200, milestone.text

    notified = analyst.post(page + "/notifications", headers=HTMX)
    assert notified.status_code == 200, notified.text
    assert f"<code>{world.seeded.amc_number}</code>" in notified.text

    closed = analyst.post(
        page + "/closure", data={"closure": "resolved", "reason": "contained"}, headers=HTMX
    )
    assert closed.status_code == 200, closed.text
    assert "Incident clos." in closed.text
    after = analyst.get(page).text
    assert "close</dd>" in after  # the status
    assert f'hx-post="{page}/closure"' not in after  # no actions on a closed incident
    assert "scoping-figures" in after  # the figures stay on the page


def test_a_refusal_of_the_service_is_drawn_next_to_the_form(world: DemoWorld) -> None:
    analyst = _analyst(world, "analyst.one")
    page = _open(analyst)
    early = analyst.post(
        page + "/closure", data={"closure": "resolved", "reason": "too soon"}, headers=HTMX
    )
    assert early.status_code == 409, early.text
    assert 'data-problem="conflict"' in early.text
    assert "<html" not in early.text
    bad = analyst.post(page + "/scoping", data={"start": "yesterday", "end": END}, headers=HTMX)
    assert bad.status_code == 422, bad.text
    assert 'href="#f-start"' in bad.text
    unknown = analyst.post(
        page + "/containment", data={"kind": "shout", "reason": "why not"}, headers=HTMX
    )
    assert unknown.status_code == 422, unknown.text


def test_scoping_containing_and_notifying_need_a_fresh_passkey(world: DemoWorld) -> None:
    page = _open(_analyst(world, "analyst.one"))
    phishable = _analyst(world, "analyst.totp", Factor.TOTP)
    for action, form in (
        ("scoping", {"start": START, "end": END}),
        ("containment", {"kind": "rotate_keys", "reason": "rotated"}),
        ("notifications", {}),
    ):
        refused = phishable.post(f"{page}/{action}", data=form, headers=HTMX)
        assert refused.status_code == 401, (action, refused.text)
        assert 'data-problem="step-up-required"' in refused.text
        # The refusal offers the step-up where it stands; beside a form, no navigation.
        assert "data-step-up>" in refused.text
        assert "data-next" not in refused.text
    # A whole page (a form sent without JavaScript): back to the incident once done.
    whole = phishable.post(
        page + "/notifications", headers={"Referer": "https://testserver" + page}
    )
    assert whole.status_code == 401
    assert f'data-next="{page}"' in whole.text
    assert '<meta name="csrf-token"' in whole.text  # the ceremony's calls carry it
    assert '<script src="/static/step-up.js" defer></script>' in whole.text


def test_the_platform_dpo_scopes_but_does_not_contain(world: DemoWorld) -> None:
    page = _open(_analyst(world, "analyst.one"))
    dpo = world.web.signed_in(world.web.account(Role.PLATFORM_DPO, "dpo"))
    adopt_csrf(dpo, dpo.get(page).text)
    assert 'hx-post="' + page + '/scoping"' in dpo.get(page).text
    refused = dpo.post(
        page + "/containment", data={"kind": "rotate_keys", "reason": "rotated"}, headers=HTMX
    )
    assert refused.status_code == 403, refused.text


def test_an_incident_is_opened_from_an_alert_and_scoped_on_its_subject(world: DemoWorld) -> None:
    pharmacist = _pharmacist_checks_the_card(world)
    with world.web.platform.uow() as uow:
        named = store_alert(
            uow,
            Alert(
                "shield.burst",
                Severity.WARNING,
                "checks in bursts",
                subject_kind="account",
                subject_ref=str(pharmacist),
            ),
        )
        platform_wide = store_alert(uow, Alert("shield.global", Severity.INFO, "many checks"))
        uow.commit()
    analyst = _analyst(world, "analyst.one")
    alerts = analyst.get("/security").text
    assert f'hx-post="/security/alerts/{named}/incident"' in alerts
    assert f"/security/alerts/{platform_wide}/incident" not in alerts  # it names no one
    before = _audited(world, "incidents:incident:opened")
    opened = analyst.post(f"/security/alerts/{named}/incident", headers=HTMX)
    assert opened.status_code == 200, opened.text
    assert _audited(world, "incidents:incident:opened") == before + 1
    page = opened.headers["HX-Redirect"]
    assert re.fullmatch(r"/security/incidents/[0-9a-f-]{36}", page)
    html = analyst.get(page).text
    assert "shield.burst" in html  # the description names the alert's code
    assert "scoping-figures" in html  # scoped at once on the alert's account
    # Without JavaScript: the same, then the incident's page.
    again = analyst.post(f"/security/alerts/{named}/incident", follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"].startswith("/security/incidents/")
    phishable = _analyst(world, "analyst.totp", Factor.TOTP)
    refused = phishable.post(f"/security/alerts/{named}/incident", headers=HTMX)
    assert refused.status_code == 401
