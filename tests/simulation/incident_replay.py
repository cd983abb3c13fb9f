"""The breach response run on the world the attack range's 2024 replay leaves behind:
the analyst opens an incident from the shield's alert about the phished account, the
first scope is broad (every person disclosed to that account over the look-back), the
analyst narrows it to the attacker's address, and the insurers' notices are written.
Everything is captured while the scenario's world is still open; the tests read it."""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from rempart.audit.exposure import ExposureSelector
from rempart.audit.recorder import BENEFICIARY, pseudonymise_target
from rempart.incidents.from_alert import open_from_stored_alert
from rempart.incidents.models import IncidentExposureRow
from rempart.incidents.notify import notify_controllers
from rempart.incidents.ports import FileDocumentSink
from rempart.incidents.scoping import scope_incident
from rempart.registry import service as registry
from rempart.registry.domain import BeneficiaryStatement
from rempart.shield.models import AlertRow
from rempart.simulation.attacks import Attacker
from rempart.simulation.world import ATTACKER_ADDRESS, World, platform_actor

from ..factories import card_of

SUSPENSION = "shield.account.suspend"


@dataclass
class ReplayIncident:
    """What the incident team found, next to what the attacker was actually answered."""

    documents: Path
    ran: bool = False
    alert_code: str | None = None
    # The people answered to the attacker: pseudonym -> insurer.
    disclosed: dict[str, str] = field(default_factory=dict)
    broad: set[str] = field(default_factory=set)  # the first scope, from the alert
    narrowed: set[str] = field(default_factory=set)  # after narrowing to the address
    narrowed_by_amc: dict[str, int] = field(default_factory=dict)
    notified: dict[str, int] = field(default_factory=dict)  # AMC -> people, per notice
    secrets: set[str] = field(default_factory=set)  # identifiers no log may show
    logs: list[str] = field(default_factory=list)

    def __call__(self, name: str, world: World, attackers: Sequence[Attacker]) -> None:
        if name != "replay-2024":
            return
        (attacker,) = attackers
        analyst = platform_actor(world.platform, world.analysts[0], world.session_policy)
        with world.platform.uow() as uow:
            alert = uow.session.scalars(
                select(AlertRow)
                .where(
                    AlertRow.subject_kind == "account",
                    AlertRow.subject_ref == str(attacker.account_id),
                    AlertRow.code == SUSPENSION,
                )
                .order_by(AlertRow.created_at)
            ).first()
            assert alert is not None, "the replay must end in an alert about the account"
            alert_id, self.alert_code = alert.id, alert.code
        incident_id, broad = open_from_stored_alert(
            uow_factory=world.platform.uow,
            actor=analyst,
            shield=world.shield,
            alert_id=alert_id,
            controller_target=timedelta(hours=24),
        )
        self.broad = _people(world, broad.id)
        narrowed = scope_incident(
            uow_factory=world.platform.uow,
            actor=analyst,
            shield=world.shield,
            incident_id=incident_id,
            selector=ExposureSelector(
                start=broad.window_start,
                end=broad.window_end,
                addresses=frozenset({ATTACKER_ADDRESS.format(10)}),
            ),
        )
        self.narrowed = _people(world, narrowed.id)
        self.narrowed_by_amc = {f.amc: f.people for f in narrowed.by_amc}
        for card in attacker.disclosed:
            self.disclosed[_pseudonym(world, card)] = card.amc_number
            self.secrets |= _identifiers(card)
        done = notify_controllers(
            uow=world.platform.uow(),
            actor=analyst,
            shield=world.shield,
            incident_id=incident_id,
            sink=FileDocumentSink(self.documents),
        )
        self.notified = {d.amc: d.people for d in done}
        self.ran = True

    @property
    def disclosed_by_amc(self) -> Counter[str]:
        return Counter(self.disclosed.values())

    @contextmanager
    def listening(self) -> Iterator[None]:
        """Every log record of the run, at every level, formatted as a handler would."""
        collected = self.logs

        class Collect(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                collected.append(self.format(record))

        handler, root = Collect(logging.DEBUG), logging.getLogger()
        level = root.level
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)
        try:
            yield
        finally:
            root.removeHandler(handler)
            root.setLevel(level)


def _people(world: World, scoping_id: uuid.UUID) -> set[str]:
    with world.platform.uow() as uow:
        return set(
            uow.session.scalars(
                select(IncidentExposureRow.pseudonym).where(
                    IncidentExposureRow.scoping_id == scoping_id
                )
            )
        )


def _pseudonym(world: World, card: BeneficiaryStatement) -> str:
    with world.platform.uow() as uow:
        beneficiary_id = registry.find_beneficiary(uow=uow, **card_of(card))
        assert beneficiary_id is not None, "a disclosed card names someone registered"
        return pseudonymise_target(uow.vault, BENEFICIARY, str(beneficiary_id))


def _identifiers(card: BeneficiaryStatement) -> set[str]:
    found = {card.insured_nir, card.birth_date, card.last_name, card.first_name}
    found.add(card.member_number)
    if card.beneficiary_nir:
        found.add(card.beneficiary_nir)
    return {s for s in found if len(s) >= 4}
