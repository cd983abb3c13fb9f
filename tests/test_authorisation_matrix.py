"""The authorisation matrix: every guarded route x every role x own/other object, and
software clients, against the table in `access_matrix`. Nobody unauthenticated gets
past any guarded route; a role outside a route's row gets 403 before its body is even
read; an allowed role reaches only its own objects; sensitive changes need a fresh
phishing-resistant factor."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from rempart.audit.domain import AuditTag, Category
from rempart.audit.models import AuditRecordRow
from rempart.audit.recorder import BENEFICIARY, pseudonymise_target
from rempart.audit.trail import record_action
from rempart.claims.models import InvoiceRow
from rempart.identity.models import DeviceRow, PendingSignInRow, SessionRow
from rempart.identity.permissions import Actor, Role
from rempart.identity.sessions import Factor, SessionPolicy, open_session
from rempart.incidents.service import open_incident
from rempart.kernel.ids import new_id
from rempart.registry import service as registry
from rempart.registry.models import BeneficiaryRow
from rempart.rights.models import AccreditationRow
from rempart.shield.alerting import store_alert
from rempart.shield.alerts import Alert, Severity
from rempart.shield.containment import escalate
from rempart.shield.domain import Rung, Subject
from rempart.shield.models import LiftRequestRow
from rempart.shield.port import FixedBudgetShield

from .access_matrix import ROUTES, Guarded
from .conftest import NOW
from .factories import france, statements, write_file
from .identity.clientkit import Key
from .identity.clientworld import World, build_world
from .identity.web import ORIGIN, Web, make_web

GUARDED = {route: rule for route, rule in ROUTES.items() if isinstance(rule, Guarded)}
AMC = "123456789"


@dataclass
class Scene:
    web: Web
    world: World
    accounts: dict[Role, uuid.UUID]
    stranger: uuid.UUID  # someone else's account, for "other" objects
    own_client: uuid.UUID
    other_client: uuid.UUID
    records: dict[uuid.UUID, uuid.UUID]  # account -> the beneficiary record it is bound to


def _beneficiaries(web: Web, tmp_path: Path) -> list[uuid.UUID]:
    """Two members' records, imported the way an insurer's file brings them."""
    lines = statements(france(60), beneficiaries=10)
    registry.import_rights_file(
        uow=web.platform.uow(), path=write_file(tmp_path / "rights.jsonl", lines)
    )
    with web.platform.uow() as uow:
        return list(uow.session.scalars(select(BeneficiaryRow.id).limit(2)))


@pytest.fixture
def scene(tmp_path: Path, sqlite_url: str) -> Scene:
    web = make_web(tmp_path, sqlite_url)
    world = build_world(web.platform)
    mine, theirs = _beneficiaries(web, tmp_path)
    accounts = {
        Role.PROFESSIONAL: web.account(Role.PROFESSIONAL, "pro", finess=(world.finess,)),
        Role.STRUCTURE_ADMIN: world.structure_admin.account_id,
        Role.INSURER_STAFF: web.account(Role.INSURER_STAFF, "staff", amc_number=AMC),
        Role.INSURER_DPO: web.account(Role.INSURER_DPO, "amc-dpo", amc_number=AMC),
        Role.SECURITY_ANALYST: web.account(Role.SECURITY_ANALYST, "analyst"),
        Role.PLATFORM_DPO: web.account(Role.PLATFORM_DPO, "dpo"),
        Role.PLATFORM_ADMIN: world.second_approver.account_id,
        Role.INSURED: web.account(Role.INSURED, "insured", beneficiary_id=mine),
    }
    own_client, _ = world.active_client()
    other_client, _ = world.active_client(finess=world.other_finess)
    stranger = web.account(Role.INSURED, "stranger", beneficiary_id=theirs)
    return Scene(
        web,
        world,
        accounts,
        stranger,
        own_client,
        other_client,
        {accounts[Role.INSURED]: mine, stranger: theirs},
    )


def _session_id(scene: Scene, account_id: uuid.UUID) -> uuid.UUID:
    token = open_session(
        uow=scene.web.platform.uow(),
        account_id=account_id,
        factor=Factor.PASSKEY,
        policy=SessionPolicy(),
    )
    digest = hashlib.sha256(token.encode()).digest()
    with scene.web.platform.uow() as uow:
        query = select(SessionRow.id).where(SessionRow.token_hash == digest)
        return uow.session.scalars(query).one()


def _pending_id(scene: Scene, account_id: uuid.UUID) -> uuid.UUID:
    pending_id = new_id()
    with scene.web.platform.uow() as uow:
        uow.session.add(
            PendingSignInRow(
                id=pending_id,
                account_id=account_id,
                token_hash=uuid.uuid4().bytes * 2,
                user_agent="a browser",
                created_at=NOW,
                expires_at=NOW.replace(year=NOW.year + 1),
                confirmed_at=None,
            )
        )
        uow.commit()
    return pending_id


def _device_id(scene: Scene, account_id: uuid.UUID) -> uuid.UUID:
    device_id = new_id()
    with scene.web.platform.uow() as uow:
        uow.session.add(
            DeviceRow(
                id=device_id,
                account_id=account_id,
                token_hash=uuid.uuid4().bytes * 2,
                created_at=NOW,
                last_seen_at=NOW,
            )
        )
        uow.commit()
    return device_id


def _access_record_id(scene: Scene, account_id: uuid.UUID) -> uuid.UUID:
    """An access to the account's own record (or, for an unbound account, to nobody's)."""
    beneficiary = scene.records.get(account_id, uuid.uuid4())
    with scene.web.platform.uow() as uow:
        record_id = record_action(
            uow,
            tag=AuditTag.RIGHTS_CHECK_ANSWERED,
            actor_account_id=scene.accounts[Role.PROFESSIONAL],
            target_pseudonym=pseudonymise_target(uow.vault, BENEFICIARY, str(beneficiary)),
            categories=[Category.RIGHTS],
        )
        uow.commit()
    return record_id


def _alert_id(scene: Scene) -> uuid.UUID:
    with scene.web.platform.uow() as uow:
        alert = Alert(
            "shield.matrix",
            Severity.INFO,
            "for the matrix",
            subject_kind="account",  # an incident can be opened from it
            subject_ref=str(new_id()),
        )
        alert_id = store_alert(uow, alert)
        uow.commit()
    return alert_id


def _containment_id(scene: Scene) -> uuid.UUID:
    """A software client's throttle (a client of its own, so each call opens one)."""
    with scene.web.platform.uow() as uow:
        row = escalate(uow, subject=Subject.client(new_id()), rung=Rung.THROTTLE, evidence="matrix")
        assert row is not None
        uow.commit()
        return row.id


