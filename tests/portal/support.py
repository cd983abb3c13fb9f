"""A small demo world for the portal's tests: a synthetic France registered, the demo
personas seeded over it (the demo insured person imported like anyone), and browsers
that act as a person would — the CSRF token read from the page's meta tag, HTMX's
request header on what HTMX would send."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient

from rempart.demo.personas import DemoCard, Seeded, seed_personas, seeded_card

from ..factories import france, register
from ..identity.web import Web, make_web

HTMX = {"HX-Request": "true"}


@dataclass
class DemoWorld:
    web: Web
    seeded: Seeded
    card: DemoCard

    def persona(self, key: str) -> TestClient:
        """A browser signed in as the persona through the demo landing page."""
        browser = self.web.browser()
        answer = browser.post(f"/demo/personas/{key}", follow_redirects=False)
        assert answer.status_code == 303, answer.text
        page = browser.get("/home")
        assert page.status_code == 200, page.text
        adopt_csrf(browser, page.text)
        return browser


def adopt_csrf(browser: TestClient, html: str) -> None:
    """What static/rempart.js does: the meta tag's token in the X-CSRF-Token header."""
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert found, "a signed-in page carries its CSRF token"
    browser.headers["X-CSRF-Token"] = found.group(1)


def demo_world(tmp_path: Path, database_url: str, **overrides: object) -> DemoWorld:
    return seed_demo(make_web(tmp_path, database_url, **overrides))


def seed_demo(web: Web) -> DemoWorld:
    """A synthetic France registered and the demo personas seeded over it."""
    register(web.platform, france(60))
    seeded = seed_personas(uow=web.platform.uow())
    card = seeded_card(uow=web.platform.uow())
    assert card is not None
    return DemoWorld(web, seeded, card)


def card_form(card: DemoCard) -> dict[str, str]:
    return {
        "insured_nir": card.insured_nir,
        "birth_date": card.birth_date,
        "birth_rank": str(card.birth_rank),
        "amc_number": card.amc_number,
        "member_number": card.member_number,
        "agreement_type": card.agreement_type,
    }


LINE = {
    "line_category": "pharmacy_65",
    "line_code": "3400930000001",
    "line_quantity": "2",
    "line_unit_price": "10,00",
    "line_unit_br": "10,00",
    "line_amo_rate": "65",
}
