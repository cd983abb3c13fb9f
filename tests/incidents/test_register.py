"""The register through its use cases, on both backends: the append-only decision log
(code and database), the timeline and deadlines, closing and reopening, who may, and
opening from an alert."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from rempart.audit.domain import AuditEvent, AuditTag, Category, Outcome
from rempart.audit.exposure import ExposureSelector
from rempart.audit.recorder import record
from rempart.bootstrap import Platform
from rempart.identity.permissions import Actor, Channel, Role
from rempart.incidents import from_alert, scoping, service
from rempart.incidents.domain import Closure, Milestone, Status
from rempart.incidents.models import IncidentLogRow
from rempart.incidents.repository import AppendOnly
from rempart.kernel.clock import FixedClock
from rempart.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from rempart.shield.port import FixedBudgetShield
from tests.conftest import NOW

ANALYST = Actor(account_id=uuid.uuid4(), role=Role.SECURITY_ANALYST)
DPO = Actor(account_id=uuid.uuid4(), role=Role.PLATFORM_DPO)
SHIELD = FixedBudgetShield()
TARGET = timedelta(hours=24)
ATTACKER = uuid.uuid4()
AMC1, AMC2 = "111111111", "222222222"


def open_one(platform: Platform, actor: Actor = ANALYST, **kw: object) -> uuid.UUID:
    values: dict[str, object] = {
        "kinds": ["confidentiality"],
        "description": "Suspicious volume of rights checks",
        "detected_at": NOW - timedelta(hours=2),
        "controller_target": TARGET,
    }
    values.update(kw)
    return service.open_incident(uow=platform.uow(), actor=actor, shield=SHIELD, **values)  # type: ignore[arg-type]


def read(platform: Platform, incident_id: uuid.UUID):  # type: ignore[no-untyped-def]
    return service.read_incident(
        uow=platform.uow(), actor=ANALYST, shield=SHIELD, incident_id=incident_id
    )


def disclose(platform: Platform, *people: tuple[str, str]) -> None:
    """The attacker's account was answered about these (pseudonym name, insurer)."""
    with platform.uow() as uow:
        for n, (name, amc) in enumerate(people):
            record(
                uow,
                AuditEvent(
                    at=NOW - timedelta(minutes=50 - n),
                    tag=AuditTag.RIGHTS_CHECK_ANSWERED,
                    outcome=Outcome.ALLOWED,
                    channel=Channel.PORTAL,
                    actor_account_id=ATTACKER,
                    target_pseudonym=uow.vault.pseudonym("beneficiary", name),
                    target_amc=amc,
                    categories=frozenset({Category.RIGHTS}),
                ),
            )
        uow.commit()


def scope(platform: Platform, incident_id: uuid.UUID):  # type: ignore[no-untyped-def]
    return scoping.scope_incident(
        uow_factory=platform.uow,
        actor=ANALYST,
        shield=SHIELD,
        incident_id=incident_id,
        selector=ExposureSelector(
            start=NOW - timedelta(hours=1), end=NOW, accounts=frozenset({ATTACKER})
        ),
    )


def test_the_decision_log_is_append_only_in_code_and_in_the_database(platform: Platform) -> None:
    incident_id = open_one(platform)
    service.record_decision(
        uow=platform.uow(), actor=ANALYST, shield=SHIELD, incident_id=incident_id, text="noted"
    )
    with platform.uow() as uow:
        entry = uow.session.query(IncidentLogRow).filter_by(seq=2).one()
        entry.summary = "rewritten"
        with pytest.raises(AppendOnly):
            uow.session.flush()
    with platform.uow() as uow:
        uow.session.delete(uow.session.query(IncidentLogRow).filter_by(seq=2).one())
        with pytest.raises(AppendOnly):
            uow.session.flush()
    for statement in (
        update(IncidentLogRow).values(summary="rewritten"),
        delete(IncidentLogRow),
    ):
        with platform.uow() as uow, pytest.raises(AppendOnly):
            uow.session.execute(statement)
    # Below the ORM, the database refuses too.
    for sql in ("UPDATE incident_log SET summary = 'rewritten'", "DELETE FROM incident_log"):
        with platform.database.engine.connect() as connection, pytest.raises(DBAPIError):
            connection.execute(text(sql))
    log = read(platform, incident_id).log
    assert [(e.seq, e.kind.value) for e in log] == [(1, "opened"), (2, "decision")]
    assert log[1].summary == "noted"