def _lift_request_id(scene: Scene) -> uuid.UUID:
    """A lift asked by another analyst, waiting for a second one."""
    containment_id = _containment_id(scene)
    request_id = new_id()
    with scene.web.platform.uow() as uow:
        uow.session.add(
            LiftRequestRow(
                id=request_id,
                containment_id=containment_id,
                status="pending",
                pending_key=containment_id,
                requested_by=new_id(),
                requested_at=NOW,
                approved_by=None,
                approved_at=None,
            )
        )
        uow.commit()
    return request_id


def url_for(scene: Scene, path: str, account_id: uuid.UUID, *, own: bool) -> str:
    """The path with its object: the caller's own, or someone else's."""
    holder = account_id if own else scene.stranger
    values: dict[str, Callable[[], object]] = {
        "session_id": lambda: _session_id(scene, holder),
        "pending_id": lambda: _pending_id(scene, holder),
        "device_id": lambda: _device_id(scene, holder),
        "record_id": lambda: _access_record_id(scene, holder),
        "account_id": lambda: scene.web.account(
            Role.INSURER_STAFF, f"target-{new_id()}", amc_number=AMC
        ),
        "finess": lambda: scene.world.finess if own else scene.world.other_finess,
        "client_id": lambda: scene.own_client if own else scene.other_client,
        "invoice_id": lambda: _invoice_id(scene, own=own),
        "amc_number": lambda: AMC if own else "987654321",
        "run_id": new_id,
        "alert_id": lambda: _alert_id(scene),
        "containment_id": lambda: _containment_id(scene),
        "lift_request_id": lambda: _lift_request_id(scene),
        "channel": lambda: "insurer",
        "incident_id": lambda: _incident_id(scene),
        "contract_code": lambda: "MATRIX-1",
    }
    for name, value in values.items():
        if "{" + name + "}" in path:
            path = path.replace("{" + name + "}", str(value()))
    return path


