"""The portal's pages over HTTP, as a browser running HTMX would use them: the demo
personas, the professional's journey (rights check by card or attestation code,
simulation, invoice, list, detail, cancellation, payments), the insured person's
(rights, reimbursements, who looked, "this wasn't me"), and refusals drawn as pages or
fragments. The real browser walks the same journeys in test_browser.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from rempart.app import create_app
from rempart.audit.models import AuditRecordRow
from rempart.cli import app as cli
from rempart.demo.personas import PERSONAS, open_persona_session
from rempart.identity.sessions import SessionPolicy
from rempart.kernel.errors import NotFound
from rempart.settings import Environment

from ..conftest import make_settings
from .support import HTMX, LINE, DemoWorld, adopt_csrf, card_form

TODAY = "2026-11-28"


def _check(pro: TestClient, world: DemoWorld, **extra: object) -> str:
    form: dict[str, object] = {
        **card_form(world.card),
        "date_of_care": TODAY,
        "categories": ["pharmacy_65"],
        **extra,
    }
    answer = pro.post("/pro/rights-check", data=form, headers=HTMX)
    assert answer.status_code == 200, answer.text
    return answer.text


def _accreditation(html: str) -> str:
    found = re.search(r"<code data-accreditation>([0-9a-f-]{36})</code>", html)
    assert found, html
    return found.group(1)


def _audited(world: DemoWorld, tag: str) -> int:
    with world.web.platform.uow() as uow:
        query = select(func.count()).select_from(AuditRecordRow).where(AuditRecordRow.tag == tag)
        return int(uow.session.scalar(query) or 0)


def test_each_demo_persona_lands_on_its_own_pages(world: DemoWorld) -> None:
    homes = {
        "pharmacist": "/pro",
        "structure-admin": "/pro",
        "insured": "/insured",
        "security-analyst": "/security",
        "insurer-staff": "/insurer",
        "insurer-dpo": "/insurer/notices",
    }
    for persona in PERSONAS:
        browser = world.web.browser()
        answer = browser.post(f"/demo/personas/{persona.key}")
        assert answer.status_code == 200, (persona, answer.text)
        assert answer.url.path == homes.get(persona.key, "/account/security")
        assert 'name="csrf-token"' in answer.text
        history = browser.get("/account/security").text
        assert "Session de démonstration ouverte" in history  # marked, and on record


def test_the_landing_page_offers_the_personas_and_the_demo_card(world: DemoWorld) -> None:
    page = world.web.browser().get("/").text
    assert "data-demo" in page
    assert "Démonstration uniquement" in page
    for persona in PERSONAS:
        assert f'action="/demo/personas/{persona.key}"' in page
    assert world.card.attestation in page


def test_an_unknown_persona_is_not_found(world: DemoWorld) -> None:
    answer = world.web.browser().post("/demo/personas/nobody")
    assert answer.status_code == 404
    assert 'data-problem="not-found"' in answer.text


def test_no_demo_outside_development(tmp_path: Path, world: DemoWorld) -> None:
    settings = world.web.platform.settings
    production = make_settings(
        settings.home,
        settings.effective_database_url,
        env=Environment.PRODUCTION,
        webauthn_rp_id="testserver",
        webauthn_origin="https://testserver",
    )
    browser = TestClient(create_app(production), base_url="https://testserver")
    assert browser.post("/demo/personas/pharmacist").status_code == 404
    landing = browser.get("/").text
    assert "data-demo" not in landing
    assert "/demo/personas" not in landing
    with pytest.raises(NotFound):
        open_persona_session(
            uow=world.web.platform.uow(),
            key="pharmacist",
            development=False,
            policy=SessionPolicy(),
        )
    refused = CliRunner().invoke(cli, ["demo", "personas"], env={"REMPART_ENV": "production"})
    assert refused.exit_code == 1
    assert "development only" in refused.output


def test_a_professional_checks_simulates_invoices_and_follows(world: DemoWorld) -> None:
    pro = world.persona("pharmacist")
    typed = _check(pro, world)
    assert 'data-check-status="open"' in typed
    assert "Pharmacie remboursée à 65 %" in typed
    assert world.card.insured_nir not in typed  # nothing of the card is echoed
    scanned = _check(
        pro, world, **dict.fromkeys(card_form(world.card), ""), attestation=world.card.attestation
    )
    assert 'data-check-status="open"' in scanned
    accreditation = _accreditation(scanned)

    simulated = pro.post(
        "/pro/simulation",
        data={"accreditation_id": accreditation, "date_of_care": TODAY, **LINE},
        headers=HTMX,
    )
    assert simulated.status_code == 200, simulated.text
    assert "data-amc-total" in simulated.text
    assert "COV-PERCENT-BR" in simulated.text
    key = re.search(r'name="idempotency_key" id="idempotency-key" value="([^"]+)"', simulated.text)
    assert key
    invoice = {
        "accreditation_id": accreditation,
        "date_of_care": TODAY,
        "idempotency_key": key.group(1),
        "invoice_number": "PORTAL1",
        **LINE,
    }
    receipt = pro.post("/pro/invoices", data=invoice, headers=HTMX)
    assert receipt.status_code == 200, receipt.text
    assert 'data-invoice-status="accepted"' in receipt.text
    assert 'hx-swap-oob="true"' in receipt.text  # a fresh key for the next invoice
    again = pro.post("/pro/invoices", data=invoice, headers=HTMX)
    assert again.status_code == 200
    assert (
        again.text.split('<input type="hidden" name="idempotency_key"')[0]
        == (receipt.text.split('<input type="hidden" name="idempotency_key"')[0])
    )  # the same answer, nothing created twice

    listing = pro.get("/pro/invoices")
    assert listing.text.count('data-invoice="PORTAL1"') == 1
    chart = re.search(r"<svg[^>]*>.*?</svg>", listing.text, re.S)
    assert chart, "invoices per hour, drawn on the server"
    assert "style" not in chart.group(0)
    assert 'id="invoices-chart-table-caption"' in listing.text  # the figures beside it
    assert "1 facture de cette liste en 24 heures" in listing.text
    invoice_id = re.search(r'href="/pro/invoices/([0-9a-f-]{36})"', listing.text)
    assert invoice_id
    detail = pro.get(f"/pro/invoices/{invoice_id.group(1)}")
    assert detail.status_code == 200
    assert "PORTAL1" in detail.text
    adopt_csrf(pro, detail.text)
    cancelled = pro.post(f"/pro/invoices/{invoice_id.group(1)}/cancellation", headers=HTMX)
    assert cancelled.status_code == 200, cancelled.text
    assert 'data-invoice-status="cancelled"' in cancelled.text

    payments = pro.get("/pro/payments")
    assert payments.status_code == 200
    assert world.seeded.pharmacy in payments.text


def test_an_invoice_with_the_card_instead_of_an_accreditation(world: DemoWorld) -> None:
    pro = world.persona("structure-admin")
    page = pro.get("/pro/invoices").text
    key = re.search(r'id="idempotency-key" value="([^"]+)"', page)
    assert key
    receipt = pro.post(
        "/pro/invoices",
        data={
            **card_form(world.card),
            **LINE,
            "invoice_number": "CARD1",
            "date_of_care": TODAY,
            "idempotency_key": key.group(1),
        },
        headers=HTMX,
    )
    assert 'data-invoice-status="accepted"' in receipt.text, receipt.text


def test_refusals_are_fragments_for_htmx_and_pages_otherwise(world: DemoWorld) -> None:
    pro = world.persona("pharmacist")
    bad = pro.post(
        "/pro/rights-check",
        data={
            **card_form(world.card),
            "insured_nir": "185077512345699",
            "date_of_care": TODAY,
            "categories": "pharmacy_65",
        },
        headers=HTMX,
    )
    assert bad.status_code == 422
    assert bad.text.lstrip().startswith('<div class="problem" role="alert"')
    assert 'href="#f-insured_nir"' in bad.text  # the error names the field, linked
    assert "185077512345699" not in bad.text  # and never repeats the value
    missing = pro.post("/pro/rights-check", data={"date_of_care": TODAY}, headers=HTMX)
    assert missing.status_code == 422
    assert 'data-problem="invalid-input"' in missing.text
    garbled = pro.post(
        "/pro/rights-check", data={"attestation": "TP1|1|2", "date_of_care": TODAY}, headers=HTMX
    )
    assert garbled.status_code == 422
    assert 'href="#f-attestation"' in garbled.text

    page = world.web.browser().get("/pro/invoices/0196b5f0-0000-7000-8000-000000000001")
    assert page.status_code == 401
    assert page.text.startswith("<!doctype html>")
    assert "/sign-in" in page.text
    other = pro.get("/pro/invoices/0196b5f0-0000-7000-8000-000000000001")
    assert other.status_code == 404
    assert 'data-problem="not-found"' in other.text
    # The API keeps its problem details.
    api = world.web.browser().get("/api/v1/me")
    assert api.status_code == 401
    assert api.headers["content-type"] == "application/problem+json"


def test_a_page_post_needs_the_csrf_header(world: DemoWorld) -> None:
    pro = world.persona("pharmacist")
    del pro.headers["X-CSRF-Token"]
    answer = pro.post(
        "/pro/rights-check", data={**card_form(world.card), "date_of_care": TODAY}, headers=HTMX
    )
    assert answer.status_code == 403
    assert 'data-problem="forbidden"' in answer.text


def test_the_insured_person_sees_their_rights_reimbursements_and_who_looked(
    world: DemoWorld,
) -> None:
    pro = world.persona("pharmacist")
    accreditation = _accreditation(_check(pro, world))
    page = pro.get("/pro/invoices").text
    key = re.search(r'id="idempotency-key" value="([^"]+)"', page)
    assert key
    pro.post(
        "/pro/invoices",
        data={
            "accreditation_id": accreditation,
            "date_of_care": TODAY,
            "idempotency_key": key.group(1),
            "invoice_number": "SEEN1",
            **LINE,
        },
        headers=HTMX,
    )

    insured = world.persona("insured")
    rights = insured.get("/insured")
    assert rights.status_code == 200
    assert 'data-check-status="open"' in rights.text
    assert "Garanties" in rights.text
    before = _audited(world, "rights:own_rights:read")
    insured.get("/insured")
    assert _audited(world, "rights:own_rights:read") == before + 1

    reimbursed = insured.get("/insured/invoices").text
    assert "13,00" in reimbursed  # the AMO part of 2 x 10,00 EUR at 65 % (the AMC paid 7,00)
    assert "à venir" in reimbursed

    history = insured.get("/insured/access-history").text
    records = re.findall(r'data-access="([0-9a-f-]{36})"', history)
    assert records, history
    assert "Pharmacien" in history or "pharmacie" in history
    reported = insured.post(f"/insured/access-history/{records[0]}/report", headers=HTMX)
    assert reported.status_code == 200
    assert "Signalé" in reported.text
    twice = insured.post(f"/insured/access-history/{records[0]}/report", headers=HTMX)
    assert twice.status_code == 409
    assert 'data-problem="conflict"' in twice.text


def test_an_insured_person_reaches_no_counter_page_and_a_professional_no_insured_page(
    world: DemoWorld,
) -> None:
    insured = world.persona("insured")
    assert insured.get("/pro").status_code == 403
    pro = world.persona("pharmacist")
    assert pro.get("/insured").status_code == 403


def test_english_on_request(world: DemoWorld) -> None:
    browser = world.web.browser()
    assert 'lang="fr"' in browser.get("/sign-in").text
    english = browser.get("/sign-in", headers={"Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"})
    assert 'lang="en"' in english.text
    assert "Sign in with my passkey" in english.text
    switched = browser.post("/language", data={"lang": "en", "next": "/sign-in"})
    assert switched.url.path == "/sign-in"
    assert 'lang="en"' in switched.text
    back = browser.post("/language", data={"lang": "fr", "next": "//evil.example/"})
    assert back.url.path == "/"
    assert 'lang="fr"' in back.text


def test_an_oversized_form_is_refused_before_anything_is_read(world: DemoWorld) -> None:
    pro = world.persona("pharmacist")
    answer = pro.post("/pro/rights-check", data={"attestation": "x" * 70_000}, headers=HTMX)
    assert answer.status_code == 422
    assert 'data-problem="invalid-input"' in answer.text


def test_a_returning_person_finds_the_way_in_from_the_landing_page(world: DemoWorld) -> None:
    assert 'href="/home"' not in world.web.browser().get("/").text
    assert 'href="/home"' in world.persona("insured").get("/").text
