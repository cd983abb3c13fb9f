"""The bank account routes through the app: masked answers, the step-up challenge, the
second approver, clear problems for bad input with nothing written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from rempart.audit.models import AuditRecordRow
from rempart.identity.permissions import Role
from rempart.identity.sessions import Factor
from rempart.outbox.models import OutboxMessageRow
from rempart.payouts.models import BankAccountRow
from rempart.settings import Environment, Settings

from ..conftest import NOW
from ..identity.clientworld import World, build_world
from ..identity.web import Web, make_web
from .support import BIC, NEW_IBAN

COOLING_OFF_HOURS = 24


@dataclass
class Site:
    web: Web
    world: World

    @property
    def url(self) -> str:
        return f"/api/v1/structures/{self.world.finess}/bank-account"

    def written(self) -> tuple[int, int, int]:
        """Bank account rows, outbox messages, change audit records."""
        with self.web.platform.uow() as uow:
            return tuple(  # type: ignore[return-value]
                uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0
                for model, where in (
                    (BankAccountRow, ()),
                    (OutboxMessageRow, ()),
                    (
                        AuditRecordRow,
                        (AuditRecordRow.tag == "payouts:bank_account:change_requested",),
                    ),
                )
            )


@pytest.fixture
def site(tmp_path: Path, sqlite_url: str) -> Site:
    web = make_web(tmp_path, sqlite_url, payout_cooling_off_hours=COOLING_OFF_HOURS)
    return Site(web, build_world(web.platform))


def test_the_account_is_shown_masked_to_the_structures_professionals(site: Site) -> None:
    pro = site.web.account(Role.PROFESSIONAL, "pro", finess=(site.world.finess,))
    answer = site.web.signed_in(pro).get(site.url)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"structure", "current", "change", "payments"}
    assert len(body["current"]["last4"]) == 4
    assert (body["change"], body["payments"]) == (None, "pay")
    other = f"/api/v1/structures/{site.world.other_finess}/bank-account"
    assert site.web.signed_in(pro).get(other).status_code == 403


def test_a_structure_administrator_changes_it_and_payments_are_held(site: Site) -> None:
    admin = site.web.signed_in(site.world.structure_admin.account_id)
    spaced = " ".join(NEW_IBAN[i : i + 4] for i in range(0, len(NEW_IBAN), 4))
    answer = admin.put(site.url, json={"iban": spaced, "bic": BIC.lower()})
    assert answer.status_code == 202, answer.text
    assert NEW_IBAN not in answer.text
    assert NEW_IBAN[4:-4] not in answer.text
    change = answer.json()["change"]
    assert (change["status"], change["last4"], change["bic"], change["requester"]) == (
        "cooling_off",
        NEW_IBAN[-4:],
        BIC,
        "structure_admin",
    )
    effective = NOW + timedelta(hours=COOLING_OFF_HOURS)
    assert change["effective_at"].replace("Z", "+00:00") == effective.isoformat()
    assert answer.json()["payments"] == "held"
    assert site.written() == (1, 1, 1)

    assert admin.delete(site.url + "/pending").json()["change"] is None
    assert admin.delete(site.url + "/pending").status_code == 404


def test_a_phishable_session_gets_the_step_up_challenge_and_writes_nothing(site: Site) -> None:
    admin = site.web.signed_in(site.world.structure_admin.account_id, Factor.TOTP)
    answer = admin.put(site.url, json={"iban": NEW_IBAN, "bic": BIC})
    assert answer.status_code == 401
    assert answer.json()["type"].endswith("/step-up-required")
    assert "insufficient_user_authentication" in answer.headers["WWW-Authenticate"]
    assert site.written() == (0, 0, 0)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"iban": NEW_IBAN[:-2] + "00", "bic": BIC}, "iban"),
        ({"iban": "DE" + NEW_IBAN[2:], "bic": BIC}, "iban"),
        ({"iban": NEW_IBAN, "bic": "NOTABIC!"}, "bic"),
        ({"iban": NEW_IBAN}, "bic"),
        ({"iban": NEW_IBAN, "bic": BIC, "holder": "x"}, "holder"),
        ({"iban": NEW_IBAN * 2, "bic": BIC}, "iban"),
    ],
)
def test_bad_input_is_a_clear_problem_and_nothing_is_written(
    site: Site, body: dict[str, str], field: str
) -> None:
    admin = site.web.signed_in(site.world.structure_admin.account_id)
    answer = admin.put(site.url, json=body)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["type"].startswith("https://rempart.example/problems/invalid-")
    assert field in (problem.get("field"), *(problem.get("fields") or ()))
    assert body["iban"][4:-4] not in answer.text  # the account number is never echoed
    assert site.written() == (0, 0, 0)


def test_the_second_approver_must_be_another_platform_administrator(site: Site) -> None:
    first = site.web.signed_in(site.world.approver.account_id)
    asked = first.put(site.url, json={"iban": NEW_IBAN, "bic": BIC})
    assert asked.status_code == 202, asked.text
    change = asked.json()["change"]
    assert (change["status"], change["effective_at"]) == ("pending_approval", None)

    approval = site.url + "/approval"
    refused = first.post(approval, json={"change_id": change["id"]})
    assert refused.status_code == 403
    second = site.web.signed_in(site.world.second_approver.account_id)
    assert second.post(approval, json={"change_id": "not-a-uuid"}).status_code == 422
    unknown = "0196b5f0-0000-7000-8000-000000000999"
    assert second.post(approval, json={"change_id": unknown}).status_code == 404
    approved = second.post(approval, json={"change_id": change["id"]})
    assert approved.status_code == 200, approved.text
    assert approved.json()["change"]["status"] == "cooling_off"
    assert second.post(approval, json={"change_id": change["id"]}).status_code == 409

    # A structure administrator of another structure cannot cancel it; an analyst can.
    outsider = site.web.signed_in(site.world.other_structure_admin.account_id)
    assert outsider.delete(site.url + "/pending").status_code == 403
    analyst = site.web.signed_in(site.web.account(Role.SECURITY_ANALYST, "analyst"))
    assert analyst.delete(site.url + "/pending").status_code == 200


def test_the_cooling_off_setting_is_at_least_an_hour_outside_development(tmp_path: Path) -> None:
    common = {"home": tmp_path, "database_url": "sqlite:///" + str(tmp_path / "x.db")}
    with pytest.raises(ValidationError, match="at least an hour"):
        Settings(env=Environment.PRODUCTION, payout_cooling_off_hours=0, **common)  # type: ignore[arg-type]
    assert Settings(env=Environment.DEVELOPMENT, payout_cooling_off_hours=0, **common)  # type: ignore[arg-type]
    assert Settings(**common).payout_cooling_off == timedelta(hours=72)  # type: ignore[arg-type]