def _incident_id(scene: Scene) -> uuid.UUID:
    """A fresh incident of the register (platform-wide: nobody's own or other)."""
    return open_incident(
        uow=scene.web.platform.uow(),
        actor=Actor(account_id=uuid.uuid4(), role=Role.SECURITY_ANALYST),
        shield=FixedBudgetShield(),
        kinds=["confidentiality"],
        description="Matrix walk",
        detected_at=NOW - timedelta(hours=1),
        controller_target=timedelta(hours=24),
    )


def _accreditation_id(scene: Scene, *, own: bool) -> uuid.UUID:
    """A valid accreditation of the professionals' structure (or of another one)."""
    accreditation_id = new_id()
    with scene.web.platform.uow() as uow:
        uow.session.add(
            AccreditationRow(
                id=accreditation_id,
                beneficiary_id=next(iter(scene.records.values())),
                structure_finess=scene.world.finess if own else scene.world.other_finess,
                date_of_care=NOW.date(),
                issued_at=NOW,
                expires_on=NOW.date() + timedelta(days=15),
                status="valid",
                revoked_at=None,
                revoke_reason=None,
            )
        )
        uow.commit()
    return accreditation_id


def _invoice_id(scene: Scene, *, own: bool) -> uuid.UUID:
    """A fresh (so still cancellable) invoice of the professionals' structure, or of
    another one."""
    invoice_id = new_id()
    with scene.web.platform.uow() as uow:
        uow.session.add(
            InvoiceRow(
                id=invoice_id,
                structure_finess=scene.world.finess if own else scene.world.other_finess,
                rpps=None,
                invoice_number="F0001",
                date_of_care=NOW.date(),
                beneficiary_id=next(iter(scene.records.values())),
                accreditation_id=None,
                amc_number=AMC,
                received_at=scene.web.clock.now(),
                status="accepted",
                reason=None,
                amc_cents=0,
                cancelled_at=None,
            )
        )
        uow.commit()
    return invoice_id


def body_for(scene: Scene, rule: Guarded, *, own: bool = True) -> dict[str, object]:
    """The rule's sample body (or page form), its placeholders filled with the caller's
    own objects (or someone else's)."""
    text = json.dumps(rule.form if rule.form is not None else rule.body or {})
    if "{accreditation_id}" in text:
        text = text.replace("{accreditation_id}", str(_accreditation_id(scene, own=own)))
    if "{alert_id}" in text:
        text = text.replace("{alert_id}", str(_alert_id(scene)))
    body: dict[str, object] = json.loads(text)
    return body


def call(
    browser: TestClient,
    method: str,
    url: str,
    rule: Guarded,
    body: dict[str, object] | None = None,
    **kw: object,
) -> tuple[int, str]:
    """The status, and the problem type's last segment for a refusal (a page's refusal
    names it in its `data-problem` attribute)."""
    sent = body if body is not None else rule.form or rule.body or {}
    payload = (
        {"data" if rule.form is not None else "json": sent} if method in ("POST", "PUT") else {}
    )
    headers = {**(rule.headers or {}), **kw.pop("headers", {})}  # type: ignore[dict-item]
    response = browser.request(  # type: ignore[arg-type]
        method, url, params=rule.params, headers=headers, **payload, **kw
    )
    assert response.status_code != 500, (method, url, response.text)
    if response.status_code < 400:
        return response.status_code, ""
    if response.headers.get("content-type", "").startswith("text/html"):
        found = re.search(r'data-problem="([^"]+)"', response.text)
        assert found, (method, url, response.text)
        return response.status_code, found.group(1)
    return response.status_code, str(response.json().get("type", "")).rsplit("/", 1)[-1]


