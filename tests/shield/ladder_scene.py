"""The platform the ladder tests run against: the real app over HTTPS, a directory, a
rights file, a professional of one pharmacy, two security analysts, the pharmacy's
software client; and what the tests read back (containments, alerts, outbox)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from rempart.identity.client_models import ClientRow
from rempart.identity.models import AccountRow, SecurityEventRow, SessionRow
from rempart.identity.permissions import Role
from rempart.outbox.models import OutboxMessageRow
from rempart.registry import service as registry
from rempart.registry.domain import BeneficiaryStatement
from rempart.shield.models import AlertRow, ContainmentRow

from ..conftest import TODAY
from ..factories import beneficiary_id_of, france, statements, write_file
from ..identity.clientkit import Key
from ..identity.clientworld import World, build_world
from ..identity.web import ORIGIN, Web, make_web


@dataclass
class Scene:
    web: Web
    world: World
    lines: list[BeneficiaryStatement]
    pro: uuid.UUID
    analysts: tuple[uuid.UUID, uuid.UUID]
    client_id: uuid.UUID
    client_key: Key

    def tick(self, **delta: float) -> None:
        self.web.clock.set(self.web.clock.now() + timedelta(**delta))

    def check(self, browser: TestClient, line: BeneficiaryStatement, **changes: Any) -> Any:
        return browser.post("/api/v1/rights/checks", json=card(line, **changes))

    def software_check(self, line: BeneficiaryStatement) -> Any:
        dpop = Key()
        token = self.world.token(self.client_id, self.client_key, dpop).access_token
        url = "/api/v1/rights/checks"
        proof = dpop.proof("POST", ORIGIN + url, now=self.web.clock.now(), access_token=token)
        return self.web.browser().post(
            url,
            json=card(line),
            headers={
                "Authorization": f"DPoP {token}",
                "DPoP": proof,
                "Rempart-Acting-RPPS": self.world.member_rpps,
            },
        )

    def analyst(self, which: int = 0) -> TestClient:
        """A security analyst's browser, signed in now with a passkey (fresh enough to
        lift and brake)."""
        return self.web.signed_in(self.analysts[which])

    def beneficiary_of(self, line: BeneficiaryStatement) -> uuid.UUID:
        return beneficiary_id_of(self.web.platform, line)

    # --- what happened -------------------------------------------------------------

    def containments(self, subject_ref: str | uuid.UUID) -> list[ContainmentRow]:
        with self.web.platform.uow() as uow:
            rows = list(
                uow.session.scalars(
                    select(ContainmentRow).where(ContainmentRow.subject_ref == str(subject_ref))
                )
            )
            uow.session.expunge_all()  # readable after the unit of work
            return rows

    def alerts(self) -> list[AlertRow]:
        with self.web.platform.uow() as uow:
            rows = list(uow.session.scalars(select(AlertRow).order_by(AlertRow.created_at)))
            uow.session.expunge_all()
            return rows

    def outbox(self) -> list[OutboxMessageRow]:
        with self.web.platform.uow() as uow:
            rows = list(uow.session.scalars(select(OutboxMessageRow)))
            uow.session.expunge_all()
            return rows

    def security_events(self, account_id: uuid.UUID) -> list[str]:
        with self.web.platform.uow() as uow:
            return list(
                uow.session.scalars(
                    select(SecurityEventRow.tag)
                    .where(SecurityEventRow.account_id == account_id)
                    .order_by(SecurityEventRow.at)
                )
            )

    def account_status(self, account_id: uuid.UUID) -> str:
        with self.web.platform.uow() as uow:
            row = uow.session.get(AccountRow, account_id)
            assert row is not None
            return row.status

    def live_sessions(self, account_id: uuid.UUID) -> int:
        with self.web.platform.uow() as uow:
            return len(
                uow.session.scalars(
                    select(SessionRow.id).where(
                        SessionRow.account_id == account_id, SessionRow.ended_at.is_(None)
                    )
                ).all()
            )

    def client_status(self) -> str:
        with self.web.platform.uow() as uow:
            row = uow.session.get(ClientRow, self.client_id)
            assert row is not None
            return row.status


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


def build_scene(tmp_path: Path, database_url: str, beneficiaries: int = 60) -> Scene:
    web = make_web(tmp_path, database_url)
    world = build_world(web.platform)
    lines = statements(france(60), beneficiaries=beneficiaries)
    registry.import_rights_file(
        uow=web.platform.uow(), path=write_file(tmp_path / "r.jsonl", lines)
    )
    pro = web.account(Role.PROFESSIONAL, "pharmacien", finess=(world.finess,))
    analysts = (
        web.account(Role.SECURITY_ANALYST, "analyst-1"),
        web.account(Role.SECURITY_ANALYST, "analyst-2"),
    )
    client_id, client_key = world.active_client()
    return Scene(web, world, lines, pro, analysts, client_id, client_key)
