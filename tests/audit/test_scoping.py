"""Exposure scoping: the exact people disclosed to the named actors in the window, by
insurer, with the categories; an insurer's DPO sees their own insurer's part only."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from rempart.audit import api as audit_api
from rempart.audit.domain import AuditEvent, AuditTag, Category, Outcome
from rempart.audit.exposure import ExposureReport, ExposureSelector
from rempart.audit.models import AuditRecordRow
from rempart.audit.recorder import BENEFICIARY, hash_address, pseudonymise_target, record
from rempart.audit.retention import expire
from rempart.audit.scoping import scope_exposure, stream_exposure
from rempart.audit.sequencer import seal
from rempart.bootstrap import Platform
from rempart.identity.permissions import Actor, Channel, Role
from rempart.kernel.errors import Forbidden, InvalidInput
from tests.conftest import NOW
from tests.identity.web import Web, make_web

A1, A2, A3 = (uuid.UUID(f"0196b5f0-0000-7000-8000-00000000010{n}") for n in (1, 2, 3))
CLIENT = uuid.UUID("0196b5f0-0000-7000-8000-000000000201")
S1, S2, S3 = "750000002", "750000010", "750000028"
ADDR1, ADDR2 = "192.0.2.10", "2001:db8::7"
AMC1, AMC2 = "111111111", "222222222"
START = NOW - timedelta(days=10)
END = NOW - timedelta(days=2)
R, G, IDN, B = Category.RIGHTS, Category.GUARANTEES, Category.IDENTITY, Category.BANK

ANALYST = Actor(account_id=uuid.uuid4(), role=Role.SECURITY_ANALYST)
PLATFORM_DPO = Actor(account_id=uuid.uuid4(), role=Role.PLATFORM_DPO)
DPO1 = Actor(account_id=uuid.uuid4(), role=Role.INSURER_DPO, amc_number=AMC1)
URL = "/api/v1/audit/exposure"
DPO3 = Actor(account_id=uuid.uuid4(), role=Role.INSURER_DPO, amc_number="333333333")


def pseudonym(platform: Platform, name: str) -> str:
    return pseudonymise_target(platform.vault, BENEFICIARY, name)


def write_log(platform: Platform) -> None:
    """(account, structure, client, address, person, insurer, categories, outcome, at)"""
    t0 = START + timedelta(days=1)
    rows = [
        (A1, S1, None, ADDR1, "p1", AMC1, {R}, Outcome.ALLOWED, t0),
        (A1, S1, None, ADDR1, "p1", AMC1, {G}, Outcome.ALLOWED, t0 + timedelta(hours=1)),
        (A1, S1, None, None, "p2", AMC2, {IDN}, Outcome.ALLOWED, t0 + timedelta(hours=2)),
        (A1, None, None, None, "p3", AMC1, {R}, Outcome.REFUSED, t0 + timedelta(hours=3)),
        (A2, S2, CLIENT, None, "p4", AMC2, {B}, Outcome.ALLOWED, t0 + timedelta(hours=4)),
        (A3, S3, None, ADDR2, "p5", AMC1, {R}, Outcome.ALLOWED, t0 + timedelta(hours=5)),
        (A1, None, None, None, "p6", AMC1, {R}, Outcome.ALLOWED, END),  # end: excluded
        (A1, None, None, None, "p7", AMC1, {R}, Outcome.ALLOWED, START),  # start: included
        (A1, None, None, None, "p8", AMC1, {R}, Outcome.ALLOWED, START - timedelta(seconds=1)),
        (A1, S1, None, None, "p1", AMC1, {B}, Outcome.NOT_FOUND, t0),
        (A2, S1, None, None, "p9", AMC1, {R, IDN}, Outcome.ALLOWED, t0 + timedelta(days=2)),
    ]
    vault = platform.vault
    with platform.uow() as uow:
        for account, finess, client, address, person, amc, cats, outcome, at in rows:
            record(
                uow,
                AuditEvent(
                    at=at,
                    tag=AuditTag.RIGHTS_CHECK_ANSWERED,
                    outcome=outcome,
                    channel=Channel.API,
                    actor_account_id=account,
                    structure_finess=finess,
                    client_id=client,
                    target_pseudonym=pseudonym(platform, person),
                    target_amc=amc,
                    categories=frozenset(cats),
                    address_hash=None if address is None else hash_address(vault, address),
                ),
            )
        # A sign-in names no one: never part of a scope.
        record(
            uow,
            AuditEvent(
                at=t0,
                tag=AuditTag.IDENTITY_SESSION_OPENED,
                outcome=Outcome.ALLOWED,
                channel=Channel.PORTAL,
                actor_account_id=A1,
            ),
        )
        # A security event names the account itself, as identity records it, and
        # discloses nothing about anyone: never part of a scope either.
        record(
            uow,
            AuditEvent(
                at=t0,
                tag=AuditTag.IDENTITY_SESSION_OPENED,
                outcome=Outcome.ALLOWED,
                channel=Channel.PORTAL,
                actor_account_id=A1,
                target_pseudonym=platform.vault.pseudonym("account", str(A1)),
            ),
        )
        uow.commit()


def people(platform: Platform, report: ExposureReport) -> dict[str | None, dict[str, object]]:
    """{amc: {person name: (categories, records)}} from the report's lists."""
    names = {pseudonym(platform, f"p{n}"): f"p{n}" for n in range(1, 10)}
    found: dict[str | None, dict[str, object]] = {}
    for part in report.by_amc:
        assert part.people_list is not None
        found[part.amc] = {names[p.pseudonym]: (p.categories, p.records) for p in part.people_list}
    return found


