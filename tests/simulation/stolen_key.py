"""What the stolen client key left in its world: the software's step-up requests and
confirmations by DPoP key and address, and the containments of the client. Captured
while the scenario's world is still open; the tests read it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from rempart.audit.recorder import hash_address
from rempart.identity.client_models import ClientStepUpRow
from rempart.shield.models import ContainmentRow
from rempart.simulation.attacks import Attacker
from rempart.simulation.software import THIEF_ADDRESS
from rempart.simulation.world import World

NAME = "stolen-client-key"


@dataclass
class StolenKeyLook:
    ran: bool = False
    first_lookup: datetime | None = None  # the thief's first answered lookup
    thief_keys: set[str] = field(default_factory=set)  # DPoP keys asking from its address
    pharmacy_keys: set[str] = field(default_factory=set)  # ... from anywhere else
    confirmed_keys: set[str] = field(default_factory=set)  # keys a confirmation counts for
    thief_requests: int = 0
    first_request: datetime | None = None  # the thief's first step-up request
    # The client's containments: (rung, created_at).
    client_rungs: list[tuple[str, datetime]] = field(default_factory=list)

    def __call__(self, name: str, world: World, attackers: Sequence[Attacker]) -> None:
        if name != NAME:
            return
        (thief,) = attackers
        self.ran = True
        self.first_lookup = min(thief.answered, default=None)
        with world.platform.uow() as uow:
            away = hash_address(uow.vault, THIEF_ADDRESS)
            for row in uow.session.scalars(
                select(ClientStepUpRow).where(ClientStepUpRow.client_id == thief.account_id)
            ):
                if row.requested_from == away:
                    self.thief_keys.add(row.jkt)
                    self.thief_requests += 1
                    first = self.first_request
                    self.first_request = min(first or row.requested_at, row.requested_at)
                else:
                    self.pharmacy_keys.add(row.jkt)
                if row.confirmed_at is not None:
                    self.confirmed_keys.add(row.jkt)
            self.client_rungs = [
                (row.rung, row.created_at)
                for row in uow.session.scalars(
                    select(ContainmentRow).where(
                        ContainmentRow.subject_kind == "client",
                        ContainmentRow.subject_ref == str(thief.account_id),
                    )
                )
            ]
