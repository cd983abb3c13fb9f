"""One person's actions on one incident, for the three places that offer them: the API,
the command line and the analyst's incident page. Each entry point binds who acts,
through which unit of work and shield, on which incident, once (`OnIncident`), then
calls the action it was asked for: the use cases take these four the same way, and
writing them out at every call is where the three copies used to drift.

Nothing here checks a permission or writes an audit record: the use cases do both, and
the API and page routes keep their own permission dependencies."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from rempart.audit.exposure import ExposureSelector
from rempart.db.uow import UnitOfWork
from rempart.identity.permissions import Actor
from rempart.incidents import containment, scoping, service
from rempart.incidents.domain import Closure, ContainmentStep, Milestone
from rempart.incidents.notify import (
    InsurerNotified,
    MailMerge,
    notify_controllers,
    prepare_mail_merge,
)
from rempart.incidents.ports import ChannelBrakes, DocumentSink
from rempart.incidents.views import IncidentView, ScopingView
from rempart.settings import Settings
from rempart.shield.port import Shield


class _Held(TypedDict):
    """The arguments every incident use case that runs in one unit of work takes first."""

    uow: UnitOfWork
    actor: Actor
    shield: Shield
    incident_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class OnIncident:
    """`uow` makes a unit of work: scoping and containment open several in turn."""

    uow: Callable[[], UnitOfWork]
    actor: Actor
    shield: Shield
    incident_id: uuid.UUID

    def _held(self) -> _Held:
        return _Held(
            uow=self.uow(), actor=self.actor, shield=self.shield, incident_id=self.incident_id
        )

    def read(self) -> IncidentView:
        return service.read_incident(**self._held())

    def scope(self, selector: ExposureSelector) -> ScopingView:
        return scoping.scope_incident(
            uow_factory=self.uow,
            actor=self.actor,
            shield=self.shield,
            incident_id=self.incident_id,
            selector=selector,
        )

    def contain(
        self,
        step: ContainmentStep,
        *,
        brakes: ChannelBrakes | None,
        rotation: containment.KeyRotation | None = None,
    ) -> containment.ContainmentOutcome:
        return containment.contain(
            uow_factory=self.uow,
            actor=self.actor,
            shield=self.shield,
            incident_id=self.incident_id,
            step=step,
            brakes=brakes,
            rotation=rotation,
        )

    def milestone(
        self,
        milestone: Milestone,
        *,
        at: datetime,
        amc: str | None,
        reference: str | None,
        note: str | None,
    ) -> int:
        return service.record_milestone(
            **self._held(), milestone=milestone, at=at, amc=amc, reference=reference, note=note
        )

    def decide(self, text: str) -> int:
        return service.record_decision(**self._held(), text=text)

    def assign(self, owner: uuid.UUID) -> int:
        return service.assign_owner(**self._held(), owner=owner)

    def mark_unintelligible(self, unintelligible: bool, *, reason: str) -> int:
        return service.mark_unintelligible(
            **self._held(), unintelligible=unintelligible, reason=reason
        )

    def notify(self, sink: DocumentSink, settings: Settings) -> list[InsurerNotified]:
        """The contact printed in the letters and the size past which letters are not
        rendered as PDF are the deployment's, whoever asks."""
        return notify_controllers(
            **self._held(),
            sink=sink,
            contact=settings.incident_contact,
            pdf_limit=settings.incident_letters_pdf_limit,
        )

    def mail_merge(self, sink: DocumentSink) -> list[MailMerge]:
        return prepare_mail_merge(**self._held(), sink=sink)

    def close(self, closure: Closure, *, reason: str) -> int:
        return service.close_incident(**self._held(), closure=closure, reason=reason)

    def reopen(self, reason: str) -> int:
        return service.reopen_incident(**self._held(), reason=reason)
