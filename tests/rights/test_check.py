"""The rights check over HTTP: minimal answers, the same answer for a stranger and for a
wrong birth date, accreditations and their revocation, software through DPoP, the shield
in front, the audit record behind."""

from __future__ import annotations

import dataclasses
import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from rempart.audit.models import AuditRecordRow
from rempart.identity.permissions import Role
from rempart.registry import service as registry
from rempart.registry.domain import BeneficiaryStatement, RightsPeriod, RightsStatus
from rempart.rights.service import revoke_after_import

from ..conftest import TODAY
from ..factories import statements, write_file
from ..identity.clientkit import Key
from ..identity.clientworld import World, build_world
from ..identity.web import ORIGIN, Web, make_web


@dataclass
class Scene:
    web: Web
    world: World
    lines: list[BeneficiaryStatement]
    counter: TestClient  # a professional of world.finess, signed in
    path: Path


def open_today(line: BeneficiaryStatement) -> bool:
    return any(p.covers(TODAY) and p.status is RightsStatus.OPEN for p in line.rights)


@pytest.fixture
def scene(tmp_path: Path, sqlite_url: str) -> Scene:
    return open_scene(tmp_path, sqlite_url)


def open_scene(tmp_path: Path, database_url: str) -> Scene:
    web = make_web(tmp_path, database_url)
    world = build_world(web.platform)
    from ..factories import france

    lines = statements(france(60), beneficiaries=60)
    path = write_file(tmp_path / "rights.jsonl", lines)
    registry.import_rights_file(uow=web.platform.uow(), path=path)
    pro = web.account(Role.PROFESSIONAL, "pharmacien", finess=(world.finess,), rpps=None)
    return Scene(web, world, lines, web.signed_in(pro), tmp_path)


def card(line: BeneficiaryStatement, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "insured_nir": line.insured_nir,
        "birth_date": line.birth_date,
        "birth_rank": line.birth_rank,
        "amc_number": line.amc_number,
        "member_number": line.member_number,
        "agreement_type": line.agreement_type,
        "date_of_care": TODAY.isoformat(),
        "categories": ["pharmacy_65", "optical_free_price"],
    }
    body.update(changes)
    return body


def test_open_rights_answer_minimally_with_an_accreditation(scene: Scene) -> None:
    line = next(x for x in scene.lines if open_today(x))
    answer = scene.counter.post("/api/v1/rights/checks", json=card(line))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "open"
    assert body["reason"] is None
    assert {g["category"] for g in body["guarantees"]} <= {"pharmacy_65", "optical_free_price"}
    assert body["accreditation"]["expires_on"] == (TODAY + timedelta(days=15)).isoformat()
    assert set(body) == {
        "status",
        "reason",
        "valid_from",
        "valid_until",
        "guarantees",
        "accreditation",
    }
    text = answer.text
    for secret in (
        line.insured_nir,
        line.birth_date,
        line.last_name,
        line.first_name,
        line.member_number,
    ):
        assert secret not in text
    with scene.web.platform.uow() as uow:
        (row,) = uow.session.scalars(
            select(AuditRecordRow).where(AuditRecordRow.tag == "rights:check:answered")
        ).all()
        assert row.target_pseudonym is not None
        assert row.target_amc == line.amc_number
        assert row.structure_finess == scene.world.finess
        assert row.outcome == "allowed"


def test_a_stranger_and_a_wrong_birth_date_get_the_same_bytes(scene: Scene) -> None:
    line = next(x for x in scene.lines if open_today(x))
    wrong_day = line.birth_date[:6] + ("01" if line.birth_date[6:] != "01" else "02")
    answers = [
        scene.counter.post("/api/v1/rights/checks", json=card(line, birth_date=wrong_day)),
        scene.counter.post("/api/v1/rights/checks", json=card(line, member_number="ZZZZ9999")),
        scene.counter.post("/api/v1/rights/checks", json=card(line, agreement_type="XX")),
        scene.counter.post(
            "/api/v1/rights/checks", json=card(line, birth_rank=line.birth_rank % 9 + 1)
        ),
    ]
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    assert answers[0].json()["status"] == "no_matching_rights"
    assert answers[0].json()["reason"] == "R-NO-MATCHING-RIGHTS"


def test_closed_and_future_rights(scene: Scene) -> None:
    ended = next(
        (x for x in scene.lines if any(p.end is not None and p.end < TODAY for p in x.rights)),
        None,
    )
    line = next(x for x in scene.lines if open_today(x))
    start = min(p.start for p in line.rights)
    before = scene.counter.post(
        "/api/v1/rights/checks",
        json=card(line, date_of_care=(start - timedelta(days=1)).isoformat()),
    )
    if start - timedelta(days=1) >= TODAY - timedelta(days=730):
        assert before.json()["status"] == "closed"
        assert before.json()["accreditation"] is None
    if ended is not None:
        end = max(p.end for p in ended.rights if p.end is not None)
        after = scene.counter.post(
            "/api/v1/rights/checks",
            json=card(ended, date_of_care=(end + timedelta(days=1)).isoformat()),
        )
        assert after.json()["status"] == "closed"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"insured_nir": "1234567890123"}, "insured_nir"),
        ({"birth_date": "1999X101"}, "birth_date"),
        ({"amc_number": "12345678X"}, "amc_number"),
        ({"member_number": "bad number!"}, "member_number"),
        ({"date_of_care": "2020-01-01"}, "date_of_care"),
        ({"categories": []}, "categories"),
        ({"categories": ["cosmetics"]}, "categories"),
    ],
)
def test_bad_input_names_the_field(scene: Scene, change: dict[str, Any], field: str) -> None:
    line = scene.lines[0]
    answer = scene.counter.post("/api/v1/rights/checks", json=card(line, **change))
    assert answer.status_code == 422
    problem = answer.json()
    assert field in (problem.get("field") or "") + " ".join(problem.get("fields", []))
    assert line.insured_nir not in answer.text