def test_opening_checks_and_records(platform: Platform) -> None:
    incident_id = open_one(platform)
    view = read(platform, incident_id)
    assert view.status is Status.OPEN
    assert view.aware_at == NOW  # default: now
    assert view.owner_account_id == ANALYST.account_id
    assert view.reference.startswith("INC-20261128-")
    assert view.deadlines.controllers_due_at == NOW + TARGET
    assert view.deadlines.authority_due_at == NOW + timedelta(hours=72)
    assert view.log[0].details["kinds"] == ["confidentiality"]
    for bad in (
        {"description": "carte 185077512345608"},
        {"kinds": ["leak"]},
        {"detected_at": NOW + timedelta(hours=1)},
        {"aware_at": NOW - timedelta(hours=3)},  # before detection
        {"controller_target": timedelta(hours=100)},
    ):
        with pytest.raises(InvalidInput):
            open_one(platform, **bad)


def test_who_may_manage_incidents(platform: Platform) -> None:
    open_one(platform, DPO)
    for role in (Role.INSURER_DPO, Role.PROFESSIONAL, Role.PLATFORM_ADMIN, Role.INSURED):
        with pytest.raises(Forbidden):
            open_one(platform, Actor(account_id=uuid.uuid4(), role=role, amc_number=AMC1))
    with pytest.raises(NotFound):
        read(platform, uuid.uuid4())


def test_scoping_names_the_insurers_and_the_deadlines_follow(
    platform: Platform, clock: FixedClock
) -> None:
    disclose(platform, ("p1", AMC1), ("p2", AMC1), ("p3", AMC2), ("p1", AMC1))
    incident_id = open_one(platform)
    view = scope(platform, incident_id)
    assert (view.people, view.records) == (3, 4)
    assert {f.amc: f.people for f in view.by_amc} == {AMC1: 2, AMC2: 1}
    incident = read(platform, incident_id)
    assert [c.amc for c in incident.controllers if c.in_scope] == [AMC1, AMC2]
    clock.set(NOW + timedelta(hours=25))
    late = read(platform, incident_id)
    assert late.deadlines.controllers_overdue
    assert all(c.deadlines and c.deadlines.inform_overdue for c in late.controllers)
    for amc in (AMC1, AMC2):
        service.record_milestone(
            uow=platform.uow(),
            actor=ANALYST,
            shield=SHIELD,
            incident_id=incident_id,
            milestone=Milestone.AMC_INFORMED,
            at=NOW + timedelta(hours=24, minutes=30),
            amc=amc,
            note="called their DPO",
        )
    assert not read(platform, incident_id).deadlines.controllers_overdue
    service.record_milestone(
        uow=platform.uow(),
        actor=ANALYST,
        shield=SHIELD,
        incident_id=incident_id,
        milestone=Milestone.AUTHORITY_NOTIFIED,
        at=NOW + timedelta(hours=25),
        amc=AMC1,
        reference="CNIL-2026-0042",
    )
    with pytest.raises(Conflict, match="already"):
        service.record_milestone(
            uow=platform.uow(),
            actor=ANALYST,
            shield=SHIELD,
            incident_id=incident_id,
            milestone=Milestone.AUTHORITY_NOTIFIED,
            at=NOW + timedelta(hours=25),
            amc=AMC1,
        )
    with pytest.raises(Conflict, match="not concerned"):
        service.record_milestone(
            uow=platform.uow(),
            actor=ANALYST,
            shield=SHIELD,
            incident_id=incident_id,
            milestone=Milestone.AMC_INFORMED,
            at=NOW,
            amc="333333333",
        )
    with pytest.raises(InvalidInput):  # containment is not an insurer's
        service.record_milestone(
            uow=platform.uow(),
            actor=ANALYST,
            shield=SHIELD,
            incident_id=incident_id,
            milestone=Milestone.CONTAINED,
            at=NOW,
            amc=AMC1,
        )
    clock.set(NOW + timedelta(hours=100))
    incident = read(platform, incident_id)
    amc1, amc2 = incident.controllers
    assert amc1.authority_notified_at is not None
    assert amc1.authority_reference == "CNIL-2026-0042"
    assert amc1.deadlines is not None
    assert not amc1.deadlines.authority_overdue
    assert amc2.deadlines is not None
    assert amc2.deadlines.authority_overdue
    assert incident.deadlines.authority_overdue


