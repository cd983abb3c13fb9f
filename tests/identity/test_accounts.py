"""Account administration: identities from the directories, four eyes, least privilege,
new accounts flagged, every change a security event the owner can read."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from rempart.bootstrap import Platform
from rempart.identity.domain import AccountRequest, AccountStatus, SecurityTag
from rempart.identity.models import AccountRow
from rempart.identity.permissions import Actor, Role
from rempart.identity.service import approve_account, request_account, security_history
from rempart.kernel.clock import FixedClock
from rempart.kernel.errors import Conflict, Forbidden, InvalidInput
from rempart.kernel.identifiers import luhn_check_digit

from ..factories import france, register

UNKNOWN_RPPS = "1000000000" + luhn_check_digit("1000000000")
VALID_FINESS = "75000000" + luhn_check_digit("75000000")
ADMIN_A = Actor(account_id=uuid.uuid4(), role=Role.PLATFORM_ADMIN)
ADMIN_B = Actor(account_id=uuid.uuid4(), role=Role.PLATFORM_ADMIN)


@pytest.fixture
def directory(platform: Platform) -> Platform:
    register(platform, france(60))
    return platform


def pharmacist_request(world_index: int = 0) -> AccountRequest:
    pro = [p for p in france(60).professionals if p.structures][world_index]
    return AccountRequest(
        role=Role.PROFESSIONAL,
        login_name=f"pro{world_index}@pharmacie.example",
        rpps=pro.rpps,
        finess=pro.structures[:1],
    )


def test_a_professional_account_needs_a_second_person(directory: Platform) -> None:
    account = request_account(uow=directory.uow(), actor=ADMIN_A, request=pharmacist_request())
    with pytest.raises(Forbidden, match="second person"):
        approve_account(uow=directory.uow(), actor=ADMIN_A, account_id=account)
    approve_account(uow=directory.uow(), actor=ADMIN_B, account_id=account)
    with directory.uow() as uow:
        row = uow.session.get_one(AccountRow, account)
        assert (row.status, row.is_new) == (AccountStatus.ACTIVE, True)
        assert b"pharmacie" not in row.login_name  # sealed
    with pytest.raises(Conflict, match="not waiting"):
        approve_account(uow=directory.uow(), actor=ADMIN_B, account_id=account)


def test_identities_come_from_the_directories(directory: Platform) -> None:
    good = pharmacist_request()
    with pytest.raises(InvalidInput, match="not in the directory"):
        request_account(
            uow=directory.uow(),
            actor=ADMIN_A,
            request=AccountRequest(Role.PROFESSIONAL, "x@y.example", UNKNOWN_RPPS, good.finess),
        )
    other = next(s.finess for s in france(60).structures if s.finess not in good.finess)
    with pytest.raises(InvalidInput, match="does not practise"):
        request_account(
            uow=directory.uow(),
            actor=ADMIN_A,
            request=AccountRequest(Role.PROFESSIONAL, "x@y.example", good.rpps, (other,)),
        )
    with pytest.raises(InvalidInput, match="check digit"):
        request_account(
            uow=directory.uow(),
            actor=ADMIN_A,
            request=AccountRequest(Role.PROFESSIONAL, "x@y.example", "12345678901", good.finess),
        )
    with directory.uow() as uow:
        assert uow.session.scalars(select(AccountRow)).all() == []


def test_a_structure_administrator_asks_only_for_their_own_structure(directory: Platform) -> None:
    request = pharmacist_request()
    own = Actor(
        account_id=uuid.uuid4(),
        role=Role.STRUCTURE_ADMIN,
        structures=frozenset(request.finess),
    )
    stranger = Actor(
        account_id=uuid.uuid4(), role=Role.STRUCTURE_ADMIN, structures=frozenset({"999999999"})
    )
    with pytest.raises(Forbidden):
        request_account(uow=directory.uow(), actor=stranger, request=request)
    with pytest.raises(Forbidden):
        request_account(
            uow=directory.uow(),
            actor=own,
            request=AccountRequest(Role.INSURER_STAFF, "staff@amc.example", amc_number="123456789"),
        )
    request_account(uow=directory.uow(), actor=own, request=request)
    professional = Actor(
        account_id=uuid.uuid4(), role=Role.PROFESSIONAL, structures=frozenset(request.finess)
    )
    with pytest.raises(Forbidden):
        request_account(uow=directory.uow(), actor=professional, request=pharmacist_request(1))


def test_duplicates_are_refused(directory: Platform) -> None:
    first = pharmacist_request()
    request_account(uow=directory.uow(), actor=ADMIN_A, request=first)
    again = AccountRequest(Role.PROFESSIONAL, "other@x.example", first.rpps, first.finess)
    with pytest.raises(Conflict, match="RPPS"):
        request_account(uow=directory.uow(), actor=ADMIN_A, request=again)
    amc = france(60).insurers[0].amc_number
    renamed = AccountRequest(Role.INSURER_STAFF, "PRO0@Pharmacie.Example", amc_number=amc)
    with pytest.raises(Conflict, match="login name"):
        request_account(uow=directory.uow(), actor=ADMIN_A, request=renamed)


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (AccountRequest(Role.PROFESSIONAL, "p@x.example", finess=(VALID_FINESS,)), "rpps"),
        (AccountRequest(Role.INSURER_STAFF, "i@x.example"), "amc_number"),
        (
            AccountRequest(Role.SECURITY_ANALYST, "s@x.example", amc_number="123456789"),
            "amc_number",
        ),
        (AccountRequest(Role.INSURED, "i@x.example", finess=(VALID_FINESS,)), "finess"),
        (AccountRequest(Role.INSURED, "\x00"), "login_name"),
    ],
)
def test_malformed_requests_name_the_field(request_: AccountRequest, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        request_.validated()
    assert refused.value.field == field


def test_each_person_reads_their_own_security_history(directory: Platform) -> None:
    account = request_account(uow=directory.uow(), actor=ADMIN_A, request=pharmacist_request())
    clock = directory.clock
    assert isinstance(clock, FixedClock)
    clock.set(clock.now() + timedelta(minutes=5))
    approve_account(uow=directory.uow(), actor=ADMIN_B, account_id=account)
    owner = Actor(account_id=account, role=Role.PROFESSIONAL)
    history = security_history(uow=directory.uow(), actor=owner)
    assert [event.tag for event in history] == [
        SecurityTag.ACCOUNT_APPROVED,
        SecurityTag.ACCOUNT_REQUESTED,
    ]
    assert not any(event.by_self for event in history)
    assert security_history(uow=directory.uow(), actor=ADMIN_A) == []


def test_validation_messages_only_after_authorisation(directory: Platform) -> None:
    insured = Actor(account_id=uuid.uuid4(), role=Role.INSURED)
    with pytest.raises(Forbidden):
        request_account(
            uow=directory.uow(), actor=insured, request=AccountRequest(Role.INSURED, "\x00")
        )


def test_structure_administrators_come_from_the_directory(directory: Platform) -> None:
    world = france(60)
    admin = next(p for p in world.professionals if p.administrator_of)
    member = next(p for p in world.professionals if p.structures and not p.administrator_of)
    with pytest.raises(InvalidInput, match="bound to an RPPS"):
        request_account(
            uow=directory.uow(),
            actor=ADMIN_A,
            request=AccountRequest(
                Role.STRUCTURE_ADMIN, "a@x.example", finess=admin.administrator_of
            ),
        )
    with pytest.raises(InvalidInput, match="administrator"):
        request_account(
            uow=directory.uow(),
            actor=ADMIN_A,
            request=AccountRequest(
                Role.STRUCTURE_ADMIN, "m@x.example", member.rpps, member.structures[:1]
            ),
        )
    request_account(
        uow=directory.uow(),
        actor=ADMIN_A,
        request=AccountRequest(
            Role.STRUCTURE_ADMIN, "a@x.example", admin.rpps, admin.administrator_of
        ),
    )
    with pytest.raises(InvalidInput, match="not a registered insurer"):
        request_account(
            uow=directory.uow(),
            actor=ADMIN_A,
            request=AccountRequest(Role.INSURER_STAFF, "i@x.example", amc_number="000000000"),
        )


def test_only_the_platform_learns_that_a_login_name_is_taken(directory: Platform) -> None:
    first = pharmacist_request(0)
    request_account(uow=directory.uow(), actor=ADMIN_A, request=first)
    second = pharmacist_request(1)
    structure_admin = Actor(
        account_id=uuid.uuid4(), role=Role.STRUCTURE_ADMIN, structures=frozenset(second.finess)
    )
    probe = AccountRequest(Role.PROFESSIONAL, first.login_name.upper(), second.rpps, second.finess)
    with pytest.raises(Conflict) as refused:
        request_account(uow=directory.uow(), actor=structure_admin, request=probe)
    assert "login" not in str(refused.value)
