"""An insured person's account is asked for by their own insurer, names their card, and
is bound to that one beneficiary record: their `own_record` reach is it and no other."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from rempart.bootstrap import Platform
from rempart.identity.actors import actor_for_session
from rempart.identity.domain import AccountRequest, InsuredCard
from rempart.identity.permissions import (
    Actor,
    ObjectKind,
    Permission,
    Role,
    Target,
    allows,
)
from rempart.identity.service import approve_account, request_account
from rempart.identity.sessions import Factor, SessionPolicy, open_session
from rempart.kernel.errors import Conflict, Forbidden, InvalidInput
from rempart.registry import service as registry
from rempart.registry.domain import BeneficiaryStatement

from ..factories import france, register, statements, write_file

ADMIN = Actor(account_id=uuid.uuid4(), role=Role.PLATFORM_ADMIN)


@pytest.fixture
def members(platform: Platform, tmp_path: Path) -> tuple[Platform, list[BeneficiaryStatement]]:
    world = france(60)
    register(platform, world)
    lines = statements(world, beneficiaries=40)
    registry.import_rights_file(
        uow=platform.uow(), path=write_file(tmp_path / "rights.jsonl", lines)
    )
    return platform, lines


def card(line: BeneficiaryStatement, **changes: object) -> InsuredCard:
    values: dict[str, object] = {
        "insured_nir": line.insured_nir,
        "birth_date": line.birth_date,
        "birth_rank": line.birth_rank,
        "member_number": line.member_number,
    }
    values.update(changes)
    return InsuredCard(**values)  # type: ignore[arg-type]


def insured(
    line: BeneficiaryStatement, login: str = "assure@example.test", **changes: object
) -> AccountRequest:
    return AccountRequest(
        Role.INSURED, login, amc_number=line.amc_number, card=card(line, **changes)
    )


def staff_of(amc_number: str) -> Actor:
    return Actor(account_id=uuid.uuid4(), role=Role.INSURER_STAFF, amc_number=amc_number)


def test_an_insurer_binds_an_account_to_its_members_record(
    members: tuple[Platform, list[BeneficiaryStatement]],
) -> None:
    platform, lines = members
    line = lines[0]
    account_id = request_account(
        uow=platform.uow(), actor=staff_of(line.amc_number), request=insured(line)
    )
    approve_account(uow=platform.uow(), actor=ADMIN, account_id=account_id)
    token = open_session(
        uow=platform.uow(), account_id=account_id, factor=Factor.PASSKEY, policy=SessionPolicy()
    )
    actor = actor_for_session(uow=platform.uow(), token=token, policy=SessionPolicy())
    assert actor is not None
    assert actor.role is Role.INSURED
    assert actor.beneficiary_id is not None
    expected = None
    with platform.uow() as uow:
        expected = registry.find_beneficiary(
            uow=uow,
            insured_nir=line.insured_nir,
            birth_date=line.birth_date,
            birth_rank=line.birth_rank,
            amc_number=line.amc_number,
            member_number=line.member_number,
        )
    assert actor.beneficiary_id == str(expected)
    own = Target(ObjectKind.BENEFICIARY, actor.beneficiary_id)
    someone_else = Target(ObjectKind.BENEFICIARY, str(uuid.uuid4()))
    assert allows(actor, Permission.ACCESS_HISTORY_READ, own)
    assert not allows(actor, Permission.ACCESS_HISTORY_READ, someone_else)


def test_only_the_members_own_insurer_asks_and_the_card_must_match(
    members: tuple[Platform, list[BeneficiaryStatement]],
) -> None:
    platform, lines = members
    line = lines[0]
    other_amc = next(x.amc_number for x in lines if x.amc_number != line.amc_number)
    with pytest.raises(Forbidden):
        request_account(uow=platform.uow(), actor=staff_of(other_amc), request=insured(line))
    staff = staff_of(line.amc_number)
    wrong_rank = line.birth_rank % 9 + 1
    with pytest.raises(InvalidInput, match="no member") as refused:
        request_account(
            uow=platform.uow(), actor=staff, request=insured(line, birth_rank=wrong_rank)
        )
    assert refused.value.field == "card"
    with pytest.raises(InvalidInput) as malformed:
        request_account(uow=platform.uow(), actor=staff, request=insured(line, insured_nir="123"))
    assert malformed.value.field == "insured_nir"
    request_account(uow=platform.uow(), actor=staff, request=insured(line))
    with pytest.raises(Conflict, match="already has an account"):
        request_account(
            uow=platform.uow(), actor=staff, request=insured(line, login="again@x.test")
        )


def test_an_insured_account_names_a_card_and_only_it_does(
    members: tuple[Platform, list[BeneficiaryStatement]],
) -> None:
    platform, lines = members
    line = lines[0]
    without_card = AccountRequest(Role.INSURED, "assure@example.test", amc_number=line.amc_number)
    with pytest.raises(InvalidInput) as refused:
        request_account(uow=platform.uow(), actor=ADMIN, request=without_card)
    assert refused.value.field == "card"
    staff_with_card = AccountRequest(
        Role.INSURER_STAFF, "agent@amc.test", amc_number=line.amc_number, card=card(line)
    )
    with pytest.raises(InvalidInput):
        request_account(uow=platform.uow(), actor=ADMIN, request=staff_with_card)
    # Insurer staff ask for insured people only, never for colleagues.
    colleague = AccountRequest(Role.INSURER_STAFF, "agent@amc.test", amc_number=line.amc_number)
    with pytest.raises(Forbidden):
        request_account(uow=platform.uow(), actor=staff_of(line.amc_number), request=colleague)
