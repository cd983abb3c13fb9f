"""Charts people would rather look at than read: the platform's rights checks per hour
and the busiest structures and accounts against their quota limits (the analysts'
activity page), and a professional's own checks per hour (their security history). On
both backends: the counts are one portable statement over the audit log."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from rempart.audit.domain import AuditEvent, Outcome
from rempart.audit.models import AuditRecordRow
from rempart.audit.recorder import record
from rempart.claims.domain import ClaimsTag
from rempart.identity.permissions import Actor, Channel, Role
from rempart.shield.quotas import QuotaPolicy
from rempart.shield.usage import INVOICES, platform_activity

from ..conftest import NOW
from .support import HTMX, DemoWorld, card_form, demo_world


def _audited(world: DemoWorld, tag: str) -> int:
    with world.web.platform.uow() as uow:
        query = select(func.count()).select_from(AuditRecordRow).where(AuditRecordRow.tag == tag)
        return int(uow.session.scalar(query) or 0)


def _check(world: DemoWorld, pro: TestClient) -> None:
    form = {**card_form(world.card), "date_of_care": "2026-11-28", "categories": "pharmacy_65"}
    assert pro.post("/pro/rights-check", data=form, headers=HTMX).status_code == 200


def _table(html: str, caption: str) -> str:
    found = re.search(rf"<caption[^>]*>{caption}</caption>.*?</table>", html, re.S)
    assert found, caption
    return found.group(0)


def _invoices(world: DemoWorld, instants: list[datetime]) -> None:
    """Invoices taken in at these instants, as the intake records them (one rejected)."""
    with world.web.platform.uow() as uow:
        for n, at in enumerate(instants):
            tag = ClaimsTag.INVOICE_REJECTED if n == 0 else ClaimsTag.INVOICE_RECEIVED
            record(uow, AuditEvent(at=at, tag=tag, outcome=Outcome.ALLOWED, channel=Channel.API))
        uow.commit()


def test_the_invoice_tags_counted_are_the_intakes() -> None:
    assert set(INVOICES) == {ClaimsTag.INVOICE_RECEIVED.value, ClaimsTag.INVOICE_REJECTED.value}


def test_the_activity_page_counts_checks_per_hour_and_use_against_the_quotas(
    tmp_path: Path, database_url: str
) -> None:
    world = demo_world(tmp_path, database_url)
    pro = world.persona("pharmacist")
    world.web.clock.set(NOW - timedelta(hours=3))
    _check(world, pro)
    world.web.clock.set(NOW)
    pro = world.persona("pharmacist")  # a new session: the first one has gone idle
    _check(world, pro)
    _check(world, pro)
    _invoices(world, [NOW - timedelta(hours=1), NOW - timedelta(hours=1), NOW])
    analyst = world.persona("security-analyst")
    before = _audited(world, "shield:activity:read")
    page = analyst.get("/security/activity")
    assert page.status_code == 200, page.text
    assert _audited(world, "shield:activity:read") == before + 1
    assert 'href="/security/activity" aria-current="page"' in page.text

    checks = _table(page.text, "Vérifications par heure")
    counts = [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', checks)]
    assert len(counts) == 24
    assert (counts[-1], counts[-4], sum(counts)) == (2, 1, 3)
    assert "3 vérifications en 24 heures, au plus 2 en une heure." in page.text

    invoices = _table(page.text, "Factures par heure")
    counts = [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', invoices)]
    assert (counts[-1], counts[-2], sum(counts)) == (1, 2, 3)
    assert "3 factures en 24 heures, au plus 2 en une heure." in page.text

    limits = QuotaPolicy()
    structures = _table(page.text, r"Appels servis par structure \(FINESS\) et part du quota")
    assert f"<code>{world.seeded.pharmacy}</code>" in structures
    assert f"2 sur {limits.structure.per_hour}" in structures
    assert f"3 sur {limits.structure.per_day}" in structures
    accounts = _table(page.text, "Appels servis par compte et part du quota")
    assert f"3 sur {limits.actor.per_day}" in accounts
    assert "Aucun appel servi sur les dernières 24 heures." in page.text  # no software here
    svg = re.findall(r'<svg class="use".*?</svg>', page.text, re.S)
    assert len(svg) == 2
    assert all("style" not in drawn for drawn in svg)  # the CSP forbids inline style
    for secret in (world.card.insured_nir, world.card.member_number, world.card.birth_date):
        assert secret not in page.text  # counts only: nobody checked is named


def test_use_against_the_quotas_counts_every_call_served_as_the_quotas_do(
    tmp_path: Path, database_url: str
) -> None:
    """Any data-serving call weighs like a check (one budget for all), software clients
    are listed too; sign-in and account security records and the operator's CLI are
    not what the quotas count."""
    world = demo_world(tmp_path, database_url)
    _check(world, world.persona("pharmacist"))
    pharmacy, software = world.seeded.pharmacy, uuid.uuid4()
    with world.web.platform.uow() as uow:
        pharmacist = uow.session.scalars(
            select(AuditRecordRow.actor_account_id).where(AuditRecordRow.tag.like("rights:check:%"))
        ).one()
        served = (
            ("claims:invoice:read", Channel.PORTAL, pharmacist, None),
            ("identity:iban_change:requested", Channel.PORTAL, pharmacist, None),
            ("rights:check:answered", Channel.API, None, software),
            ("rights:check:refused", Channel.API, None, software),
        )
        not_served = (
            ("identity:session:opened", Channel.PORTAL, pharmacist, None),
            ("payments:run:paid", Channel.CLI, None, None),
            ("shield:structure:throttled", Channel.PORTAL, None, None),  # no one called
        )
        for tag, channel, account, client in served + not_served:
            record(
                uow,
                AuditEvent(
                    at=NOW - timedelta(hours=2),
                    tag=tag,
                    outcome=Outcome.ALLOWED,
                    channel=channel,
                    actor_account_id=account,
                    structure_finess=pharmacy,
                    client_id=client,
                ),
            )
        uow.commit()
    analyst = Actor(account_id=uuid.uuid4(), role=Role.SECURITY_ANALYST)
    found = platform_activity(
        uow=world.web.platform.uow(), actor=analyst, shield=world.web.app.state.shield
    )
    limits = QuotaPolicy()
    uses = {
        (u.kind, u.reference): (u.last_hour, u.last_day)
        for u in found.structures + found.accounts + found.clients
    }
    assert uses[("structure", pharmacy)] == (1, 5)
    assert uses[("account", str(pharmacist))] == (1, 3)
    assert uses[("client", str(software))] == (0, 2)
    (client_use,) = found.clients
    assert (client_use.per_hour, client_use.per_day) == (
        limits.client.per_hour,
        limits.client.per_day,
    )
    page = world.persona("security-analyst").get("/security/activity")
    clients = _table(page.text, "Appels servis par logiciel et part du quota")
    assert f"<code>{software}</code>" in clients
    assert f"2 sur {limits.client.per_day}" in clients


def test_a_professional_sees_their_own_checks_per_hour(world: DemoWorld) -> None:
    pro = world.persona("pharmacist")
    _check(world, pro)
    before = _audited(world, "shield:own_activity:read")
    page = pro.get("/account/security")
    assert page.status_code == 200, page.text
    assert _audited(world, "shield:own_activity:read") == before + 1
    assert "1 vérification faite avec ce compte en 24 heures" in page.text
    owner = world.persona("structure-admin").get("/account/security").text
    assert "0 vérification faite avec ce compte en 24 heures" in owner  # only their own
    insured = world.persona("insured").get("/account/security").text
    assert "checks-heading" not in insured  # no chart for who checks nothing


def test_the_activity_page_is_the_analysts(world: DemoWorld) -> None:
    assert world.persona("pharmacist").get("/security/activity").status_code == 403
    assert world.persona("insurer-staff").get("/security/activity").status_code == 403
    assert world.web.browser().get("/security/activity").status_code == 401