def scope(platform: Platform, actor: Actor = ANALYST, **selector: object) -> ExposureReport:
    values: dict[str, object] = {"start": START, "end": END}
    values.update(selector)
    return scope_exposure(
        uow=platform.uow(),
        actor=actor,
        selector=ExposureSelector(**values),  # type: ignore[arg-type]
        include_people=True,
    )


def test_one_account_by_insurer_with_categories_ored(platform: Platform) -> None:
    write_log(platform)
    report = scope(platform, accounts=frozenset({A1}))
    assert people(platform, report) == {
        AMC1: {"p1": (frozenset({R, G}), 2), "p7": (frozenset({R}), 1)},
        AMC2: {"p2": (frozenset({IDN}), 1)},
    }
    amc1 = report.amc(AMC1)
    assert amc1 is not None
    assert (amc1.people, amc1.records) == (2, 3)
    assert amc1.people_by_category[R] == 2
    assert amc1.people_by_category[G] == 1
    assert amc1.records_by_category[R] == 2
    assert amc1.records_by_category[B] == 0
    assert amc1.first_at == START
    assert amc1.last_at == START + timedelta(days=1, hours=1)
    assert amc1.categories == {R, G}
    p1 = next(p for p in amc1.people_list or () if p.records == 2)
    assert p1.first_at == START + timedelta(days=1)
    assert p1.last_at == START + timedelta(days=1, hours=1)
    assert (report.people, report.records, report.complete) == (3, 4, True)
    assert report.platform_wide


def test_named_actors_are_a_union_and_each_record_counts_once(platform: Platform) -> None:
    write_log(platform)
    report = scope(
        platform,
        structures=frozenset({S1}),
        addresses=frozenset({ADDR1, ADDR2}),
        clients=frozenset({CLIENT}),
    )
    assert people(platform, report) == {
        AMC1: {
            "p1": (frozenset({R, G}), 2),
            "p5": (frozenset({R}), 1),
            "p9": (frozenset({R, IDN}), 1),
        },
        AMC2: {"p2": (frozenset({IDN}), 1), "p4": (frozenset({B}), 1)},
    }
    both = scope(platform, accounts=frozenset({A1}), structures=frozenset({S1}))
    amc1 = both.amc(AMC1)
    assert amc1 is not None
    assert amc1.records == 4


def test_addresses_are_matched_by_their_keyed_hash_in_canonical_form(
    platform: Platform,
) -> None:
    write_log(platform)
    report = scope(platform, addresses=frozenset({"2001:DB8:0::7"}))
    assert people(platform, report) == {AMC1: {"p5": (frozenset({R}), 1)}}


def test_outcomes_filter(platform: Platform) -> None:
    write_log(platform)
    every = frozenset(Outcome)
    report = scope(platform, accounts=frozenset({A1}), outcomes=every)
    found = people(platform, report)
    assert found[AMC1]["p3"] == (frozenset({R}), 1)
    assert found[AMC1]["p1"] == (frozenset({R, G, B}), 3)
    refused = scope(platform, accounts=frozenset({A1}), outcomes=frozenset({Outcome.REFUSED}))
    assert people(platform, refused) == {AMC1: {"p3": (frozenset({R}), 1)}}


def test_window_boundaries(platform: Platform) -> None:
    write_log(platform)
    inside = scope(platform, accounts=frozenset({A1}))
    names = set(people(platform, inside)[AMC1])
    assert "p7" in names
    assert "p6" not in names
    assert "p8" not in names
    later = scope(platform, accounts=frozenset({A1}), start=END, end=END + timedelta(days=1))
    assert people(platform, later) == {AMC1: {"p6": (frozenset({R}), 1)}}
    nothing = scope(platform, accounts=frozenset({A1}), start=NOW, end=NOW + timedelta(days=1))
    assert nothing.by_amc == ()
    assert nothing.people == 0