def test_nobody_unauthenticated_gets_past_a_guarded_route(scene: Scene) -> None:
    anonymous = scene.web.browser()
    for (method, path), rule in GUARDED.items():
        url = url_for(scene, path, scene.stranger, own=True)
        assert call(anonymous, method, url, rule)[0] == 401, (method, path)
        forged = scene.web.browser()
        forged.cookies.set("__Host-rempart-session", "not-a-session")
        assert call(forged, method, url, rule)[0] == 401, (method, path)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_reaches_what_its_row_allows_and_only_its_own(scene: Scene, role: Role) -> None:
    account_id = scene.accounts[role]
    for (method, path), rule in GUARDED.items():
        own_url = url_for(scene, path, account_id, own=True)
        own, _ = call(scene.web.signed_in(account_id), method, own_url, rule, body_for(scene, rule))
        if role not in rule.roles:
            assert own == 403, (role, method, path, own)
            continue
        assert own not in (401, 403), (role, method, path, own)
        if rule.other is not None and role not in rule.everywhere:
            other_url = url_for(scene, path, account_id, own=False)
            other_body = body_for(scene, rule, own=False)
            other, _ = call(scene.web.signed_in(account_id), method, other_url, rule, other_body)
            assert other == rule.other, (role, method, path, other)


@pytest.mark.parametrize("role", list(Role))
def test_sensitive_changes_need_a_fresh_phishing_resistant_factor(scene: Scene, role: Role) -> None:
    """A session opened with TOTP (phishable) gets the step-up challenge on every
    sensitive route its role may call, and is served as usual everywhere else."""
    account_id = scene.accounts[role]
    for (method, path), rule in GUARDED.items():
        if role not in rule.roles:
            continue
        url = url_for(scene, path, account_id, own=True)
        status, problem = call(
            scene.web.signed_in(account_id, Factor.TOTP), method, url, rule, body_for(scene, rule)
        )
        if rule.step_up:
            assert (status, problem) == (401, "step-up-required"), (role, method, path)
        else:
            assert status not in (401, 403), (role, method, path, status)


def test_software_clients_reach_only_the_routes_open_to_them(scene: Scene) -> None:
    client_id, client_key = scene.world.active_client()
    dpop_key = Key()
    token = scene.world.token(client_id, client_key, dpop_key).access_token
    for (method, path), rule in GUARDED.items():
        url = url_for(scene, path, scene.accounts[Role.STRUCTURE_ADMIN], own=True)
        proof = dpop_key.proof(method, ORIGIN + url, now=scene.web.clock.now(), access_token=token)
        status, _ = call(
            scene.web.browser(),
            method,
            url,
            rule,
            body_for(scene, rule),
            headers={
                "Authorization": f"DPoP {token}",
                "DPoP": proof,
                "Rempart-Acting-RPPS": scene.world.member_rpps,
            },
        )
        if rule.api:
            assert status not in (401, 403), (method, path, status)
        else:
            assert status == 403, (method, path, status)


def _audited(scene: Scene, tag: str) -> int:
    with scene.web.platform.uow() as uow:
        return len(
            uow.session.scalars(select(AuditRecordRow.id).where(AuditRecordRow.tag == tag)).all()
        )


def test_every_route_that_serves_personal_data_writes_its_audit_record(scene: Scene) -> None:
    audited = {route: rule for route, rule in GUARDED.items() if rule.audited}
    assert audited, "the walk must cover at least one route"
    for (method, path), rule in audited.items():
        role = min(rule.roles)
        account_id = scene.accounts[role]
        assert rule.audited is not None
        before = _audited(scene, rule.audited)
        url = url_for(scene, path, account_id, own=True)
        status, _ = call(scene.web.signed_in(account_id), method, url, rule, body_for(scene, rule))
        assert status < 400, (method, path, status)
        assert _audited(scene, rule.audited) == before + 1, (method, path)
