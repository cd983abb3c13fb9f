"""Breach incidents, pure: the register's vocabulary, the incident's state machine, the
timeline's rules and the deadlines computed from it (GDPR art. 33).

Rempart is the insurers' processor. It informs each insurer concerned (the controller)
"without undue delay" — a contractual target, 24 hours by default, runs from Rempart's
awareness — and helps each insurer meet its own 72 hours for the authority. Per the
EDPB (Guidelines 9/2022), a controller becomes aware when its processor tells it: each
insurer's own 72 hours run from the moment it was informed. The register also shows the
stricter reading (72 hours from Rempart's awareness), which nobody can fault.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from rempart.audit.domain import Category
from rempart.kernel.errors import Conflict, InvalidInput

AUTHORITY_DELAY = timedelta(hours=72)
# Instants a person types may run a little ahead of the server's clock.
CLOCK_SKEW = timedelta(minutes=5)
MAX_TEXT = 4000
MAX_REASON = 500


class Status(StrEnum):
    OPEN = "open"  # detected, being assessed, scoped and contained
    CONTAINED = "contained"  # the access that caused it is cut (declared, with its instant)
    CLOSED = "closed"


class Kind(StrEnum):
    """The nature of a breach, in the three classic families (several may apply)."""

    CONFIDENTIALITY = "confidentiality"  # unauthorised disclosure of, or access to, data
    INTEGRITY = "integrity"  # unauthorised alteration
    AVAILABILITY = "availability"  # loss of access or destruction


class Closure(StrEnum):
    RESOLVED = "resolved"  # contained, every insurer concerned informed
    NOT_A_BREACH = "not_a_breach"  # assessed: no personal data was breached


class Milestone(StrEnum):
    """Instants of the timeline recorded after opening. The last three concern one
    insurer: informed by Rempart (the notification flow records it; a call may be
    recorded by hand), and the authority and the people notified *by the insurer*, as it
    tells Rempart."""

    CONTAINED = "contained"
    AMC_INFORMED = "amc_informed"
    AUTHORITY_NOTIFIED = "authority_notified"
    PEOPLE_NOTIFIED = "people_notified"

    @property
    def per_insurer(self) -> bool:
        return self is not Milestone.CONTAINED


class Containment(StrEnum):
    """Containment steps taken from an incident, each through the service that owns it."""

    SUSPEND_ACCOUNT = "suspend_account"  # sessions end with it (identity.service)
    REVOKE_SESSIONS = "revoke_sessions"  # every session of an account, account kept
    REVOKE_CLIENT = "revoke_client"  # a software client and its tokens
    ROTATE_KEYS = "rotate_keys"  # data keys: started from the CLI, or recorded
    CLOSE_CHANNEL = "close_channel"  # one channel closed, the others kept (channel brakes)


# The channels a brake can close (the operators' command line is never one of them).
CLOSABLE_CHANNELS = ("portal", "api", "insurer")
_TARGET = {
    Containment.SUSPEND_ACCOUNT: "account",
    Containment.REVOKE_SESSIONS: "account",
    Containment.REVOKE_CLIENT: "client",
    Containment.CLOSE_CHANNEL: "channel",
    Containment.ROTATE_KEYS: None,
}


class Entry(StrEnum):
    """Kinds of decision log entries. An entry is never changed or removed."""

    OPENED = "opened"
    DECISION = "decision"  # a decision or finding, in the operator's words
    SCOPED = "scoped"
    CONTAINMENT = "containment"
    MILESTONE = "milestone"
    CONTROLLERS_NOTIFIED = "controllers_notified"
    LETTERS_PREPARED = "letters_prepared"  # pseudonyms re-identified by the platform DPO
    OWNER = "owner"
    UNINTELLIGIBLE = "unintelligible"
    CLOSED = "closed"
    REOPENED = "reopened"


class IncidentTag(StrEnum):
    """Audit tags of the incident flow (`source:subject:action`)."""

    OPENED = "incidents:incident:opened"
    LISTED = "incidents:register:read"
    READ = "incidents:incident:read"
    RECORDED = "incidents:incident:recorded"  # a decision, a milestone, the owner, a flag
    SCOPED = "incidents:incident:scoped"
    CONTAINED = "incidents:containment:executed"
    NOTIFIED = "incidents:controllers:notified"
    REIDENTIFIED = "incidents:person:reidentified"  # one record per person, identity opened
    LETTERS = "incidents:letters:prepared"
    CLOSED = "incidents:incident:closed"
    REOPENED = "incidents:incident:reopened"
    NOTICE_READ = "incidents:notice:read"  # an insurer's DPO reads its notices
    PERSON_READ = "incidents:person_notice:read"  # an insured person reads theirs


@dataclass(frozen=True, slots=True)
class AmcFigures:
    """One insurer's part of a scoping: people and records, by category."""

    amc: str | None
    people: int
    records: int
    people_by_category: dict[Category, int]
    records_by_category: dict[Category, int]
    first_at: datetime | None
    last_at: datetime | None
    expired_records: int

    @property
    def categories(self) -> frozenset[Category]:
        return frozenset(c for c, n in self.people_by_category.items() if n)