def test_an_insurer_dpo_sees_their_own_insurer_only(platform: Platform) -> None:
    write_log(platform)
    own = scope(platform, DPO1, accounts=frozenset({A1, A2}))
    assert [part.amc for part in own.by_amc] == [AMC1]
    assert set(people(platform, own)[AMC1]) == {"p1", "p7", "p9"}
    assert not own.platform_wide
    other = scope(platform, DPO3, accounts=frozenset({A1, A2}))
    assert other.by_amc == ()
    assert other.people == 0
    assert other.records == 0
    platform_wide = scope(platform, PLATFORM_DPO, accounts=frozenset({A1, A2}))
    assert {part.amc for part in platform_wide.by_amc} == {AMC1, AMC2}


def test_only_the_scoping_roles_may_scope(platform: Platform) -> None:
    selector = ExposureSelector(start=START, end=END, accounts=frozenset({A1}))
    for actor in (
        Actor(account_id=uuid.uuid4(), role=Role.PROFESSIONAL, structures=frozenset({S1})),
        Actor(account_id=uuid.uuid4(), role=Role.INSURER_STAFF, amc_number=AMC1),
        Actor(account_id=uuid.uuid4(), role=Role.PLATFORM_ADMIN),
        Actor(account_id=uuid.uuid4(), role=Role.INSURER_DPO),  # bound to no insurer
    ):
        with pytest.raises(Forbidden):
            scope_exposure(uow=platform.uow(), actor=actor, selector=selector)
        with pytest.raises(Forbidden):
            stream_exposure(uow=platform.uow(), actor=actor, selector=selector)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"accounts": frozenset()}, "selector"),
        ({"end": START}, "end"),
        ({"end": START + timedelta(days=367)}, "end"),
        ({"start": START.replace(tzinfo=None)}, "start"),
        ({"structures": frozenset({"750000003"})}, "structures"),
        ({"addresses": frozenset({"not-an-address"})}, "addresses"),
        ({"outcomes": frozenset()}, "outcomes"),
        ({"accounts": frozenset(uuid.uuid4() for _ in range(10_001))}, "selector"),
    ],
)
def test_bad_selectors_are_refused_naming_the_field(
    platform: Platform, change: dict[str, object], field: str
) -> None:
    selector = replace(
        ExposureSelector(start=START, end=END, accounts=frozenset({A1})),
        **change,  # type: ignore[arg-type]
    )
    with pytest.raises(InvalidInput) as refused:
        scope_exposure(uow=platform.uow(), actor=ANALYST, selector=selector)
    assert refused.value.field == field


def test_a_year_and_a_day_is_the_longest_window(platform: Platform) -> None:
    write_log(platform)
    report = scope(platform, accounts=frozenset({A1}), start=END - timedelta(days=366))
    assert report.people == 4  # p8 is inside this longer window


def test_too_many_people_to_list_inline(platform: Platform) -> None:
    write_log(platform)
    with pytest.raises(InvalidInput) as refused:
        scope_exposure(
            uow=platform.uow(),
            actor=ANALYST,
            selector=ExposureSelector(start=START, end=END, accounts=frozenset({A1})),
            include_people=True,
            people_limit=2,
        )
    assert refused.value.field == "include_people"
    figures = scope_exposure(
        uow=platform.uow(),
        actor=ANALYST,
        selector=ExposureSelector(start=START, end=END, accounts=frozenset({A1})),
    )
    assert figures.people == 3
    assert all(part.people_list is None for part in figures.by_amc)


def test_streaming_gives_the_same_people_in_order(platform: Platform) -> None:
    write_log(platform)
    selector = ExposureSelector(start=START, end=END, accounts=frozenset({A1, A2}))
    streamed = list(stream_exposure(uow=platform.uow(), actor=ANALYST, selector=selector))
    report = scope_exposure(
        uow=platform.uow(), actor=ANALYST, selector=selector, include_people=True
    )
    listed = [p for part in report.by_amc for p in part.people_list or ()]
    assert streamed == listed
    assert [(p.amc, p.pseudonym) for p in streamed] == sorted(
        (p.amc or "", p.pseudonym) for p in streamed
    )
    own = list(stream_exposure(uow=platform.uow(), actor=DPO1, selector=selector))
    assert {p.amc for p in own} == {AMC1}