def test_an_import_closing_rights_revokes_the_accreditation(scene: Scene) -> None:
    line = next(x for x in scene.lines if open_today(x))
    issued = scene.counter.post("/api/v1/rights/checks", json=card(line)).json()["accreditation"]
    closed = dataclasses.replace(
        line,
        rights=(RightsPeriod(min(p.start for p in line.rights), TODAY - timedelta(days=1)),),
        as_of=TODAY,
    )
    path = write_file(scene.path / "closing.jsonl", [closed])
    outcome = registry.import_rights_file(uow=scene.web.platform.uow(), path=path)
    assert revoke_after_import(uow=scene.web.platform.uow(), run_id=outcome.run_id) == 1
    since = (scene.web.clock.now() - timedelta(minutes=1)).isoformat()
    revoked = scene.counter.get("/api/v1/rights/revoked", params={"since": since}).json()
    assert [r["accreditation_id"] for r in revoked] == [issued["id"]]
    assert revoked[0]["reason"] == "R-ACCREDITATION-REVOKED"
    assert (
        scene.counter.get(
            "/api/v1/rights/revoked", params={"since": "2026-11-28T09:00:00"}
        ).status_code
        == 422
    )


def test_software_checks_through_dpop_for_a_member_professional(scene: Scene) -> None:
    client_id, client_key = scene.world.active_client()
    dpop = Key()
    token = scene.world.token(client_id, client_key, dpop).access_token
    line = next(x for x in scene.lines if open_today(x))
    url = "/api/v1/rights/checks"
    answer = scene.web.browser().post(
        url,
        json=card(line),
        headers={
            "Authorization": f"DPoP {token}",
            "DPoP": dpop.proof("POST", ORIGIN + url, now=scene.web.clock.now(), access_token=token),
            "Rempart-Acting-RPPS": scene.world.member_rpps,
        },
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "open"
    with scene.web.platform.uow() as uow:
        row = uow.session.scalars(
            select(AuditRecordRow).where(AuditRecordRow.channel == "api")
        ).one()
        assert row.client_id == client_id
        assert row.actor_rpps == scene.world.member_rpps
        assert row.actor_account_id is None


def test_the_shield_slows_a_scraper(scene: Scene) -> None:
    """Sixty-five checks in one instant: the detectors throttle the account well before
    its quota of sixty a minute, then suspend it (tests/shield has the ladder in full)."""
    line = scene.lines[0]
    answers = [scene.counter.post("/api/v1/rights/checks", json=card(line)) for _ in range(65)]
    statuses = [a.status_code for a in answers]
    assert statuses[:19] == [200] * 19
    assert statuses.count(200) < 60
    assert 429 in statuses
    assert all(int(a.headers["Retry-After"]) >= 1 for a in answers if a.status_code == 429)
    # Hammering on through the refusals gets the account suspended: its session ends.
    assert statuses[-5:] == [401] * 5


def test_only_professionals_of_the_structure_check(scene: Scene) -> None:
    line = scene.lines[0]
    other = scene.counter.post(
        "/api/v1/rights/checks", json=card(line, structure=scene.world.other_finess)
    )
    assert other.status_code == 403
    staff = scene.web.signed_in(
        scene.web.account(Role.INSURER_STAFF, "agent", amc_number=line.amc_number)
    )
    refused = staff.post("/api/v1/rights/checks", json=card(line, insured_nir="nope"))
    assert refused.status_code == 403  # before validation: nothing learned from messages
    assert json.loads(refused.text)["type"].endswith("/forbidden")


def test_a_calculation_under_the_accreditation_consumes_nothing(scene: Scene) -> None:
    line = next(x for x in scene.lines if open_today(x))
    accreditation = scene.counter.post("/api/v1/rights/checks", json=card(line)).json()[
        "accreditation"
    ]
    lines = [
        {
            "category": "pharmacy_65",
            "code": "3400930000001",
            "quantity": 2,
            "unit_price_cents": 1000,
            "unit_br_cents": 1000,
            "amo_rate_bp": 6500,
            "amo_cents": 1300,
            "franchise_cents": 100,
        }
    ]
    body = {"accreditation_id": accreditation["id"], "lines": lines}
    first = scene.counter.post("/api/v1/rights/calculations", json=body)
    assert first.status_code == 200, first.text
    totals = first.json()["totals"]
    assert totals["price_cents"] == 2000
    assert totals["amo_paid_cents"] + totals["amc_cents"] + totals["patient_cents"] == 2000
    assert totals["amc_cents"] <= 2000 - 1300  # never more than price - AMO, never the franchise
    assert first.json()["lines"][0]["rule"].startswith("COV-")
    again = scene.counter.post("/api/v1/rights/calculations", json=body)
    assert again.json() == first.json()  # a simulation consumes no ceiling

    unknown = {"accreditation_id": str(uuid.uuid4()), "lines": lines}
    assert scene.counter.post("/api/v1/rights/calculations", json=unknown).status_code == 404
    inconsistent = {**body, "lines": [{**lines[0], "amo_cents": 5000}]}
    refused = scene.counter.post("/api/v1/rights/calculations", json=inconsistent)
    assert refused.status_code == 422
    with scene.web.platform.uow() as uow:
        recorded = uow.session.scalars(
            select(AuditRecordRow).where(AuditRecordRow.tag == "rights:calculation:answered")
        ).all()
        assert len(recorded) == 2
