"""Account requests pass the shield's admission like any other use case: the rungs the
account-burst detector climbs (throttle, step-up, suspension) bite on the next request,
a refused request writes nothing, and the refusal is the one problem answer."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from rempart.identity.domain import AccountRequest
from rempart.identity.models import AccountRow, SecurityEventRow
from rempart.identity.permissions import Actor, Role
from rempart.identity.service import request_account
from rempart.kernel.errors import RateLimited, StepUpRequired
from rempart.shield.containment import escalate
from rempart.shield.domain import Detector, Rung, Subject, Suspended
from rempart.shield.models import ContainmentRow
from rempart.shield.sentinel import Sentinel

from .web import Web, make_web


@pytest.fixture
def web(tmp_path: Path, database_url: str) -> Web:
    return make_web(tmp_path, database_url)


def _shield(web: Web) -> Sentinel:
    shield = web.app.state.shield
    assert isinstance(shield, Sentinel)
    return shield


def _admin(web: Web, login: str, *, fresh: bool = True) -> Actor:
    """A platform administrator signed in with a passkey (`fresh`: just now)."""
    account_id = web.account(Role.PLATFORM_ADMIN, login)
    at = web.clock.now() if fresh else web.clock.now() - timedelta(days=1)
    return Actor(account_id=account_id, role=Role.PLATFORM_ADMIN, authenticated_at=at)


def _ask(web: Web, actor: Actor, number: int) -> uuid.UUID:
    return request_account(
        uow=web.platform.uow(),
        actor=actor,
        shield=_shield(web),
        request=AccountRequest(Role.PLATFORM_ADMIN, f"ops-{number:04d}@example.org"),
    )


def _requested_by(web: Web, actor: Actor) -> int:
    with web.platform.uow() as uow:
        return (
            uow.session.scalar(
                select(func.count()).where(AccountRow.requested_by == actor.account_id)
            )
            or 0
        )


def _rungs(web: Web, actor: Actor) -> list[tuple[str, str | None]]:
    with web.platform.uow() as uow:
        return [
            (row.rung, row.detector)
            for row in uow.session.scalars(
                select(ContainmentRow)
                .where(ContainmentRow.subject_ref == str(actor.account_id))
                .order_by(ContainmentRow.created_at)
            )
        ]


def _contain(
    web: Web,
    account_id: uuid.UUID,
    rung: Rung,
    evidence: str,
    *,
    detector: Detector | None = Detector.ACCOUNT_BURST,
) -> None:
    """The account contained at `rung`, as the shield would have done it."""
    with web.platform.uow() as uow:
        escalate(
            uow,
            subject=Subject.account(account_id),
            rung=rung,
            evidence=evidence,
            detector=detector.value if detector else None,
        )
        uow.commit()


def _tick(web: Web, seconds: float) -> None:
    web.clock.set(web.clock.now() + timedelta(seconds=seconds))


def test_a_rogue_administrator_is_refused_at_the_throttle_rung(web: Web) -> None:
    rogue = _admin(web, "rogue@example.org")
    for n in range(20):  # one a minute: the account-burst detector throttles at 20 a day
        _ask(web, rogue, n)
        _tick(web, 60)
    assert _rungs(web, rogue) == [(Rung.THROTTLE.value, Detector.ACCOUNT_BURST.value)]
    with web.platform.uow() as uow:
        events_before = uow.session.scalar(select(func.count()).select_from(SecurityEventRow))

    # Throttled: a tenth of the account-request budget (six an hour for a platform
    # administrator), and twenty went through in the last hour.
    with pytest.raises(RateLimited) as refused:
        _ask(web, rogue, 20)
    assert refused.value.retry_after > 60
    with pytest.raises(RateLimited):
        _ask(web, rogue, 20)  # again at once: still refused, still nothing written
    assert _requested_by(web, rogue) == 20
    with web.platform.uow() as uow:
        events_after = uow.session.scalar(select(func.count()).select_from(SecurityEventRow))
    assert events_after == events_before
    assert _rungs(web, rogue) == [(Rung.THROTTLE.value, Detector.ACCOUNT_BURST.value)]

    # At Retry-After the same request goes through, at the throttled pace.
    _tick(web, refused.value.retry_after)
    _ask(web, rogue, 20)
    assert _requested_by(web, rogue) == 21
    with pytest.raises(RateLimited):
        _ask(web, rogue, 21)


def test_at_step_up_a_fresh_passkey_lets_the_administrator_go_on(web: Web) -> None:
    admin = _admin(web, "busy@example.org")
    _contain(web, admin.account_id, Rung.STEP_UP, "40 accounts requested in 24 h")
    _tick(web, 600)  # the passkey was presented ten minutes ago
    with pytest.raises(StepUpRequired):
        _ask(web, admin, 0)
    assert _requested_by(web, admin) == 0
    stepped_up = Actor(
        account_id=admin.account_id, role=admin.role, authenticated_at=web.clock.now()
    )
    _ask(web, stepped_up, 0)
    assert _requested_by(web, admin) == 1


def test_a_suspended_administrator_requests_nothing(web: Web) -> None:
    admin = _admin(web, "gone@example.org")
    _contain(web, admin.account_id, Rung.SUSPEND, "60 accounts requested in 24 h", detector=None)
    with pytest.raises(Suspended):
        _ask(web, admin, 0)
    assert _requested_by(web, admin) == 0


def test_an_honest_administrators_day_is_untouched(web: Web) -> None:
    admin = _admin(web, "onboarding@example.org")
    # A structure's staff onboarded in a morning: a dozen, a few minutes apart.
    for n in range(12):
        _ask(web, admin, n)
        _tick(web, 240)
    assert _requested_by(web, admin) == 12
    assert _rungs(web, admin) == []
    # A few more in the afternoon, and the next day's.
    _tick(web, 4 * 3600)
    for n in range(12, 16):
        _ask(web, admin, n)
        _tick(web, 600)
    _tick(web, 20 * 3600)
    for n in range(16, 28):
        _ask(web, admin, n)
        _tick(web, 300)
    assert _requested_by(web, admin) == 28
    assert _rungs(web, admin) == []


def test_a_throttled_request_answers_the_one_problem(web: Web) -> None:
    admin_id = web.account(Role.PLATFORM_ADMIN, "api@example.org")
    _contain(web, admin_id, Rung.THROTTLE, "20 accounts requested in 24 h")
    browser = web.signed_in(admin_id)
    first = browser.post(
        "/api/v1/accounts", json={"role": "platform_admin", "login_name": "a@example.org"}
    )
    assert first.status_code == 201, first.text
    # Throttled: one account request a minute.
    second = browser.post(
        "/api/v1/accounts", json={"role": "platform_admin", "login_name": "b@example.org"}
    )
    assert second.status_code == 429, second.text
    assert second.headers["content-type"] == "application/problem+json"
    assert second.json()["type"].endswith("/rate-limited")
    assert int(second.headers["Retry-After"]) >= 1
    with web.platform.uow() as uow:
        assert (
            uow.session.scalar(select(func.count()).where(AccountRow.requested_by == admin_id)) == 1
        )