def test_each_scoping_is_on_record_naming_no_one(platform: Platform) -> None:
    write_log(platform)
    scope(platform, DPO1, accounts=frozenset({A1}))
    list(
        stream_exposure(
            uow=platform.uow(),
            actor=ANALYST,
            selector=ExposureSelector(start=START, end=END, accounts=frozenset({A1})),
        )
    )
    with platform.uow() as uow:
        rows = uow.session.execute(
            select(AuditRecordRow.actor_account_id, AuditRecordRow.target_amc).where(
                AuditRecordRow.tag == AuditTag.AUDIT_EXPOSURE_SCOPED.value,
                AuditRecordRow.target_pseudonym.is_(None),
            )
        ).all()
    assert sorted(rows, key=str) == sorted(
        [(DPO1.account_id, AMC1), (ANALYST.account_id, None)], key=str
    )
    # ...and a scoping of the scopers finds no one through those records.
    again = scope(platform, accounts=frozenset({DPO1.account_id}), start=START, end=NOW)
    assert again.people == 0


def test_records_cleared_by_retention_are_counted_as_people_unknown(
    platform: Platform,
) -> None:
    write_log(platform)
    seal(uow=platform.uow())
    # Everything up to (and including) the first day of the window expires.
    expired = expire(uow=platform.uow(), older_than=START + timedelta(days=1, minutes=30))
    assert expired > 0
    report = scope(platform, accounts=frozenset({A1}))
    # p1's first record (R) and p7 are gone with their actor: only p1's second is seen.
    assert people(platform, report)[AMC1] == {"p1": (frozenset({G}), 1)}
    amc1 = report.amc(AMC1)
    assert amc1 is not None
    # p7 and p1's first record (the NOT_FOUND one is not an allowed outcome); p5 of A3 is
    # later. Expired records are counted whoever their actor was: attribution is gone.
    assert amc1.expired_records == 2
    assert not report.complete
    own = scope(platform, DPO3, accounts=frozenset({A1}))
    assert own.expired_records == 0
    assert own.by_amc == ()
    inside = scope(platform, accounts=frozenset({A1}), start=START + timedelta(days=1, hours=1))
    assert inside.complete


def test_no_identifier_leaves_in_a_report(platform: Platform) -> None:
    write_log(platform)
    report = scope(platform, addresses=frozenset({ADDR1}))
    text = repr(report.by_amc)
    assert ADDR1 not in text
    assert hash_address(platform.vault, ADDR1) not in text
    with platform.uow() as uow:
        total = uow.session.scalar(select(func.count()).select_from(AuditRecordRow))
    assert total == 14  # 13 written + this scoping: the scoping wrote no person


# -- the route, through the ASGI app ---------------------------------------------------------


@pytest.fixture
def web(tmp_path: Path, database_url: str) -> Iterator[Web]:
    built = make_web(tmp_path, database_url)
    # The lead adds the router to create_app; until then the test mounts it itself.
    built.app.include_router(audit_api.router)
    yield built
    built.platform.close()


def body(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "start": START.isoformat(),
        "end": END.isoformat(),
        "accounts": [str(A1), str(A2)],
    }
    values.update(changes)
    return values


def test_route_answers_figures_and_on_request_pseudonyms(web: Web) -> None:
    write_log(web.platform)
    analyst = web.signed_in(web.account(Role.SECURITY_ANALYST, "analyst"))
    answer = analyst.post(URL, json=body())
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["people"], report["platform_wide"], report["complete"]) == (5, True, True)
    assert [part["amc"] for part in report["by_amc"]] == [AMC1, AMC2]
    assert report["by_amc"][0]["people_by_category"]["rights"] == 3
    assert all(part["people_list"] is None for part in report["by_amc"])
    listed = analyst.post(URL, json=body(include_people=True)).json()
    expected = {pseudonym(web.platform, p) for p in ("p1", "p7", "p9")}
    assert {p["pseudonym"] for p in listed["by_amc"][0]["people_list"]} == expected


def test_route_gives_an_insurer_dpo_their_part_only(web: Web) -> None:
    write_log(web.platform)
    dpo = web.signed_in(web.account(Role.INSURER_DPO, "dpo", amc_number=AMC2))
    report = dpo.post(URL, json=body(include_people=True)).json()
    assert [part["amc"] for part in report["by_amc"]] == [AMC2]
    assert report["people"] == 2
    assert not report["platform_wide"]


def test_route_refusals(web: Web) -> None:
    professional = web.signed_in(web.account(Role.PROFESSIONAL, "pro", finess=(S1,)))
    assert professional.post(URL, json=body()).status_code == 403
    assert web.browser().post(URL, json=body()).status_code == 401
    analyst = web.signed_in(web.account(Role.SECURITY_ANALYST, "analyst"))
    empty = analyst.post(URL, json=body(accounts=[]))
    assert empty.status_code == 422
    assert empty.json()["field"] == "selector"
    naive = analyst.post(URL, json=body(start="2026-11-01T00:00:00"))
    assert naive.status_code == 422
    web.clock.set(NOW + timedelta(minutes=10))  # the passkey was presented too long ago
    stale = analyst.post(URL, json=body())
    assert stale.status_code == 401
    assert stale.json()["type"].endswith("/step-up-required")
