"""Request and response bodies of the incident API: counts, pseudonymous figures, the
timeline and the decision log; never a person's identifier (the mail-merge file that
carries insurers' member keys goes to the document port, not into an answer)."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from rempart.audit.domain import Category, Outcome
from rempart.audit.exposure import MAX_NAMED, ExposureSelector
from rempart.incidents.containment import ContainmentOutcome
from rempart.incidents.domain import (
    Closure,
    Kind,
    Milestone,
    Status,
)
from rempart.incidents.reading import NoticeView, PersonIncident
from rempart.incidents.repository import LogEntry
from rempart.incidents.views import ControllerView, IncidentView, ScopingView

_FROM_OBJECTS = ConfigDict(from_attributes=True)


class SourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(pattern="^(alert|report|manual)$")
    reference: str | None = Field(default=None, max_length=64, description="e.g. the alert id")


class IncidentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kinds: list[Kind] = Field(min_length=1, max_length=3)
    description: str = Field(
        min_length=1, max_length=4000, description="What happened, naming no insured person"
    )
    detected_at: AwareDatetime
    aware_at: AwareDatetime | None = Field(default=None, description="Default: now")
    owner: uuid.UUID | None = Field(default=None, description="Default: the caller")
    unintelligible: bool = False
    source: SourceIn | None = None


class FromAlertIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    alert_id: uuid.UUID
    lookback_hours: int = Field(
        default=24, ge=1, le=8784, description="Scope from this long before the alert"
    )
    description: str | None = Field(
        default=None,
        min_length=1,
        max_length=4000,
        description="What happened, naming no insured person; default: the alert's code",
    )
    kinds: list[Kind] = Field(default=[Kind.CONFIDENTIALITY], min_length=1, max_length=3)


class SelectorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: AwareDatetime
    end: AwareDatetime = Field(description="Excluded; at most now")
    accounts: list[uuid.UUID] = Field(default=[], max_length=MAX_NAMED)
    structures: list[str] = Field(default=[], max_length=MAX_NAMED, description="FINESS")
    clients: list[uuid.UUID] = Field(default=[], max_length=MAX_NAMED)
    addresses: list[str] = Field(default=[], max_length=MAX_NAMED)
    outcomes: list[Outcome] = Field(default=[Outcome.ALLOWED])

    def selector(self) -> ExposureSelector:
        return ExposureSelector(
            start=self.start,
            end=self.end,
            accounts=frozenset(self.accounts),
            structures=frozenset(self.structures),
            clients=frozenset(self.clients),
            addresses=frozenset(self.addresses),
            outcomes=frozenset(self.outcomes),
        )


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=4000)


class MilestoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    milestone: Milestone
    at: AwareDatetime
    amc: str | None = Field(default=None, min_length=9, max_length=9)
    reference: str | None = Field(default=None, max_length=64, description="The authority's")
    note: str | None = Field(default=None, max_length=500)


class OwnerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    owner: uuid.UUID


class UnintelligibleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unintelligible: bool
    reason: str = Field(min_length=1, max_length=500)


class ClosureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    closure: Closure
    reason: str = Field(min_length=1, max_length=4000)


class ReopeningIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=4000)


class ContainmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(
        description="suspend_account, revoke_sessions, revoke_client, "
        "rotate_keys (records the operator's rotation) or close_channel"
    )
    target: str | None = Field(
        default=None, max_length=64, description="Account or client id, channel"
    )
    reason: str = Field(min_length=1, max_length=500)


class EntryOut(BaseModel):
    seq: int = Field(description="The decision log entry written")


class FiguresOut(BaseModel):
    model_config = _FROM_OBJECTS
    amc: str | None
    people: int
    records: int
    people_by_category: dict[Category, int]
    records_by_category: dict[Category, int]
    first_at: AwareDatetime | None
    last_at: AwareDatetime | None
    expired_records: int


class ScopingOut(BaseModel):
    id: uuid.UUID
    completed_at: AwareDatetime
    start: AwareDatetime
    end: AwareDatetime
    accounts: list[str]
    structures: list[str]
    clients: list[str]
    addresses: int = Field(description="Addresses named (kept only as keyed hashes)")
    complete: bool = Field(description="False when retention has cleared records of the window")
    people: int
    records: int
    expired_records: int
    by_amc: list[FiguresOut]

    @classmethod
    def of(cls, s: ScopingView) -> ScopingOut:
        return cls(
            id=s.id,
            completed_at=s.completed_at,
            start=s.window_start,
            end=s.window_end,
            accounts=list(s.accounts),
            structures=list(s.structures),
            clients=list(s.clients),
            addresses=s.addresses,
            complete=s.complete,
            people=s.people,
            records=s.records,
            expired_records=s.expired_records,
            by_amc=[FiguresOut.model_validate(f) for f in s.by_amc],
        )


class ControllerDeadlinesOut(BaseModel):
    model_config = _FROM_OBJECTS
    inform_due_at: AwareDatetime
    inform_overdue: bool
    authority_due_at: AwareDatetime | None
    authority_overdue: bool


class ControllerOut(BaseModel):
    amc: str
    in_scope: bool
    informed_at: AwareDatetime | None
    authority_notified_at: AwareDatetime | None
    authority_reference: str | None
    people_notified_at: AwareDatetime | None
    notice_version: int
    notice_at: AwareDatetime | None
    mail_merge_at: AwareDatetime | None
    deadlines: ControllerDeadlinesOut | None

    @classmethod
    def of(cls, c: ControllerView) -> ControllerOut:
        return cls(
            amc=c.amc,
            in_scope=c.in_scope,
            informed_at=c.informed_at,
            authority_notified_at=c.authority_notified_at,
            authority_reference=c.authority_reference,
            people_notified_at=c.people_notified_at,
            notice_version=c.notice_version,
            notice_at=c.notice_at,
            mail_merge_at=c.letters_at,
            deadlines=None
            if c.deadlines is None
            else ControllerDeadlinesOut.model_validate(c.deadlines),
        )


class DeadlinesOut(BaseModel):
    model_config = _FROM_OBJECTS
    controllers_due_at: AwareDatetime = Field(description="Awareness + the contractual target")
    controllers_overdue: bool
    authority_due_at: AwareDatetime = Field(description="Awareness + 72 h (strict reading)")
    authority_overdue: bool


class LogEntryOut(BaseModel):
    seq: int
    at: AwareDatetime
    actor_account_id: uuid.UUID | None
    actor_role: str | None
    kind: str
    summary: str
    details: dict[str, Any]

    @classmethod
    def of(cls, e: LogEntry) -> LogEntryOut:
        return cls(
            seq=e.seq,
            at=e.at,
            actor_account_id=e.actor_account_id,
            actor_role=e.actor_role,
            kind=e.kind.value,
            summary=e.summary,
            details=e.details,
        )


class IncidentOut(BaseModel):
    id: uuid.UUID
    reference: str
    status: Status
    kinds: list[Kind]
    description: str
    owner: uuid.UUID | None
    opened_by: uuid.UUID
    opened_at: AwareDatetime
    detected_at: AwareDatetime
    aware_at: AwareDatetime
    contained_at: AwareDatetime | None
    closed_at: AwareDatetime | None
    closure: Closure | None
    unintelligible: bool
    source: str | None
    controller_target_hours: int
    deadlines: DeadlinesOut
    scoping: ScopingOut | None
    controllers: list[ControllerOut]
    log: list[LogEntryOut] = Field(description="Empty in the register's list")

    @classmethod
    def of(cls, v: IncidentView) -> IncidentOut:
        return cls(
            id=v.id,
            reference=v.reference,
            status=v.status,
            kinds=sorted(v.kinds),
            description=v.description,
            owner=v.owner_account_id,
            opened_by=v.opened_by,
            opened_at=v.opened_at,
            detected_at=v.detected_at,
            aware_at=v.aware_at,
            contained_at=v.contained_at,
            closed_at=v.closed_at,
            closure=v.closure,
            unintelligible=v.unintelligible,
            source=None if v.source_kind is None else f"{v.source_kind}:{v.source_ref or ''}",
            controller_target_hours=v.controller_target_hours,
            deadlines=DeadlinesOut.model_validate(v.deadlines),
            scoping=None if v.scoping is None else ScopingOut.of(v.scoping),
            controllers=[ControllerOut.of(c) for c in v.controllers],
            log=[LogEntryOut.of(e) for e in v.log],
        )


class ContainmentOut(BaseModel):
    seq: int
    kind: str
    target: str | None
    effect: str = Field(description="done, already_in_effect or recorded")
    detail: dict[str, Any]

    @classmethod
    def of(cls, o: ContainmentOutcome) -> ContainmentOut:
        return cls(seq=o.seq, kind=o.kind.value, target=o.target, effect=o.effect, detail=o.detail)


class NotifiedOut(BaseModel):
    model_config = _FROM_OBJECTS
    amc: str
    version: int
    people: int
    letters_pdf: int
    documents: list[str]


class MailMergeOut(BaseModel):
    model_config = _FROM_OBJECTS
    amc: str
    people: int
    unmatched: int
    document: str


class NoticeOut(BaseModel):
    incident_id: uuid.UUID
    reference: str
    status: Status
    kinds: list[Kind]
    contained_at: AwareDatetime | None
    unintelligible: bool
    version: int
    notice_at: AwareDatetime
    subject: str
    informed_at: AwareDatetime | None
    authority_due_at: AwareDatetime | None = Field(description="72 h from being informed")
    authority_notified_at: AwareDatetime | None
    people_notified_at: AwareDatetime | None
    figures: FiguresOut | None
    notice_text: str | None = Field(default=None, description="In the detail only")
    art33_draft: str | None = Field(default=None, description="In the detail only")

    @classmethod
    def of(cls, n: NoticeView) -> NoticeOut:
        return cls(
            incident_id=n.incident_id,
            reference=n.reference,
            status=n.status,
            kinds=sorted(n.kinds),
            contained_at=n.contained_at,
            unintelligible=n.unintelligible,
            version=n.version,
            notice_at=n.notice_at,
            subject=n.subject,
            informed_at=n.informed_at,
            authority_due_at=n.authority_due_at,
            authority_notified_at=n.authority_notified_at,
            people_notified_at=n.people_notified_at,
            figures=None if n.figures is None else FiguresOut.model_validate(n.figures),
            notice_text=n.notice_text,
            art33_draft=n.art33_text,
        )


class PersonIncidentOut(BaseModel):
    reference: str
    status: Status
    insurer: str
    categories: list[Category]
    first_at: AwareDatetime
    last_at: AwareDatetime
    unintelligible: bool
    letter: str = Field(description="The letter written for you, in French")

    @classmethod
    def of(cls, p: PersonIncident) -> PersonIncidentOut:
        return cls(
            reference=p.reference,
            status=p.status,
            insurer=p.insurer,
            categories=sorted(p.categories),
            first_at=p.first_at,
            last_at=p.last_at,
            unintelligible=p.unintelligible,
            letter=p.letter,
        )
