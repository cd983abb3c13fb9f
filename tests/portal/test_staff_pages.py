"""The security analyst's and the insurer's pages over HTTP, as HTMX would use them:
alerts with their chart (SVG and its data table) and acknowledgement, containments lifted
by two analysts through the page posts, channel brakes, the incidents register, the
insurer's statements and incident notices, and each page refused to the other roles."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from rempart.audit.checkpoints import InMemoryCheckpointStore, issue_checkpoint
from rempart.audit.models import AuditRecordRow
from rempart.audit.sequencer import seal
from rempart.audit.verification import NullAlertSink, verify
from rempart.identity.permissions import Role
from rempart.identity.sessions import Factor
from rempart.kernel.ids import new_id
from rempart.payments.accounts import operator_from
from rempart.payments.runs import run_payments
from rempart.shield.alerting import store_alert
from rempart.shield.alerts import Alert, Severity
from rempart.shield.containment import escalate
from rempart.shield.domain import Rung, Subject
from rempart.shield.models import AlertRow

from ..claims.support import drug, invoice, open_pharmacy
from ..conftest import TODAY
from ..payments.world import sign_mandates
from .support import HTMX, DemoWorld, adopt_csrf


def _audited(world: DemoWorld, tag: str) -> int:
    with world.web.platform.uow() as uow:
        query = select(func.count()).select_from(AuditRecordRow).where(AuditRecordRow.tag == tag)
        return int(uow.session.scalar(query) or 0)


def _analyst(world: DemoWorld, login: str) -> TestClient:
    """An analyst signed in with a passkey just now (fresh enough for step-up)."""
    browser = world.web.signed_in(world.web.account(Role.SECURITY_ANALYST, login))
    adopt_csrf(browser, browser.get("/security").text)
    return browser


def _alert(world: DemoWorld, code: str, hours_ago: int = 0) -> uuid.UUID:
    with world.web.platform.uow() as uow:
        alert_id = store_alert(uow, Alert(code, Severity.WARNING, "for the portal"))
        if hours_ago:
            row = uow.session.get(AlertRow, alert_id)
            assert row is not None
            row.created_at = row.created_at - timedelta(hours=hours_ago)
        uow.commit()
    return alert_id


def _containment(world: DemoWorld) -> uuid.UUID:
    with world.web.platform.uow() as uow:
        row = escalate(uow, subject=Subject.client(new_id()), rung=Rung.THROTTLE, evidence="portal")
        assert row is not None
        uow.commit()
        return row.id


def test_the_alerts_page_draws_the_chart_and_its_table(world: DemoWorld) -> None:
    _alert(world, "shield.portal.now")
    _alert(world, "shield.portal.now")
    _alert(world, "shield.portal.earlier", hours_ago=5)
    _alert(world, "shield.portal.old", hours_ago=30)  # outside the chart's 24 hours
    analyst = world.persona("security-analyst")
    before = _audited(world, "shield:alerts:read")
    page = analyst.get("/security")
    assert page.status_code == 200, page.text
    assert _audited(world, "shield:alerts:read") == before + 1
    svg = re.search(r"<svg[^>]*>.*?</svg>", page.text, re.S)
    assert svg, "the chart is drawn on the server"
    assert 'role="img"' in svg.group(0)
    assert "style" not in svg.group(0)  # the CSP forbids inline style
    assert svg.group(0).count('class="bar"') == 24
    assert "3 alertes en 24 heures, au plus 2 en une heure" in page.text
    table = re.search(r'<table class="chart-data">.*?</table>', page.text, re.S)
    assert table, "the figures are in a table beside the chart"
    counts = re.findall(r'<td class="num">(\d+)</td>', table.group(0))
    assert len(counts) == 24
    assert counts[-1] == "2"
    assert counts[-6] == "1"
    assert sum(map(int, counts)) == 3
    assert "shield.portal.old" in page.text  # listed, though not in the chart


def test_an_analyst_acknowledges_an_alert(world: DemoWorld) -> None:
    alert_id = _alert(world, "shield.portal.ack")
    analyst = world.persona("security-analyst")
    page = analyst.get("/security").text
    assert f"/security/alerts/{alert_id}/acknowledge" in page
    answer = analyst.post(f"/security/alerts/{alert_id}/acknowledge", headers=HTMX)
    assert answer.status_code == 200, answer.text
    assert "Alerte prise en compte" in answer.text
    assert f"/security/alerts/{alert_id}/acknowledge" not in analyst.get("/security").text


def test_a_lift_needs_a_second_analyst(world: DemoWorld) -> None:
    containment_id = _containment(world)
    first, second = _analyst(world, "analyst.one"), _analyst(world, "analyst.two")
    page = first.get("/security/containments").text
    assert f"/security/containments/{containment_id}/lift-requests" in page
    asked = first.post(f"/security/containments/{containment_id}/lift-requests", headers=HTMX)
    assert asked.status_code == 200, asked.text
    assert "un second analyste doit l&#39;approuver" in asked.text
    page = first.get("/security/containments").text
    found = re.search(r"/security/lift-requests/([0-9a-f-]{36})/approval", page)
    assert found, "the pending lift offers its approval"
    approval = f"/security/lift-requests/{found.group(1)}/approval"
    refused = first.post(approval, headers=HTMX)  # the requester may not approve
    assert refused.status_code == 403, refused.text
    assert "<html" not in refused.text  # a fragment, swapped where the answer would go
    lifted = second.post(approval, headers=HTMX)
    assert lifted.status_code == 200, lifted.text
    assert "Confinement levé" in lifted.text
    assert str(containment_id) not in second.get("/security/containments").text


def test_lifting_and_braking_need_a_fresh_passkey(world: DemoWorld) -> None:
    containment_id = _containment(world)
    account_id = world.web.account(Role.SECURITY_ANALYST, "analyst.totp")
    analyst = world.web.signed_in(account_id, Factor.TOTP)  # phishable: no step-up
    answer = analyst.post(f"/security/containments/{containment_id}/lift-requests")
    assert answer.status_code == 401, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert analyst.post("/security/brakes/portal", headers=HTMX).status_code == 401


def test_a_brake_is_applied_then_released_by_two_analysts(world: DemoWorld) -> None:
    first, second = _analyst(world, "analyst.one"), _analyst(world, "analyst.two")
    page = first.get("/security/containments").text
    assert 'action="/security/brakes/insurer"' in page
    braked = first.post("/security/brakes/insurer", headers=HTMX)
    assert braked.status_code == 200, braked.text
    page = first.get("/security/containments").text
    assert 'action="/security/brakes/insurer/release"' in page
    asked = first.post("/security/brakes/insurer/release", headers=HTMX)
    assert asked.status_code == 200, asked.text
    found = re.search(
        r"/security/lift-requests/([0-9a-f-]{36})/approval",
        first.get("/security/containments").text,
    )
    assert found
    assert second.post(found.group(0), headers=HTMX).status_code == 200
    assert 'action="/security/brakes/insurer"' in second.get("/security/containments").text


def test_the_incidents_register_links_each_incident(world: DemoWorld) -> None:
    analyst = _analyst(world, "analyst.one")
    opened = analyst.post(
        "/api/v1/incidents",
        json={
            "kinds": ["confidentiality"],
            "description": "Rights checks in bursts from one account",
            "detected_at": "2026-11-28T08:00:00Z",
        },
    )
    assert opened.status_code == 201, opened.text
    incident = opened.json()
    register = analyst.get("/security/incidents")
    assert register.status_code == 200, register.text
    assert f'href="/security/incidents/{incident["id"]}"' in register.text
    assert incident["reference"] in register.text
    one = analyst.get(f"/security/incidents/{incident['id']}")
    assert one.status_code == 200, one.text
    assert "Rights checks in bursts from one account" in one.text


def test_the_insurer_pages(world: DemoWorld) -> None:
    staff = world.persona("insurer-staff")
    before = _audited(world, "payments:statement:read")
    statements = staff.get("/insurer")
    assert statements.status_code == 200, statements.text
    assert "Relevés de règlement" in statements.text
    assert world.seeded.amc_number in statements.text
    assert _audited(world, "payments:statement:read") == before + 1
    dpo = world.persona("insurer-dpo")
    before = _audited(world, "incidents:notice:read")
    notices = dpo.get("/insurer/notices")
    assert notices.status_code == 200, notices.text
    assert "Avis d&#39;incident" in notices.text
    assert _audited(world, "incidents:notice:read") == before + 1


def test_each_page_is_refused_to_the_other_roles(world: DemoWorld) -> None:
    pages = {
        "/security": "security-analyst",
        "/security/containments": "security-analyst",
        "/security/incidents": "security-analyst",
        "/insurer": "insurer-staff",
        "/insurer/notices": "insurer-dpo",
    }
    browsers = {key: world.persona(key) for key in set(pages.values()) | {"pharmacist", "insured"}}
    for path, owner in pages.items():
        for key, browser in browsers.items():
            answer = browser.get(path)
            if key == owner:
                assert answer.status_code == 200, (path, key, answer.text)
            else:
                assert answer.status_code == 403, (path, key, answer.status_code)
                assert answer.headers["content-type"].startswith("text/html")


def test_insurer_staff_list_their_statements_with_their_downloads(
    tmp_path: Path, sqlite_url: str
) -> None:
    pharmacy = open_pharmacy(tmp_path, sqlite_url)
    sign_mandates(pharmacy.web.platform, pharmacy.lines)
    person = pharmacy.open_people()[0]
    pharmacy.submit(invoice(person, drug("3400930000001"), drug("3400930000002", price=2000)))
    report = run_payments(
        uow=pharmacy.web.platform.uow(),
        run_date=TODAY,
        operator=operator_from(pharmacy.web.platform.settings),
        out_dir=tmp_path / "payments",
    )
    amc = person.amc_number
    staff = pharmacy.web.signed_in(pharmacy.web.account(Role.INSURER_STAFF, "amc", amc_number=amc))
    page = staff.get("/insurer")
    assert page.status_code == 200, page.text
    assert "10,50" in page.text
    for kind in ("pdf", "csv"):
        link = f"/api/v1/insurers/{amc}/statements/{report.run_id}?format={kind}"
        assert f'href="{link}"' in page.text
        assert staff.get(link).status_code == 200


def test_the_alerts_page_says_when_the_audit_log_was_last_verified(world: DemoWorld) -> None:
    analyst = world.persona("security-analyst")
    page = analyst.get("/security").text
    assert 'data-log-verified="never"' in page
    platform = world.web.platform
    store = InMemoryCheckpointStore()
    seal(uow=platform.uow())
    issue_checkpoint(uow=platform.uow(), store=store)
    report = verify(uow=platform.uow(), store=store, alerts=NullAlertSink())
    assert report.ok
    page = analyst.get("/security").text
    assert 'data-log-verified="ok"' in page
    assert f"{report.records_checked} enregistrements vérifiés" in page
    assert f"{report.tree_size} enregistrements, le" in page  # the checkpoint just signed
