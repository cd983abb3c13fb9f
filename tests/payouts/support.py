"""A directory with two structures and the people who manage their bank accounts: the
structure administrators, two platform administrators and a security analyst (real
accounts, since changes are recorded in their security histories)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import func, select

from rempart.audit.models import AuditRecordRow
from rempart.bootstrap import Platform
from rempart.identity.domain import AccountRequest
from rempart.identity.permissions import Actor, Role
from rempart.identity.service import approve_account, request_account
from rempart.kernel.clock import FixedClock
from rempart.kernel.identifiers import iban_check_digits, rib_key
from rempart.outbox.models import OutboxMessageRow
from rempart.payouts.models import BankAccountRow
from rempart.registry.service import registered_structure
from rempart.shield.port import FixedBudgetShield

from ..identity.clientworld import World, build_world

COOLING_OFF = timedelta(hours=72)
_GHOST_A = Actor(account_id=uuid.uuid4(), role=Role.PLATFORM_ADMIN)
_GHOST_B = Actor(account_id=uuid.uuid4(), role=Role.PLATFORM_ADMIN)


def french_iban(account: int) -> str:
    """A valid French IBAN (RIB key and check digits) for a made-up account number."""
    bank, branch, number = "30004", "00031", f"{account:011d}"
    bban = bank + branch + number + rib_key(bank, branch, number)
    return "FR" + iban_check_digits("FR", bban) + bban


NEW_IBAN = french_iban(12345678901)
NEWER_IBAN = french_iban(98765432109)
BIC = "BNPAFRPPXXX"


@dataclass
class Scene:
    platform: Platform
    clock: FixedClock
    world: World
    shield: FixedBudgetShield
    analyst: Actor
    onboarding_iban: str
    onboarding_bic: str

    @property
    def finess(self) -> str:
        return self.world.finess

    def stepped_up(self, actor: Actor) -> Actor:
        """The actor having presented a passkey just now."""
        return replace(actor, authenticated_at=self.clock.now())

    @property
    def admin(self) -> Actor:
        return self.stepped_up(self.world.structure_admin)

    @property
    def first(self) -> Actor:
        return self.stepped_up(self.world.approver)

    @property
    def second(self) -> Actor:
        return self.stepped_up(self.world.second_approver)

    def later(self, delta: timedelta) -> None:
        self.clock.set(self.clock.now() + delta)

    def count(self, model: type[BankAccountRow | OutboxMessageRow | AuditRecordRow]) -> int:
        with self.platform.uow() as uow:
            return uow.session.scalar(select(func.count()).select_from(model)) or 0

    def audited(self, tag: str) -> list[AuditRecordRow]:
        with self.platform.uow() as uow:
            rows = list(
                uow.session.scalars(select(AuditRecordRow).where(AuditRecordRow.tag == tag))
            )
            uow.session.expunge_all()  # readable after the unit of work
            return rows

    def outbox(self) -> list[OutboxMessageRow]:
        with self.platform.uow() as uow:
            rows = list(
                uow.session.scalars(
                    select(OutboxMessageRow).order_by(
                        OutboxMessageRow.created_at, OutboxMessageRow.id
                    )
                )
            )
            uow.session.expunge_all()
            return rows


def build_scene(platform: Platform, clock: FixedClock) -> Scene:
    world = build_world(platform)
    analyst_id = request_account(
        uow=platform.uow(),
        actor=_GHOST_A,
        request=AccountRequest(Role.SECURITY_ANALYST, "analyst@rempart.example"),
    )
    approve_account(uow=platform.uow(), actor=_GHOST_B, account_id=analyst_id)
    with platform.uow() as uow:
        registered = registered_structure(uow=uow, finess=world.finess)
        assert registered is not None
    return Scene(
        platform,
        clock,
        world,
        FixedBudgetShield(),
        Actor(account_id=analyst_id, role=Role.SECURITY_ANALYST),
        registered.iban,
        registered.bic,
    )