def test_closing_needs_containment_scope_and_every_insurer_told_and_reopening_resumes(
    platform: Platform,
) -> None:
    disclose(platform, ("p1", AMC1))
    incident_id = open_one(platform)

    def close(closure: Closure = Closure.RESOLVED) -> int:
        return service.close_incident(
            uow=platform.uow(),
            actor=ANALYST,
            shield=SHIELD,
            incident_id=incident_id,
            closure=closure,
            reason="reviewed",
        )

    def milestone(which: Milestone, amc: str | None = None) -> None:
        service.record_milestone(
            uow=platform.uow(),
            actor=ANALYST,
            shield=SHIELD,
            incident_id=incident_id,
            milestone=which,
            at=NOW,
            amc=amc,
        )

    with pytest.raises(Conflict, match="containment"):
        close()
    milestone(Milestone.CONTAINED)
    with pytest.raises(Conflict, match="already"):
        milestone(Milestone.CONTAINED)
    with pytest.raises(Conflict, match="scope"):
        close()
    scope(platform, incident_id)
    with pytest.raises(Conflict, match="inform"):
        close()
    milestone(Milestone.AMC_INFORMED, AMC1)
    close()
    assert read(platform, incident_id).status is Status.CLOSED
    with pytest.raises(Conflict, match="reopen"):
        scope(platform, incident_id)
    with pytest.raises(Conflict, match="reopen"):
        milestone(Milestone.PEOPLE_NOTIFIED, AMC1)
    service.record_decision(
        uow=platform.uow(), actor=DPO, shield=SHIELD, incident_id=incident_id, text="lessons"
    )
    service.reopen_incident(
        uow=platform.uow(), actor=DPO, shield=SHIELD, incident_id=incident_id, reason="new facts"
    )
    reopened = read(platform, incident_id)
    assert reopened.status is Status.CONTAINED
    assert reopened.closed_at is None
    assert [e.kind.value for e in reopened.log][-3:] == ["closed", "decision", "reopened"]


def test_a_false_alarm_closes_at_once_and_the_flags_are_logged(platform: Platform) -> None:
    incident_id = open_one(platform)
    service.mark_unintelligible(
        uow=platform.uow(),
        actor=ANALYST,
        shield=SHIELD,
        incident_id=incident_id,
        unintelligible=True,
        reason="only ciphertexts left, keys on the HSM",
    )
    with pytest.raises(Conflict):
        service.mark_unintelligible(
            uow=platform.uow(),
            actor=ANALYST,
            shield=SHIELD,
            incident_id=incident_id,
            unintelligible=True,
            reason="again",
        )
    owner = uuid.uuid4()
    service.assign_owner(
        uow=platform.uow(), actor=ANALYST, shield=SHIELD, incident_id=incident_id, owner=owner
    )
    service.close_incident(
        uow=platform.uow(),
        actor=ANALYST,
        shield=SHIELD,
        incident_id=incident_id,
        closure=Closure.NOT_A_BREACH,
        reason="a load test",
    )
    view = read(platform, incident_id)
    assert view.unintelligible
    assert view.owner_account_id == owner
    assert view.closure is Closure.NOT_A_BREACH
    assert not view.deadlines.controllers_overdue


def test_opening_from_an_alert_scopes_its_subjects(platform: Platform) -> None:
    disclose(platform, ("p1", AMC1), ("p2", AMC2))
    alert = from_alert.AlertSubjects(
        alert_id="alert-0042",
        start=NOW - timedelta(hours=1),
        end=NOW + timedelta(hours=1),  # an alert still running: the scope stops at now
        accounts=frozenset({ATTACKER}),
    )
    incident_id, view = from_alert.open_from_alert(
        uow_factory=platform.uow,
        actor=ANALYST,
        shield=SHIELD,
        alert=alert,
        description="Volume alert on one account",
        controller_target=TARGET,
    )
    assert view.people == 2
    assert view.window_end == NOW
    incident = read(platform, incident_id)
    assert (incident.source_kind, incident.source_ref) == ("alert", "alert-0042")
    assert incident.detected_at == NOW
    assert service.find_incident(uow=platform.uow(), named=incident.reference) == incident_id
    assert service.find_incident(uow=platform.uow(), named=str(incident_id)) == incident_id
    with pytest.raises(InvalidInput):
        from_alert.open_from_alert(
            uow_factory=platform.uow,
            actor=ANALYST,
            shield=SHIELD,
            alert=from_alert.AlertSubjects("empty", NOW - timedelta(hours=1), NOW),
            description="no subjects",
            controller_target=TARGET,
        )


def test_a_rescoping_replaces_the_figures_and_keeps_insurers_timelines(platform: Platform) -> None:
    disclose(platform, ("p1", AMC1), ("p2", AMC2))
    incident_id = open_one(platform)
    scope(platform, incident_id)
    service.record_milestone(
        uow=platform.uow(),
        actor=ANALYST,
        shield=SHIELD,
        incident_id=incident_id,
        milestone=Milestone.AMC_INFORMED,
        at=NOW,
        amc=AMC2,
    )
    narrower = scoping.scope_incident(
        uow_factory=platform.uow,
        actor=ANALYST,
        shield=SHIELD,
        incident_id=incident_id,
        selector=ExposureSelector(
            start=NOW - timedelta(minutes=55),
            end=NOW - timedelta(minutes=49, seconds=30),
            accounts=frozenset({ATTACKER}),
        ),
    )
    assert narrower.people == 1
    incident = read(platform, incident_id)
    assert incident.scoping is not None
    assert incident.scoping.id == narrower.id
    by_amc = {c.amc: c for c in incident.controllers}
    assert by_amc[AMC1].in_scope
    assert not by_amc[AMC2].in_scope
    assert by_amc[AMC2].informed_at == NOW
