"""Step-up from the refusal that asks for it, in a real browser: an analyst whose
passkey sign-in is older than the step-up window is refused a scoping, presents the
passkey again from the button in the refusal (Chromium's virtual authenticator), and
sends the form again, served. A module of its own: it moves the served app's clock."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from rempart.identity import factors
from rempart.identity.permissions import Actor, Role
from rempart.kernel.clock import FixedClock

from ..conftest import NOW
from .test_browser import (  # noqa: F401 (fixtures)
    Served,
    _axe,
    _no_errors,
    _page,
    _virtual_authenticator,
    chromium,
    served,
)

pytestmark = pytest.mark.browser
ANALYST_LOGIN = "analyste.navigateur"


def test_an_analyst_steps_up_from_the_refusal_and_sends_the_form_again(
    served: Served,  # noqa: F811 (the fixture imported above)
    chromium: Any,  # noqa: F811
) -> None:
    web = served.world.web
    clock = web.platform.clock
    assert isinstance(clock, FixedClock)
    account = web.account(Role.SECURITY_ANALYST, ANALYST_LOGIN)
    admin = Actor(account_id=uuid.uuid4(), role=Role.PLATFORM_ADMIN, authenticated_at=NOW)
    code = factors.issue_enrolment_code(uow=web.platform.uow(), actor=admin, account_id=account)
    opener = web.signed_in(web.account(Role.SECURITY_ANALYST, "analyste.ouvre"))
    incident = opener.post(
        "/api/v1/incidents",
        json={
            "kinds": ["confidentiality"],
            "description": "Un compte suspect",
            "detected_at": "2026-11-28T08:00:00Z",
        },
    ).json()

    page = _page(chromium, served)
    _virtual_authenticator(page)
    base = served.base
    page.goto(f"{base}/sign-in")
    page.fill("#f-enrolment_code", code)
    page.click("#enrol-form button[type=submit]")
    page.wait_for_url(f"{base}/security")

    clock.set(NOW + timedelta(minutes=7))  # past the step-up window, within the session's
    page.goto(f"{base}/security/incidents/{incident['id']}")
    page.fill("#f-accounts", str(uuid.uuid4()))
    scope = "form[hx-post$='/scoping'] button[type=submit]"
    page.click(scope)
    page.wait_for_selector('[data-problem="step-up-required"] button[data-step-up]')
    _axe(page, "step-up-refusal")
    page.click("button[data-step-up]")
    page.wait_for_selector("[data-step-up-status]:has-text('confirmé')")
    page.click(scope)  # the form kept its fields
    page.wait_for_selector("#scoping-heading")
    _no_errors(served)