# -- free text ------------------------------------------------------------------------------

# Thirteen digits or more in a row: a NIR (or a card number) typed into a note. The register
# is read by several people and exported: identifiers stay in the registry.
_LONG_NUMBER = re.compile(r"\d[\d ]{11,}\d")


def free_text(value: str, *, field: str, limit: int = MAX_TEXT) -> str:
    """A note of the register: printable, bounded, and holding no NIR-like number."""
    text = value.strip()
    if not text:
        raise InvalidInput(f"{field} must not be empty", field=field)
    if len(text) > limit:
        raise InvalidInput(f"{field} holds at most {limit} characters", field=field)
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise InvalidInput(f"{field} holds control characters", field=field)
    if any(len(re.sub(r"\s", "", m)) >= 13 for m in _LONG_NUMBER.findall(text)):
        raise InvalidInput(
            f"{field} seems to hold a NIR or card number: the register names no person",
            field=field,
        )
    return text


def kinds_of(values: Iterable[str]) -> frozenset[Kind]:
    try:
        kinds = frozenset(Kind(v) for v in values)
    except ValueError:
        raise InvalidInput(
            "kinds are confidentiality, integrity or availability", field="kinds"
        ) from None
    if not kinds:
        raise InvalidInput("name at least one kind of breach", field="kinds")
    return kinds


# -- the timeline ---------------------------------------------------------------------------


def check_instant(at: datetime, *, field: str, now: datetime, not_before: datetime | None) -> None:
    if at.tzinfo is None:
        raise InvalidInput(f"{field} must carry a time zone", field=field)
    if at > now + CLOCK_SKEW:
        raise InvalidInput(f"{field} lies in the future", field=field)
    if not_before is not None and at < not_before:
        raise InvalidInput(f"{field} lies before the detection of the incident", field=field)


def check_opening(*, detected_at: datetime, aware_at: datetime, now: datetime) -> None:
    """Detected (by a person or a detector) at or before Rempart became aware of it: a
    detector's alert may wait for a person to confirm it is a breach."""
    check_instant(detected_at, field="detected_at", now=now, not_before=None)
    check_instant(aware_at, field="aware_at", now=now, not_before=detected_at)


@dataclass(frozen=True, slots=True)
class Controller:
    """One insurer (controller) and where its part of the timeline stands."""

    amc: str
    in_scope: bool  # named by the latest scoping
    informed_at: datetime | None = None
    authority_notified_at: datetime | None = None
    people_notified_at: datetime | None = None


def milestone_conflict(milestone: Milestone, controller: Controller | None) -> str | None:
    """Why the milestone cannot be recorded for this insurer, or None."""
    if controller is None:
        return "this insurer is not concerned by the incident"
    if milestone is Milestone.AMC_INFORMED and controller.informed_at is not None:
        return "this insurer is already recorded as informed"
    if controller.informed_at is None and milestone is not Milestone.AMC_INFORMED:
        return "this insurer has not been informed yet"
    if milestone is Milestone.AUTHORITY_NOTIFIED and controller.authority_notified_at:
        return "the authority is already recorded as notified by this insurer"
    if milestone is Milestone.PEOPLE_NOTIFIED and controller.people_notified_at:
        return "the people are already recorded as notified by this insurer"
    return None


# -- the state machine ----------------------------------------------------------------------


def require_active(status: Status) -> None:
    """Scoping, containment, notices and milestones happen on an incident not closed."""
    if status is Status.CLOSED:
        raise Conflict("the incident is closed: reopen it first")


def contained(status: Status) -> Status:
    require_active(status)
    if status is Status.CONTAINED:
        raise Conflict("the incident is already recorded as contained")
    return Status.CONTAINED


