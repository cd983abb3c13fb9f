"""The authorisation rule: every role x every permission x own / other / wrong object
gives exactly what the grant table says, and nothing else."""

from __future__ import annotations

import re
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rempart.identity.permissions import (
    GRANTS,
    Actor,
    ObjectKind,
    Permission,
    Reach,
    Role,
    Target,
    allows,
    authorize,
)
from rempart.kernel.errors import Forbidden

OWN_STRUCTURE, OTHER_STRUCTURE = "750000001", "130000002"
ACC_1, ACC_2 = uuid.UUID(int=1), uuid.UUID(int=2)
OWN_AMC, OTHER_AMC = "123456789", "987654321"


def actor(role: Role) -> Actor:
    return Actor(
        account_id=ACC_1,
        role=role,
        structures=frozenset({OWN_STRUCTURE}),
        amc_number=OWN_AMC,
        beneficiary_id="ben-1",
    )


OWN = {
    ObjectKind.STRUCTURE: OWN_STRUCTURE,
    ObjectKind.AMC: OWN_AMC,
    ObjectKind.BENEFICIARY: "ben-1",
    ObjectKind.ACCOUNT: str(ACC_1),
}
OTHER = {
    ObjectKind.STRUCTURE: OTHER_STRUCTURE,
    ObjectKind.AMC: OTHER_AMC,
    ObjectKind.BENEFICIARY: "ben-2",
    ObjectKind.ACCOUNT: str(ACC_2),
}
KIND_OF = {
    Reach.OWN_STRUCTURE: ObjectKind.STRUCTURE,
    Reach.OWN_AMC: ObjectKind.AMC,
    Reach.OWN_RECORD: ObjectKind.BENEFICIARY,
    Reach.OWN_ACCOUNT: ObjectKind.ACCOUNT,
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("permission", list(Permission))
def test_the_matrix(role: Role, permission: Permission) -> None:
    reach = GRANTS[role].get(permission)
    who = actor(role)
    for kind in ObjectKind:
        for target in (Target(kind, OWN.get(kind, "")), Target(kind, OTHER.get(kind, "x"))):
            expected = reach is Reach.PLATFORM or (
                reach is not None and kind is KIND_OF[reach] and target.id == OWN[kind]
            )
            assert allows(who, permission, target) is expected, (role, permission, target)


def test_every_permission_is_shaped_and_granted_to_someone() -> None:
    granted = {p for grants in GRANTS.values() for p in grants}
    for permission in Permission:
        assert re.fullmatch(r"[a-z_]+:[a-z_]+:[a-z_]+", permission.value)
        assert permission in granted, f"{permission} is granted to nobody"


def test_the_platform_administrator_sees_no_beneficiary_data() -> None:
    personal = {
        Permission.RIGHTS_CHECK,
        Permission.RIGHTS_CALCULATION,
        Permission.INVOICE_READ,
        Permission.MEMBER_LOOKUP,
        Permission.ACCESS_HISTORY_READ,
        Permission.EXPOSURE_SCOPE,
        Permission.REMITTANCE_READ,
        Permission.SETTLEMENT_READ,
        Permission.RIGHTS_FILE_IMPORT,
    }
    assert not personal & set(GRANTS[Role.PLATFORM_ADMIN])


def test_an_actor_without_structures_or_insurer_reaches_nothing_owned() -> None:
    bare = Actor(account_id=uuid.UUID(int=9), role=Role.STRUCTURE_ADMIN)
    assert not allows(bare, Permission.RIGHTS_CHECK, Target(ObjectKind.STRUCTURE, ""))
    insurer = Actor(account_id=uuid.UUID(int=8), role=Role.INSURER_STAFF)
    assert not allows(insurer, Permission.MEMBER_LOOKUP, Target(ObjectKind.AMC, ""))


@given(st.sampled_from(list(Role)), st.sampled_from(list(Permission)), st.text(max_size=12))
def test_deny_by_default_for_strangers(role: Role, permission: Permission, other: str) -> None:
    """An object nobody owns (random id, not the actor's) is reachable only by a
    platform-wide grant."""
    who = Actor(
        account_id=ACC_1,
        role=role,
        structures=frozenset({"S"}),
        amc_number="A",
        beneficiary_id="B",
    )
    target_ids = {str(ACC_1), "S", "A", "B"}
    if other in target_ids:
        return
    for kind in ObjectKind:
        allowed = allows(who, permission, Target(kind, other))
        assert allowed == (GRANTS[role].get(permission) is Reach.PLATFORM)


def test_authorize_raises_without_naming_the_object() -> None:
    with pytest.raises(Forbidden) as refused:
        authorize(
            actor(Role.PROFESSIONAL),
            Permission.RIGHTS_CHECK,
            Target(ObjectKind.STRUCTURE, OTHER_STRUCTURE),
        )
    assert OTHER_STRUCTURE not in str(refused.value)
    authorize(
        actor(Role.PROFESSIONAL),
        Permission.RIGHTS_CHECK,
        Target(ObjectKind.STRUCTURE, OWN_STRUCTURE),
    )


@pytest.mark.parametrize(
    ("role", "permission", "target", "allowed"),
    [
        (
            Role.PROFESSIONAL,
            Permission.RIGHTS_CHECK,
            Target(ObjectKind.STRUCTURE, OWN_STRUCTURE),
            True,
        ),
        (
            Role.PROFESSIONAL,
            Permission.RIGHTS_CHECK,
            Target(ObjectKind.STRUCTURE, OTHER_STRUCTURE),
            False,
        ),
        (
            Role.PROFESSIONAL,
            Permission.IBAN_CHANGE,
            Target(ObjectKind.STRUCTURE, OWN_STRUCTURE),
            False,
        ),
        (
            Role.STRUCTURE_ADMIN,
            Permission.IBAN_CHANGE,
            Target(ObjectKind.STRUCTURE, OWN_STRUCTURE),
            True,
        ),
        (
            Role.STRUCTURE_ADMIN,
            Permission.IBAN_CHANGE,
            Target(ObjectKind.STRUCTURE, OTHER_STRUCTURE),
            False,
        ),
        (Role.INSURER_STAFF, Permission.RIGHTS_FILE_IMPORT, Target(ObjectKind.AMC, OWN_AMC), True),
        (
            Role.INSURER_STAFF,
            Permission.RIGHTS_FILE_IMPORT,
            Target(ObjectKind.AMC, OTHER_AMC),
            False,
        ),
        (
            Role.INSURER_STAFF,
            Permission.RIGHTS_CHECK,
            Target(ObjectKind.STRUCTURE, OWN_STRUCTURE),
            False,
        ),
        (Role.INSURER_DPO, Permission.EXPOSURE_SCOPE, Target(ObjectKind.AMC, OTHER_AMC), False),
        (
            Role.INSURED,
            Permission.ACCESS_HISTORY_READ,
            Target(ObjectKind.BENEFICIARY, "ben-1"),
            True,
        ),
        (
            Role.INSURED,
            Permission.ACCESS_HISTORY_READ,
            Target(ObjectKind.BENEFICIARY, "ben-2"),
            False,
        ),
        (Role.SECURITY_ANALYST, Permission.ALERT_READ, Target.platform(), True),
        (Role.SECURITY_ANALYST, Permission.MEMBER_LOOKUP, Target(ObjectKind.AMC, OWN_AMC), False),
        (Role.PLATFORM_ADMIN, Permission.ACCOUNT_APPROVE, Target.platform(), True),
        (
            Role.PLATFORM_ADMIN,
            Permission.RIGHTS_CHECK,
            Target(ObjectKind.STRUCTURE, OWN_STRUCTURE),
            False,
        ),
        (
            Role.PLATFORM_ADMIN,
            Permission.SECURITY_HISTORY_READ,
            Target(ObjectKind.ACCOUNT, "acc-2"),
            False,
        ),
    ],
)
def test_golden_decisions(
    role: Role, permission: Permission, target: Target, allowed: bool
) -> None:
    assert allows(actor(role), permission, target) is allowed
