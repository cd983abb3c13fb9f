"""The insured's access history over HTTP: exactly the accesses to their own record,
described by structure and profession (or their insurer), never anyone else's; "this
wasn't me" reaches the security analysts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from rempart.audit.domain import AuditTag, Category, Outcome
from rempart.audit.recorder import BENEFICIARY, pseudonymise_target
from rempart.audit.trail import record_action
from rempart.identity.permissions import Actor, Channel, Role
from rempart.registry import service as registry
from rempart.registry.generator import SyntheticFrance

from ..factories import beneficiary_id_of, france, register, statements, write_file
from ..identity.web import Web, make_web


@dataclass
class Scene:
    web: Web
    world: SyntheticFrance
    beneficiaries: list[uuid.UUID]
    amc: str


@pytest.fixture
def scene(tmp_path: Path, sqlite_url: str) -> Scene:
    web = make_web(tmp_path, sqlite_url)
    world = france(60)
    register(web.platform, world)
    lines = statements(world, beneficiaries=20)
    registry.import_rights_file(
        uow=web.platform.uow(), path=write_file(tmp_path / "rights.jsonl", lines)
    )
    ids = [beneficiary_id_of(web.platform, line) for line in lines[:2]]
    return Scene(web, world, ids, lines[0].amc_number)


def access(scene: Scene, beneficiary: uuid.UUID, actor: Actor, *categories: Category) -> None:
    """What a rights check or a member lookup will record (those issues write these)."""
    with scene.web.platform.uow() as uow:
        record_action(
            uow,
            tag=AuditTag.RIGHTS_CHECK_ANSWERED,
            actor=actor,
            target_pseudonym=pseudonymise_target(uow.vault, BENEFICIARY, str(beneficiary)),
            target_amc=scene.amc,
            categories=categories,
        )
        uow.commit()


def test_the_insured_sees_who_accessed_their_own_record_and_nothing_else(scene: Scene) -> None:
    web, world = scene.web, scene.world
    mine, theirs = scene.beneficiaries
    pro = next(p for p in world.professionals if p.structures)
    pharmacist = Actor(
        uuid.uuid4(), Role.PROFESSIONAL, structures=frozenset(pro.structures[:1]), rpps=pro.rpps
    )
    staff_account = web.account(Role.INSURER_STAFF, "agent", amc_number=scene.amc)
    staff = Actor(staff_account, Role.INSURER_STAFF, amc_number=scene.amc)
    software = Actor(
        uuid.uuid4(),
        Role.PROFESSIONAL,
        structures=frozenset(pro.structures[:1]),
        rpps=pro.rpps,
        channel=Channel.API,
        client_id=uuid.uuid4(),
    )
    access(scene, mine, pharmacist, Category.RIGHTS, Category.GUARANTEES)
    web.clock.set(web.clock.now() + timedelta(minutes=5))
    access(scene, mine, staff, Category.IDENTITY)
    web.clock.set(web.clock.now() + timedelta(minutes=5))
    access(scene, mine, software, Category.RIGHTS)
    access(scene, theirs, pharmacist, Category.RIGHTS)  # someone else's record
    with web.platform.uow() as uow:  # a refused attempt disclosed nothing
        record_action(
            uow,
            tag=AuditTag.RIGHTS_CHECK_REFUSED,
            actor=pharmacist,
            outcome=Outcome.REFUSED,
            target_pseudonym=pseudonymise_target(uow.vault, BENEFICIARY, str(mine)),
        )
        uow.commit()

    me = web.signed_in(web.account(Role.INSURED, "insured", beneficiary_id=mine))
    entries = me.get("/api/v1/me/access-history").json()
    assert [e["channel"] for e in entries] == ["api", "portal", "portal"]
    assert [e["categories"] for e in entries] == [
        ["rights"],
        ["identity"],
        ["guarantees", "rights"],
    ]
    structure = next(s for s in world.structures if s.finess == pro.structures[0])
    professional = {
        "kind": "professional",
        "structure_name": structure.name,
        "structure_kind": structure.kind,
        "profession": pro.profession,
        "insurer_name": None,
    }
    insurer = next(i for i in world.insurers if i.amc_number == scene.amc)
    assert entries[0]["accessor"] == professional
    assert entries[2]["accessor"] == professional
    assert entries[1]["accessor"] == {
        "kind": "insurer",
        "structure_name": None,
        "structure_kind": None,
        "profession": None,
        "insurer_name": insurer.name,
    }
    text = str(entries)
    assert pro.rpps not in text  # never the professional's identifiers
    assert str(staff_account) not in text

    other = web.signed_in(web.account(Role.INSURED, "other-insured", beneficiary_id=theirs))
    assert len(other.get("/api/v1/me/access-history").json()) == 1
    unbound = web.signed_in(web.account(Role.INSURED, "unbound"))
    assert unbound.get("/api/v1/me/access-history").status_code == 403


def test_this_was_not_me_reaches_the_analysts(scene: Scene) -> None:
    web, world = scene.web, scene.world
    mine, theirs = scene.beneficiaries
    pro = next(p for p in world.professionals if p.structures)
    pharmacist = Actor(
        uuid.uuid4(), Role.PROFESSIONAL, structures=frozenset(pro.structures[:1]), rpps=pro.rpps
    )
    access(scene, mine, pharmacist, Category.RIGHTS)
    access(scene, theirs, pharmacist, Category.RIGHTS)
    me = web.signed_in(web.account(Role.INSURED, "insured", beneficiary_id=mine))
    (entry,) = me.get("/api/v1/me/access-history").json()
    reported = me.post(f"/api/v1/me/access-history/{entry['id']}/report")
    assert reported.status_code == 201
    assert me.post(f"/api/v1/me/access-history/{entry['id']}/report").status_code == 409

    other = web.signed_in(web.account(Role.INSURED, "other-insured", beneficiary_id=theirs))
    (their_entry,) = other.get("/api/v1/me/access-history").json()
    assert me.post(f"/api/v1/me/access-history/{their_entry['id']}/report").status_code == 404

    analyst = web.signed_in(web.account(Role.SECURITY_ANALYST, "analyst"))
    (report,) = analyst.get("/api/v1/security/access-reports").json()
    assert report["record_id"] == entry["id"]
    assert report["actor_rpps"] == pro.rpps
    assert report["structure_finess"] == pro.structures[0]
    assert str(mine) not in str(report)


def test_a_rights_file_import_is_on_record(scene: Scene) -> None:
    from sqlalchemy import select

    from rempart.audit.models import AuditRecordRow

    with scene.web.platform.uow() as uow:
        rows = uow.session.execute(
            select(AuditRecordRow.channel, AuditRecordRow.categories).where(
                AuditRecordRow.tag == "registry:rights_file:imported"
            )
        ).all()
    assert rows == [("cli", 7)]  # identity, rights, guarantees