def closed(
    status: Status,
    *,
    closure: Closure,
    contained_at: datetime | None,
    scoped: bool,
    controllers: Sequence[Controller],
) -> Status:
    """Resolved: contained, scoped, and every insurer concerned informed. Not a breach:
    at any time, with its reasons in the log."""
    require_active(status)
    if closure is Closure.RESOLVED:
        if contained_at is None:
            raise Conflict("record the containment before closing the incident as resolved")
        if not scoped:
            raise Conflict("scope the incident before closing it as resolved")
        if any(c.in_scope and c.informed_at is None for c in controllers):
            raise Conflict("inform every insurer concerned before closing the incident")
    return Status.CLOSED


def reopened(status: Status, *, contained_at: datetime | None) -> Status:
    if status is not Status.CLOSED:
        raise Conflict("only a closed incident can be reopened")
    return Status.OPEN if contained_at is None else Status.CONTAINED


# -- containment steps ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContainmentStep:
    kind: Containment
    target: str | None  # canonical account or client id, or channel; None for keys
    reason: str

    @property
    def target_id(self) -> uuid.UUID:
        assert self.target is not None
        assert _TARGET[self.kind] in ("account", "client")
        return uuid.UUID(self.target)


def containment_step(kind: str, target: str | None, reason: str) -> ContainmentStep:
    try:
        step = Containment(kind)
    except ValueError:
        names = ", ".join(c.value for c in Containment)
        raise InvalidInput(f"kind is one of {names}", field="kind") from None
    reason = free_text(reason, field="reason", limit=MAX_REASON)
    expected = _TARGET[step]
    if expected is None:
        if target:
            raise InvalidInput("rotating the keys takes no target", field="target")
        return ContainmentStep(step, None, reason)
    if not target:
        raise InvalidInput(f"name the {expected}", field="target")
    if expected == "channel":
        if target not in CLOSABLE_CHANNELS:
            raise InvalidInput(
                "the channel is one of " + ", ".join(CLOSABLE_CHANNELS), field="target"
            )
        return ContainmentStep(step, target, reason)
    try:
        return ContainmentStep(step, str(uuid.UUID(target)), reason)
    except ValueError:
        raise InvalidInput(f"the {expected} is named by its id (a UUID)", field="target") from None


# -- deadlines ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ControllerDeadlines:
    amc: str
    inform_due_at: datetime  # Rempart's contractual target, from Rempart's awareness
    inform_overdue: bool
    authority_due_at: datetime | None  # 72 h from the insurer's own awareness (informed)
    authority_overdue: bool


@dataclass(frozen=True, slots=True)
class Deadlines:
    controllers_due_at: datetime  # awareness + the contractual target
    controllers_overdue: bool  # past it, and an insurer concerned not informed (or unscoped)
    authority_due_at: datetime  # awareness + 72 h: the strict reading, for every insurer
    authority_overdue: bool  # past it, and an insurer concerned not yet known to have notified
    by_controller: tuple[ControllerDeadlines, ...]


def deadlines(
    *,
    aware_at: datetime,
    controller_target: timedelta,
    status: Status,
    scoped: bool,
    controllers: Sequence[Controller],
    now: datetime,
) -> Deadlines:
    """Nothing is overdue on a closed incident; an unscoped incident past the target is
    overdue, since nobody can have been informed of what was not yet known."""
    active = status is not Status.CLOSED
    concerned = [c for c in controllers if c.in_scope]
    inform_due = aware_at + controller_target
    authority_due = aware_at + AUTHORITY_DELAY
    per = tuple(
        ControllerDeadlines(
            amc=c.amc,
            inform_due_at=inform_due,
            inform_overdue=active and c.informed_at is None and now > inform_due,
            authority_due_at=None if c.informed_at is None else c.informed_at + AUTHORITY_DELAY,
            authority_overdue=active
            and c.informed_at is not None
            and c.authority_notified_at is None
            and now > c.informed_at + AUTHORITY_DELAY,
        )
        for c in concerned
    )
    return Deadlines(
        controllers_due_at=inform_due,
        controllers_overdue=active
        and now > inform_due
        and (not scoped or any(c.informed_at is None for c in concerned)),
        authority_due_at=authority_due,
        authority_overdue=active
        and now > authority_due
        and (not scoped or any(c.authority_notified_at is None for c in concerned)),
        by_controller=per,
    )
