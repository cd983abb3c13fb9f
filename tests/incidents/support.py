"""A platform with a synthetic France, the people of an incident team (a security analyst,
the platform DPO, insurers' DPOs) and a compromised professional account that scrapes
rights checks over HTTP through the real app."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from rempart.audit.recorder import BENEFICIARY, pseudonymise_target
from rempart.identity.permissions import Actor, Role
from rempart.registry import service as registry
from rempart.registry.domain import BeneficiaryStatement
from rempart.shield.port import FixedBudgetShield

from ..conftest import TODAY
from ..factories import beneficiary_id_of, france, statements, write_file
from ..identity.clientworld import World, build_world
from ..identity.web import Web, make_web

CHECKS = "/api/v1/rights/checks"
STEP = timedelta(seconds=20)  # between two checks: the scraper stays under the quotas


@dataclass
class Scene:
    web: Web
    world: World
    lines: list[BeneficiaryStatement]
    attacker: uuid.UUID  # the compromised professional account
    colleague: uuid.UUID  # a professional of another structure, working normally
    analyst: uuid.UUID
    dpo: uuid.UUID  # the platform DPO
    shield: FixedBudgetShield = field(default_factory=FixedBudgetShield)

    @property
    def platform(self):  # type: ignore[no-untyped-def]
        return self.web.platform

    def actor(self, account_id: uuid.UUID, role: Role, **extra: Any) -> Actor:
        return Actor(
            account_id=account_id,
            role=role,
            authenticated_at=self.web.clock.now(),
            **extra,
        )

    @property
    def analyst_actor(self) -> Actor:
        return self.actor(self.analyst, Role.SECURITY_ANALYST)

    @property
    def dpo_actor(self) -> Actor:
        return self.actor(self.dpo, Role.PLATFORM_DPO)

    def later(self, delta: timedelta) -> None:
        self.web.clock.set(self.web.clock.now() + delta)

    def browser(self, account_id: uuid.UUID) -> TestClient:
        return self.web.signed_in(account_id)

    def pseudonym(self, line: BeneficiaryStatement) -> str:
        beneficiary_id = beneficiary_id_of(self.platform, line)
        with self.platform.uow() as uow:
            return pseudonymise_target(uow.vault, BENEFICIARY, str(beneficiary_id))

    def beneficiary_id(self, line: BeneficiaryStatement) -> uuid.UUID:
        return beneficiary_id_of(self.platform, line)


def build_scene(tmp_path: Path, database_url: str, *, people: int = 60) -> Scene:
    web = make_web(tmp_path, database_url)
    world = build_world(web.platform)
    lines = statements(france(60), beneficiaries=people)
    registry.import_rights_file(
        uow=web.platform.uow(), path=write_file(tmp_path / "rights.jsonl", lines)
    )
    attacker = web.account(Role.PROFESSIONAL, "victime-hameconnee", finess=(world.finess,))
    colleague = web.account(Role.PROFESSIONAL, "collegue", finess=(world.other_finess,))
    return Scene(
        web=web,
        world=world,
        lines=lines,
        attacker=attacker,
        colleague=colleague,
        analyst=web.account(Role.SECURITY_ANALYST, "analyste"),
        dpo=web.account(Role.PLATFORM_DPO, "dpo-rempart"),
    )


def card(line: BeneficiaryStatement, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "insured_nir": line.insured_nir,
        "birth_date": line.birth_date,
        "birth_rank": line.birth_rank,
        "amc_number": line.amc_number,
        "member_number": line.member_number,
        "agreement_type": line.agreement_type,
        "date_of_care": TODAY.isoformat(),
        "categories": ["pharmacy_65"],
    }
    body.update(changes)
    return body


def stranger(line: BeneficiaryStatement, number: int) -> dict[str, Any]:
    """A card nobody holds: a real person's card with another member number."""
    return card(line, member_number=f"ZZ{number:08d}")


@dataclass
class Scrape:
    """What the attacker sent and was told: the people answered open or closed (their
    data disclosed), and the cards that matched nobody."""

    answered: list[BeneficiaryStatement]
    statuses: dict[int, str]
    strangers: int


def scrape(scene: Scene, lines: list[BeneficiaryStatement], strangers: int) -> Scrape:
    """The compromised account checks every line and some strangers, one every STEP."""
    browser = scene.browser(scene.attacker)
    answered: list[BeneficiaryStatement] = []
    statuses: dict[int, str] = {}
    bodies = [(i, card(line)) for i, line in enumerate(lines)]
    bodies += [(-1 - n, stranger(lines[n % len(lines)], n)) for n in range(strangers)]
    bodies.sort(key=lambda pair: (pair[0] % 3, pair[0]))  # strangers interleaved
    for index, body in bodies:
        scene.later(STEP)
        answer = browser.post(CHECKS, json=body)
        if answer.status_code in (401, 429):
            # The shield slowed, challenged or suspended the scraper: nothing disclosed.
            continue
        assert answer.status_code == 200, answer.text
        status = answer.json()["status"]
        if index >= 0:
            statuses[index] = status
            if status in ("open", "closed"):
                answered.append(lines[index])
        else:
            assert status == "no_matching_rights"
    return Scrape(answered=answered, statuses=statuses, strangers=strangers)


def work_normally(scene: Scene, lines: list[BeneficiaryStatement]) -> None:
    """A colleague of another structure checks their own patients meanwhile."""
    browser = scene.browser(scene.colleague)
    for line in lines:
        scene.later(STEP)
        answer = browser.post(CHECKS, json=card(line))
        assert answer.status_code == 200, answer.text
